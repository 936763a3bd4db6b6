import HTTP1
import Testing

/// The request line (RFC 9112 §3): `method SP request-target SP HTTP-version CRLF`.
@Suite struct RequestLineTests {
    /// The seven known methods are parsed, each by its exact upper-case name.
    @Test(arguments: ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    func knownMethods(name: String) {
        #expect(ParserRun("\(name) / HTTP/1.1\r\nHost: x\r\n\r\n").first?.method == name)
    }

    /// Any other well-formed method token, lower-case names included, is 501 Not Implemented.
    @Test(arguments: ["FOO", "CONNECT", "TRACE", "get", "Post", "M-SEARCH"])
    func unknownMethodsAre501(name: String) {
        let run = ParserRun("\(name) / HTTP/1.1\r\nHost: x\r\n\r\n" + probe)
        #expect(run.statuses == 501)
        #expect(run.requests.isEmpty)
    }

    /// HTTP/1.0 and HTTP/1.1 are served; other well-formed versions are 505.
    @Test(arguments: [("HTTP/1.0", 200), ("HTTP/1.1", 200), ("HTTP/2.0", 505), ("HTTP/9.9", 505), ("HTTP/0.9", 505), ("HTTP/1.2", 505)])
    func versions(version: String, status: Int) {
        let run = ParserRun("GET / \(version)\r\nHost: x\r\n\r\n")
        #expect((run.statuses ?? 200) == status)
    }

    /// Malformed versions, the HTTP/0.9 form and any spacing other than exactly one SP are 400.
    @Test(arguments: [
        "GET / HTTP/1.10\r\n\r\n", "GET / http/1.1\r\n\r\n", "GET / HTTP/1\r\n\r\n", "GET / HTTP/1.1 \r\n\r\n",
        "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET /  HTTP/1.1\r\n\r\n", "GET\t/ HTTP/1.1\r\n\r\n",
        " GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 x\r\n\r\n", "/ HTTP/1.1\r\n\r\n", "G@T / HTTP/1.1\r\n\r\n",
        "BROKEN\r\n\r\n", "GET / HTTP/1.1\u{0}\r\n\r\n",
    ])
    func malformedLinesAre400(line: String) {
        let run = ParserRun(line + probe)
        #expect(run.statuses == 400)
        #expect(run.requests.isEmpty)
    }

    /// Control bytes, DEL, and bytes >= 0x80 in the target are 400.
    @Test(arguments: [[0x01], [0x7F], [0x80], [0xFF], [0x09], [0x0B]] as [[UInt8]])
    func targetBytesMustBeVisible(bad: [UInt8]) {
        let bytes = Array("GET /a".utf8) + bad + Array("b HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        #expect(ParserRun(bytes).statuses == 400)
    }

    /// A few empty lines before the request line are skipped; more are 400.
    @Test func emptyLinesBeforeTheRequestLine() {
        #expect(ParserRun("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").first?.path == "/")
        #expect(ParserRun(String(repeating: "\r\n", count: 5) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n").statuses == 400)
        #expect(ParserRun("\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").statuses == 400)
    }
}
