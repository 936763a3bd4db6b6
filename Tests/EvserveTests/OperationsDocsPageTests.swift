import Testing
@testable import Evserve

@Suite("/docs page")
struct OperationsDocsPageTests {
    let page = String(decoding: DocsPage.html, as: UTF8.self)

    /// The page names no other host: no absolute or protocol-relative URL, no CSS import or url().
    @Test func namesNoExternalURL() {
        for needle in ["http:", "https:", "\"//", "'//", "=//", "@import", "url(", "<link", "src="] {
            #expect(!page.contains(needle), "page contains \(needle)")
        }
    }

    /// Its Content-Security-Policy lets the browser talk to this server only.
    @Test func policyAllowsOnlyItsOwnServer() throws {
        let start = try #require(page.firstRange(of: #"http-equiv="Content-Security-Policy" content=""#))
        let policy = page[start.upperBound...].prefix { $0 != "\"" }
        #expect(policy.contains("default-src 'none'"))
        #expect(policy.contains("connect-src 'self'"))
        #expect(!policy.contains("*"))
    }

    /// It reads the API from openapi.json, relative to itself, so it works behind a path prefix too.
    @Test func readsTheOpenAPIDocument() {
        #expect(page.contains(#"fetch("openapi.json")"#))
    }

    /// The hooks the browser test relies on are there.
    @Test func carriesTheBrowserTestHooks() {
        for hook in [#"data-state="loading""#, #""try-" + id"#, #""body-" + id"#, #""status-" + id"#, #""response-" + id"#, "data-status"] {
            #expect(page.contains(hook), "missing \(hook)")
        }
    }

    /// The bytes served are the page text in UTF-8, a complete HTML document.
    @Test func isACompleteDocument() {
        #expect(DocsPage.html.starts(with: Array("<!doctype html>".utf8)))
        #expect(page.hasSuffix("</html>"))
        #expect(String(validating: DocsPage.html, as: UTF8.self) != nil)
    }
}
