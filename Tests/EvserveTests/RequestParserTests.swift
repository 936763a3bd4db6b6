import Testing
@testable import Evserve

/// The http_parser bridge, fed bytes directly.
@Suite struct RequestParserTests {
    private func feed(_ text: String, parser: RequestParser) -> ParseResult {
        Array(text.utf8).withUnsafeBytes { parser.feed($0) }
    }

    /// A complete request comes out with method, target, version, content type and body.
    @Test func parsesACompleteRequest() throws {
        let parser = RequestParser(maxBodySize: 100)
        let text = "POST /predict?x=1 HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        let result = feed(text + "GET", parser: parser)
        guard case .request(let request, let consumed) = result else { Issue.record("no request: \(result)"); return }
        #expect(request.method == .post)
        #expect(request.target == "/predict?x=1")
        #expect(request.path == "/predict")
        #expect(request.contentType == "application/json")
        #expect(request.body == Array("{}".utf8))
        #expect(request.keepAlive)
        #expect(consumed == text.utf8.count)  // the next request's bytes are left alone
    }

    /// Two pipelined requests in one buffer come out one at a time; `consumed` marks the boundary.
    @Test func stopsAfterEachRequest() {
        let parser = RequestParser(maxBodySize: 100)
        let first = "GET /a HTTP/1.1\r\n\r\n"
        guard case .request(let a, let consumed) = feed(first + "GET /b HTTP/1.1\r\n\r\n", parser: parser) else {
            Issue.record("first request missing"); return
        }
        #expect(a.target == "/a")
        #expect(consumed == first.utf8.count)
        guard case .request(let b, _) = feed("GET /b HTTP/1.1\r\n\r\n", parser: parser) else {
            Issue.record("second request missing"); return
        }
        #expect(b.target == "/b")
    }

    /// A request split across reads needs more input, then completes; the head's first byte starts
    /// the request timer.
    @Test func acceptsInputInPieces() {
        let parser = RequestParser(maxBodySize: 100)
        parser.now = 42
        guard case .needMoreInput = feed("GET / HT", parser: parser) else { Issue.record("expected more input"); return }
        #expect(parser.inMessage)
        #expect(parser.messageStartedAt == 42)
        guard case .request = feed("TP/1.1\r\n\r\n", parser: parser) else { Issue.record("expected a request"); return }
        #expect(!parser.inMessage)
    }

    /// `Expect: 100-continue` asks for an interim response exactly once.
    @Test func expectContinueIsReportedOnce() {
        let parser = RequestParser(maxBodySize: 100)
        guard case .needMoreInput(let first) = feed("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", parser: parser),
              case .needMoreInput(let second) = feed("a", parser: parser) else { Issue.record("unexpected"); return }
        #expect(first)
        #expect(!second)
    }

    /// Limits and malformed input become the matching HTTP errors.
    @Test(arguments: [
        ("BROKEN\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
    ])
    func errorsMapToStatuses(input: String, status: Int) {
        let parser = RequestParser(maxBodySize: 100)
        guard case .failure(let error) = feed(input, parser: parser) else { Issue.record("no failure for \(input)"); return }
        #expect(error.status == status)
        #expect(error.closesConnection)
    }

    /// HTTP/1.0 without keep-alive, and `Connection: close`, end the connection.
    @Test func keepAliveFollowsTheProtocolVersion() {
        for (text, expected) in [("GET / HTTP/1.0\r\n\r\n", false), ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
                                 ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false), ("GET / HTTP/1.1\r\n\r\n", true)] {
            let parser = RequestParser(maxBodySize: 10)
            guard case .request(let request, _) = feed(text, parser: parser) else { Issue.record("no request"); continue }
            #expect(request.keepAlive == expected, "\(text)")
        }
    }
}
