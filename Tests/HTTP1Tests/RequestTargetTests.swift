import HTTP1
import Testing

/// The request-target's forms (RFC 9112 §3.2) and the routing path.
@Suite struct RequestTargetTests {
    private func path(_ target: String, method: String = "GET") -> String? {
        ParserRun("\(method) \(target) HTTP/1.1\r\nHost: x\r\n\r\n").first?.path
    }

    private func status(_ target: String, method: String = "GET") -> Int? {
        ParserRun("\(method) \(target) HTTP/1.1\r\nHost: x\r\n\r\n").statuses
    }

    /// origin-form routes by its path without the query; the target is kept as sent.
    @Test func originForm() {
        let run = ParserRun("GET /predict?x=1&y=%20 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(run.first?.path == "/predict")
        #expect(run.first?.target == "/predict?x=1&y=%20")
    }

    /// absolute-form is accepted for every method, and routes by its path (§3.2.2).
    @Test(arguments: [("http://x/healthz", "/healthz"), ("HTTPS://example.com:8443/predict?a=b", "/predict"),
                      ("http://x", "/"), ("http://x?q", "/"), ("http://127.0.0.1:80/a/b", "/a/b"), ("http://[::1]:8000/r", "/r")])
    func absoluteForm(target: String, expected: String) {
        #expect(path(target) == expected)
        #expect(path(target, method: "POST") == expected)
    }

    /// absolute-form with another scheme, an empty host, userinfo or a bad authority is 400.
    @Test(arguments: ["ftp://x/a", "http:/x/a", "http:///a", "http://u@x/a", "http://:80/a", "http://x y/", "x/a", "healthz"])
    func badAbsoluteForms(target: String) {
        #expect(status(target) == 400)
    }

    /// asterisk-form is for OPTIONS only; authority-form (CONNECT's) and fragments are 400.
    @Test func asteriskAuthorityAndFragment() {
        #expect(path("*", method: "OPTIONS") == "*")
        #expect(status("*") == 400)
        #expect(status("example.com:443") == 400)
        #expect(status("example.com:443", method: "CONNECT") == 501)
        #expect(status("/a#frag") == 400)
    }

    /// The path is percent-decoded before routing, except %2F, so an encoded slash never splits a segment.
    @Test(arguments: [("/%70redict", "/predict"), ("/pre%2Fdict", "/pre%2Fdict"), ("/pre%2fdict", "/pre%2fdict"),
                      ("/a%20b?x=%zz", "/a b"), ("/%25", "/%"), ("/caf%C3%A9", "/café")])
    func percentDecoding(target: String, expected: String) {
        #expect(path(target) == expected)
    }

    /// A % without two hex digits, or an encoded NUL, is 400.
    @Test(arguments: ["/a%", "/a%2", "/a%zz", "/%00", "/a%0g"])
    func badPercentEncoding(target: String) {
        #expect(status(target) == 400)
    }
}
