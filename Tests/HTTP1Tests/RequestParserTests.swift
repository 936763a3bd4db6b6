import HTTP1
import Testing
import TestSupport

/// The parser as a connection drives it: one request at a time, any split of the input, timers.
@Suite struct RequestParserTests {
    /// A mix of every shape the parser accepts, pipelined in one stream.
    static let pipelined = [
        "POST /predict?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        "\r\nGET /%70redict HTTP/1.1\r\nHost: x\r\n\r\n",
        post("Transfer-Encoding: chunked\r\n\r\n") + "3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
        "GET http://x/healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ].joined()

    /// The Strings a keep-alive connection's previous request left behind are reused only when the
    /// bytes spell them exactly: a request that differs by one byte, in length, or in having no
    /// Content-Type at all gets its own values.
    @Test func repeatedStringsAreReusedOnlyWhenEqual() {
        let long = "application/json; charset=utf-8"
        let stream = [
            "POST /v2/models/reference/infer HTTP/1.1\r\nHost: x\r\nContent-Type: \(long)\r\nContent-Length: 0\r\n\r\n",
            "POST /v2/models/reference/infer HTTP/1.1\r\nHost: x\r\nContent-Type: \(long)\r\nContent-Length: 0\r\n\r\n",
            "POST /v2/models/reference/infeR HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=utf-9\r\nContent-Length: 0\r\n\r\n",
            "POST /v2/models/reference/infer/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "POST /v2/models/reference/infer?%41 HTTP/1.1\r\nHost: x\r\nContent-Type: \(long)\r\nContent-Length: 0\r\n\r\n",
        ].joined()
        let run = ParserRun(Array(stream.utf8))
        #expect(run.requests.map(\.target) == ["/v2/models/reference/infer", "/v2/models/reference/infer", "/v2/models/reference/infeR",
                                              "/v2/models/reference/infer/x", "/v2/models/reference/infer?%41"])
        #expect(run.requests.map(\.path) == ["/v2/models/reference/infer", "/v2/models/reference/infer", "/v2/models/reference/infeR",
                                            "/v2/models/reference/infer/x", "/v2/models/reference/infer"])
        #expect(run.requests.map(\.contentType) == [long, long, "application/json; charset=utf-9", nil, long])
    }

    /// A complete request comes out with method, target, path, version, content type and body, and
    /// `consumed` stops at its end: the next request's bytes are left alone.
    @Test func parsesACompleteRequest() {
        let text = "POST /predict?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        let parser = RequestParser(maxHeadSize: 1024, maxBodySize: 100)
        let result = Array((text + "GET").utf8).withUnsafeBytes { parser.feed($0) }
        guard case .request(let request, let consumed) = result else { Issue.record("no request: \(result)"); return }
        #expect(request.method == .post)
        #expect(request.target == "/predict?x=1")
        #expect(request.path == "/predict")
        #expect(request.versionMajor == 1 && request.versionMinor == 1)
        #expect(request.contentType == "application/json")
        #expect(request.body == Array("{}".utf8))
        #expect(request.keepAlive)
        #expect(consumed == text.utf8.count)
    }

    /// Pipelined requests come out one at a time, each ending exactly where the next begins.
    @Test func pipelinedRequestsComeOutOneAtATime() {
        let run = ParserRun(Self.pipelined)
        #expect(run.failure == nil)
        #expect(run.requests.map(\.method) == ["POST", "GET", "POST", "GET", "HEAD"])
        #expect(run.requests.map(\.path) == ["/predict", "/predict", "/predict", "/healthz", "/"])
        #expect(run.requests[2].body == Array("abcde".utf8))
        #expect(run.requests.map(\.keepAlive) == [true, true, true, true, false])
        #expect(run.requests.last?.end == Self.pipelined.utf8.count)
        var boundary = 0
        for request in run.requests {
            let bytes = Array(Self.pipelined.utf8)[boundary..<request.end]
            #expect(ParserRun(Array(bytes)).requests.count == 1, "request ending at \(request.end) stands alone")
            boundary = request.end
        }
    }

    /// Fed byte by byte, or in random pieces, the same requests (and the same failure) come out.
    @Test func anySplitGivesTheSameResult() {
        let streams = [Self.pipelined, Self.pipelined + "GET / HTTP/1.1\r\nHost: x\r\n\rZ" + probe,
                       Self.pipelined + post("Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX"),
                       post("Content-Length: 3\r\n\r\nabc") + "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 400)]
        var random = SeededGenerator(seed: 9)
        for stream in streams {
            let bytes = Array(stream.utf8)
            let whole = ParserRun(bytes, maxHeadSize: 256)
            #expect(ParserRun(bytes, pieces: Array(repeating: 1, count: bytes.count), maxHeadSize: 256) == whole)
            for _ in 0..<200 {
                let pieces = (0..<20).map { _ in Int.random(in: 1...40, using: &random) }
                #expect(ParserRun(bytes, pieces: pieces, maxHeadSize: 256) == whole)
            }
        }
    }

    /// After a failure nothing more comes out, whatever is fed.
    @Test func failureIsFinal() {
        let parser = RequestParser(maxHeadSize: 1024, maxBodySize: 100)
        let first = Array("GET / HTTP/1.1\r\nX : y\r\n\r\n".utf8).withUnsafeBytes { parser.feed($0) }
        let second = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { parser.feed($0) }
        guard case .failure(let a) = first, case .failure(let b) = second else { Issue.record("\(first) \(second)"); return }
        #expect(a.status == 400 && a == b && a.closesConnection)
        #expect(a.detail.contains("colon"))
    }

    /// The first byte of a request starts its timer (even across reads); its end stops it.
    @Test func requestTimerFollowsTheMessage() {
        let parser = RequestParser(maxHeadSize: 1024, maxBodySize: 100)
        parser.now = 42
        guard case .needMoreInput = Array("GET / HT".utf8).withUnsafeBytes({ parser.feed($0) }) else { Issue.record("more"); return }
        #expect(parser.inMessage)
        #expect(parser.messageStartedAt == 42)
        parser.now = 43
        guard case .request = Array("TP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes({ parser.feed($0) }) else { Issue.record("request"); return }
        #expect(!parser.inMessage)
        #expect(parser.messageStartedAt == 42)
    }

    /// Each smuggling case of issue 9 is a 400, and the request sent after it never comes out.
    @Test(arguments: [
        post("Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n") + probe,
        post("Content-Length : 35\r\n\r\n") + probe,
        "GET / HTTP/1.1\r\nHost: x\r\n\rZ" + probe,
        "GET / HTTP/1.1\r\nHost: x\r\n\r\r\n",
        post("Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\rZ") + probe,
        post("Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n") + probe,
        post("Transfer-Encoding: chunked\r\n\r\n2;\nxx\r\n28\r\n0\r\n\r\n") + probe + "\r\n0\r\n\r\n",
        "POST /predict HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + probe,
    ])
    func smugglingCasesAre400(stream: String) {
        let run = ParserRun(stream)
        #expect(run.statuses == 400)
        #expect(run.requests.isEmpty)
    }
}
