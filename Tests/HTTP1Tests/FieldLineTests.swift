import HTTP1
import Testing

/// Field lines and line endings of the header section (RFC 9112 §2.2, §5), and Host (§3.2).
@Suite struct FieldLineTests {
    private func status(_ fields: String, version: String = "HTTP/1.1") -> Int? {
        ParserRun("GET / \(version)\r\n" + fields + "\r\n" + probe).statuses
    }

    /// Field names are case-insensitive and OWS around values is dropped.
    @Test func namesAndOptionalWhitespace() {
        let run = ParserRun("POST / HTTP/1.1\r\nhOsT: x\r\nCONTENT-TYPE: \t application/json \t\r\ncontent-length:2\r\n\r\n{}")
        #expect(run.first?.contentType == "application/json")
        #expect(run.first?.body == Array("{}".utf8))
    }

    /// The Open Inference Protocol's `Inference-Header-Content-Length` is kept as sent, in any case.
    @Test func keepsInferenceHeaderContentLength() {
        let run = ParserRun("POST / HTTP/1.1\r\nHost: x\r\ninference-header-CONTENT-length: 17\r\ncontent-length:2\r\n\r\n{}")
        #expect(ParserRun("GET / HTTP/1.1\r\nHost: x\r\n\r\n").requests.first?.inferenceHeaderContentLength == nil)
        #expect(run.requests.first?.inferenceHeaderContentLength == "17")
    }

    /// Whitespace between name and colon, an empty or non-token name, and a line without a colon are 400.
    @Test(arguments: ["Host: x\r\nX-A : 1\r\n", "Host: x\r\nX-A\t: 1\r\n", "Host: x\r\n: 1\r\n", "Host: x\r\nX(A): 1\r\n",
                      "Host: x\r\nNoColon\r\n", "Host : x\r\n", "Host: x\r\nX\u{7F}: 1\r\n"])
    func badNamesAre400(fields: String) {
        #expect(status(fields) == 400)
    }

    /// A field name is a token: of the 256 byte values, exactly tchar (RFC 9110 §5.6.2: DIGIT, ALPHA and
    /// ``!#$%&'*+-.^_`|~``) may appear in one; any other byte there is a 400.
    @Test func fieldNameBytesAreTchar() {
        let tchar = Set(Array("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8))
        // ':' ends the name, CR and LF the line: they cannot be inside a name.
        for byte in (0...255).map(UInt8.init) where ![0x3A, 0x0D, 0x0A].contains(byte) {
            let bytes = Array("GET / HTTP/1.1\r\nHost: x\r\nA".utf8) + [byte] + Array("B: v\r\n\r\n".utf8)
            #expect(ParserRun(bytes).statuses == (tchar.contains(byte) ? nil : 400), "byte \(byte)")
        }
    }

    /// A line starting with SP/HTAB (obs-fold, or right after the request line) is 400.
    @Test(arguments: [" Host: x\r\n", "Host: x\r\nX-A: 1\r\n  folded\r\n", "Host: x\r\nX-A: 1\r\n\tTransfer-Encoding: chunked\r\n"])
    func foldingIs400(fields: String) {
        #expect(status(fields) == 400)
    }

    /// NUL, other controls and DEL in a value are 400; HTAB and obs-text are allowed.
    @Test func valueBytes() {
        for bad: UInt8 in [0x00, 0x01, 0x0B, 0x1F, 0x7F] {
            let bytes = Array("GET / HTTP/1.1\r\nHost: x\r\nX-A: a".utf8) + [bad] + Array("b\r\n\r\n".utf8)
            #expect(ParserRun(bytes).statuses == 400, "byte \(bad)")
        }
        let fine = Array("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\tb ".utf8) + [0x80, 0xFF] + Array("\r\n\r\n".utf8)
        #expect(ParserRun(fine).first != nil)
    }

    /// A CR not followed by LF, or an LF without CR, anywhere in the head is 400, at once.
    @Test(arguments: ["GET / HTTP/1.1\r\nHost: x\r\n\rZ", "GET / HTTP/1.1\r\nHost: x\r\n\r\r\n", "GET / HTTP/1.1\nHost: x\r\n\r\n",
                      "GET / HTTP/1.1\r\nHost: x\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\n", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
                      "GET / HTTP/1.1\r\r\n"])
    func bareCRAndLFAre400(text: String) {
        // No probe after: the failure must not wait for a later CRLFCRLF.
        #expect(ParserRun(text).statuses == 400)
    }

    /// The line-ending scan takes eight bytes a step: a bare CR or LF is found at every offset of a
    /// long line, at every position in its word, and in the last bytes that go one at a time.
    @Test func bareCRAndLFInLongLinesAre400() {
        for bad in ["\r", "\n"] {
            for offset in 0..<40 {
                let value = String(repeating: "v", count: offset) + bad + String(repeating: "w", count: 40 - offset)
                #expect(ParserRun("GET / HTTP/1.1\r\nHost: x\r\nX-Long: \(value)\r\n\r\n").statuses == 400,
                        "\(bad == "\r" ? "CR" : "LF") at \(offset)")
            }
        }
        #expect(ParserRun("GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + String(repeating: "v", count: 41) + "\r\n\r\n").first != nil)
    }

    /// A head over --max-head-size, or with more than 100 field lines, is 431.
    @Test func headLimits() {
        #expect(ParserRun("GET / HTTP/1.1\r\nHost: x\r\nX-A: " + String(repeating: "a", count: 300) + "\r\n\r\n",
                          maxHeadSize: 256).statuses == 431)
        let hundred = (0..<99).map { "X-\($0): 1\r\n" }.joined()
        #expect(ParserRun("GET / HTTP/1.1\r\nHost: x\r\n" + hundred + "\r\n").first != nil)
        #expect(status(hundred + "X-Last: 1\r\nHost: x\r\n") == 431)
    }

    /// The head limit holds while the head is still arriving: no end of head needed to refuse it.
    @Test func headLimitWithoutAnEnd() {
        let run = ParserRun("GET / HTTP/1.1\r\nX-A: " + String(repeating: "a", count: 300), pieces: [10, 10, 50], maxHeadSize: 256)
        #expect(run.statuses == 431)
    }

    /// HTTP/1.1 needs exactly one valid Host; HTTP/1.0 may omit it, but never send two.
    @Test func hostRules() {
        #expect(status("") == 400)
        #expect(status("Host: a\r\nHost: a\r\n") == 400)
        #expect(status("Host: a\r\nHost: b\r\n", version: "HTTP/1.0") == 400)
        #expect(status("", version: "HTTP/1.0") == nil)
        #expect(status("Host:\r\n") == nil)
        for valid in ["x", "example.com:8080", "127.0.0.1", "[::1]:80", "a-b.c_d~e", "x:", "%41b"] {
            #expect(status("Host: \(valid)\r\n") == nil, "\(valid)")
        }
        for invalid in ["a b", "a/b", "[::1", "x:8a", "u@x", ":80", "[]", "%4", "x\"y"] {
            #expect(status("Host: \(invalid)\r\n") == 400, "\(invalid)")
        }
    }

    /// HTTP/1.1 keeps alive unless `close`; HTTP/1.0 closes unless `keep-alive`; tokens are a list, any case.
    @Test(arguments: [("HTTP/1.1", "", true), ("HTTP/1.1", "Connection: close\r\n", false),
                      ("HTTP/1.1", "Connection: Upgrade, CLOSE\r\n", false), ("HTTP/1.0", "", false),
                      ("HTTP/1.0", "Connection: keep-alive\r\n", true), ("HTTP/1.0", "Connection: x, Keep-Alive\r\n", true),
                      ("HTTP/1.0", "Connection: keep-alive, close\r\n", false), ("HTTP/1.1", "Connection: closed\r\n", true)])
    func keepAlive(version: String, fields: String, expected: Bool) {
        let run = ParserRun("GET / \(version)\r\nHost: x\r\n" + fields + "\r\n")
        #expect(run.first?.keepAlive == expected)
    }
}
