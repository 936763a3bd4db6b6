import HTTP1
import Testing

/// How the body's length is decided (RFC 9112 §6): Content-Length, Transfer-Encoding, neither.
@Suite struct BodyFramingTests {
    private func status(_ fields: String, body: String = "", version: String = "HTTP/1.1", maxBodySize: Int = 1 << 20) -> Int? {
        ParserRun("POST /predict \(version)\r\nHost: x\r\n" + fields + "\r\n" + body + probe, maxBodySize: maxBodySize).statuses
    }

    /// Content-Length frames exactly that many bytes; the next request starts right after them.
    @Test func contentLength() {
        let run = ParserRun(post("Content-Length: 5\r\n\r\nhello") + probe)
        #expect(run.requests.map(\.path) == ["/predict", "/smuggled"])
        #expect(run.first?.body == Array("hello".utf8))
    }

    /// A request with neither Content-Length nor Transfer-Encoding has an empty body.
    @Test func noFramingMeansNoBody() {
        let run = ParserRun(post("\r\n") + probe)
        #expect(run.requests.map(\.body) == [[], []])
    }

    /// Content-Length must be 1+ digits, sent once, fitting Int64: anything else is 400.
    @Test(arguments: ["Content-Length: +5\r\n", "Content-Length: -1\r\n", "Content-Length: 0x5\r\n", "Content-Length: 5 5\r\n",
                      "Content-Length: 5,5\r\n", "Content-Length:\r\n", "Content-Length: 5\r\nContent-Length: 5\r\n",
                      "Content-Length: 99999999999999999999\r\n", "Content-Length : 5\r\n"])
    func badContentLengthIs400(fields: String) {
        #expect(status(fields, body: "hello") == 400)
    }

    /// A Content-Length over --max-body-size is 413 before any body byte arrives.
    @Test func contentLengthOverTheLimitIs413() {
        #expect(status("Content-Length: 101\r\n", maxBodySize: 100) == 413)
        #expect(status("Content-Length: 100\r\n", body: String(repeating: "a", count: 100), maxBodySize: 100) == nil)
    }

    /// Transfer-Encoding with Content-Length, or in HTTP/1.0, is 400.
    @Test func transferEncodingConflicts() {
        #expect(status("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", body: "0\r\n\r\n") == 400)
        #expect(status("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n") == 400)
        #expect(status("Transfer-Encoding: chunked\r\n", body: "0\r\n\r\n", version: "HTTP/1.0") == 400)
    }

    /// The combined coding list must be exactly one chunked, last; other codings before it are 501.
    @Test(arguments: [
        ("Transfer-Encoding: chunked\r\n", nil), ("Transfer-Encoding: CHUNKED\r\n", nil), ("Transfer-Encoding:  chunked \r\n", nil),
        ("Transfer-Encoding: chunked, chunked\r\n", 400), ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400),
        ("Transfer-Encoding: gzip\r\n", 400), ("Transfer-Encoding: chunked, gzip\r\n", 400),
        ("Transfer-Encoding: gzip, chunked\r\n", 501), ("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501),
        ("Transfer-Encoding: ,chunked\r\n", 400), ("Transfer-Encoding: chunked,\r\n", 400), ("Transfer-Encoding:\r\n", 400),
        ("Transfer-Encoding: chunked;q=1\r\n", 400), ("Transfer-Encoding: \"chunked\"\r\n", 400), ("Transfer-Encoding: xchunked\r\n", 400),
    ] as [(String, Int?)])
    func transferCodings(fields: String, expected: Int?) {
        #expect(status(fields, body: "0\r\n\r\n") == expected)
    }

    /// `Expect: 100-continue` asks for one interim response, only from HTTP/1.1 and only while a body is due.
    @Test func expectContinue() {
        let head = "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"
        let waiting = ParserRun(head + "a", pieces: [head.utf8.count])
        #expect(waiting.continues == 1)
        #expect(waiting.requests.isEmpty)
        #expect(ParserRun(head + "abc").continues == 0)
        #expect(ParserRun("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").continues == 0)
    }
}
