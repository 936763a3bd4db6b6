import Testing
@testable import Evserve

/// Rendering responses and the Date header.
@Suite struct ResponseWriterTests {
    private func render(_ response: HTTPResponse, keepAlive: Bool = true, http10: Bool = false, head: Bool = false) -> String {
        var out: [UInt8] = []
        ResponseWriter.render(response, keepAlive: keepAlive, http10: http10, omitBody: head,
                              date: HTTPDate(epochSeconds: 1_795_622_400), into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A response renders status line, framing headers and body, in that order.
    @Test func rendersAWholeResponse() {
        let text = render(.json(#"{"y":[1.0]}"#))
        #expect(text == "HTTP/1.1 200 OK\r\nServer: evserve\r\nDate: Wed, 25 Nov 2026 16:00:00 GMT\r\n"
            + "Content-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"y\":[1.0]}")
    }

    /// Other statuses and content types take the general path and render the same shape.
    @Test func rendersOtherStatusesAndTypes() {
        let text = render(HTTPResponse(status: 503, contentType: "text/plain; charset=utf-8", body: Array("no".utf8)))
        #expect(text == "HTTP/1.1 503 Service Unavailable\r\nServer: evserve\r\nDate: Wed, 25 Nov 2026 16:00:00 GMT\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nno")
    }

    /// Lengths are written in decimal without leading zeros, 0 and Int.max included, after what
    /// the buffer already holds.
    @Test func decimalsHaveNoLeadingZeros() {
        for value in [0, 1, 9, 10, 99, 100, 101, 1_000_000, 123_456_789, Int.max] {
            var out: [UInt8] = Array("x".utf8)
            ResponseWriter.appendDecimal(value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == "x" + String(value))
        }
    }

    /// Long heads (long extra headers, a long content type) are written whole and in order.
    @Test func longHeadsAreWrittenWhole() {
        let long = String(repeating: "v", count: 300)
        var response = HTTPResponse(status: 405, contentType: "text/plain; " + String(repeating: "p", count: 200), body: Array("b".utf8))
        response.extraHeaders = [("Allow", "GET, HEAD"), ("X-Long", long), ("X-After", "1")]
        let text = render(response, keepAlive: false)
        #expect(text == "HTTP/1.1 405 Method Not Allowed\r\nServer: evserve\r\nDate: Wed, 25 Nov 2026 16:00:00 GMT\r\n"
            + "Content-Type: text/plain; \(String(repeating: "p", count: 200))\r\nContent-Length: 1\r\n"
            + "Allow: GET, HEAD\r\nX-Long: \(long)\r\nX-After: 1\r\nConnection: close\r\n\r\nb")
    }

    /// Closing, HTTP/1.0 keep-alive and HEAD change only what they must.
    @Test func connectionHeadersAndHead() {
        #expect(render(.json("1"), keepAlive: false).contains("Connection: close\r\n"))
        #expect(render(.json("1"), http10: true).contains("Connection: keep-alive\r\n"))
        #expect(!render(.json("1")).contains("Connection:"))
        let head = render(.json("12345"), head: true)
        #expect(head.contains("Content-Length: 5\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"))
    }

    /// Errors render FastAPI's body shape, with their extra headers.
    @Test func errorsRenderFastAPIShape() {
        let text = render(HTTPError.methodNotAllowed(allow: [.get, .post]).response)
        #expect(text.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        #expect(text.contains("Allow: GET, POST\r\n"))
        #expect(text.hasSuffix(#"{"detail":"Method Not Allowed"}"#))
    }

    /// The Date header is the IMF-fixdate of the current second, and only changes with it.
    @Test func dateHeaderFormatsOncePerSecond() {
        #expect(HTTPDate(epochSeconds: 0).text == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate(epochSeconds: 1_795_622_400).text == "Wed, 25 Nov 2026 16:00:00 GMT")
        #expect(HTTPDate(epochSeconds: 951_782_400).text == "Tue, 29 Feb 2000 00:00:00 GMT")
        var cache = DateCache()
        let first = cache.value(at: 100.1)
        #expect(cache.value(at: 100.9) == first)
        #expect(cache.value(at: 101.0) != first)
    }
}
