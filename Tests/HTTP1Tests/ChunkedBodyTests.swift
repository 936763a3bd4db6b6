import HTTP1
import Testing

/// The chunked transfer coding (RFC 9112 §7.1).
@Suite struct ChunkedBodyTests {
    private func run(_ body: String, maxBodySize: Int = 1 << 20) -> ParserRun {
        ParserRun(post("Transfer-Encoding: chunked\r\n\r\n") + body + probe, maxBodySize: maxBodySize)
    }

    /// Chunks are joined into the body, and the next request starts right after the last chunk's CRLF.
    @Test func decodesAndStopsAtTheEnd() {
        let result = run("5\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n0\r\n\r\n")
        #expect(result.first?.body == Array("hello world0123456789".utf8))
        #expect(result.requests.map(\.path) == ["/predict", "/smuggled"])
    }

    /// Well-formed extensions (tokens, quoted strings, BWS around ; and =) and trailers are accepted and dropped.
    @Test(arguments: ["5;a\r\nhello\r\n0\r\n\r\n", "5 ; a = b ;c=\"q \\\" x\"\r\nhello\r\n0;last\r\n\r\n",
                      "5\r\nhello\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n", "05\r\nhello\r\n00\r\n\r\n"])
    func acceptedShapes(body: String) {
        #expect(run(body).first?.body == Array("hello".utf8))
    }

    /// Any deviation in the size line, extensions, data terminator or trailers is 400.
    @Test(arguments: [
        "5\r\nhelloXX0\r\n\r\n", "5\r\nhello\n0\r\n\r\n", "5\r\nhello\r0\r\n\r\n", "5\r\nhello\r\n0\r\n\rZ",
        "2;\nxx\r\n28\r\n0\r\n\r\n", "5\nhello\r\n0\r\n\r\n", "5\r\r\nhello\r\n0\r\n\r\n", "x\r\nhello\r\n0\r\n\r\n",
        "\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n", "5 \r\nhello\r\n0\r\n\r\n",
        "5;\r\nhello\r\n0\r\n\r\n", "5;a=\r\nhello\r\n0\r\n\r\n", "5;a=\"x\r\nhello\r\n0\r\n\r\n", "5;a b\r\nhello\r\n0\r\n\r\n",
        "5;a\u{1}\r\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n0\r\nX : 1\r\n\r\n", "5\r\nhello\r\n0\r\n folded\r\n\r\n",
        "5\r\nhello\r\n0\r\nNoColon\r\n\r\n", "5\r\nhello\r\n0\r\n\n", "00000000000000005\r\nhello\r\n0\r\n\r\n",
        "8000000000000000\r\n", "FFFFFFFFFFFFFFFFF\r\n",
    ])
    func malformedIs400(body: String) {
        let result = run(body)
        #expect(result.statuses == 400)
        #expect(result.requests.isEmpty)
    }

    /// A chunk whose size would take the body over --max-body-size is 413 before its data arrives.
    @Test func sizeOverTheLimitIs413() {
        #expect(run("7FFFFFFFFFFFFFFF\r\n").statuses == 413)
        #expect(run("8\r\n12345678\r\n8\r\n", maxBodySize: 10).statuses == 413)
        #expect(run("5\r\n12345\r\n5\r\n12345\r\n0\r\n\r\n", maxBodySize: 10).first?.body.count == 10)
    }

    /// Extensions are bounded per chunk (4 KiB); trailers by the head limit.
    @Test func extensionsAndTrailersAreBounded() {
        #expect(run("5;a=" + String(repeating: "b", count: 5000) + "\r\nhello\r\n0\r\n\r\n").statuses == 400)
        let trailers = ParserRun(post("Transfer-Encoding: chunked\r\n\r\n") + "0\r\nX: " + String(repeating: "t", count: 300) + "\r\n\r\n",
                                 maxHeadSize: 256)
        #expect(trailers.statuses == 431)
    }
}
