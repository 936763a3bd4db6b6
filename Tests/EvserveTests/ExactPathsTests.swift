import Testing
@testable import Evserve

/// The route table's exact paths: every stored path is found with its value, and any other text,
/// however close, is not.
@Suite struct ExactPathsTests {
    static let routePaths = ["/", "/predict", "/predict_proba", "/healthz", "/readyz", "/metrics", "/docs",
                             "/openapi.json", "/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/reference/infer",
                             "/v2/repository/index", ""]

    /// Each path maps to its own value, through rebuilds as the table grows past its slots.
    @Test func findsEveryStoredPath() {
        var table = ExactPaths<Int>()
        for (index, path) in Self.routePaths.enumerated() {
            table[path] = index
            for (earlier, stored) in Self.routePaths[...index].enumerated() { #expect(table[stored] == earlier) }
        }
        #expect(table.values.count == Self.routePaths.count)
    }

    /// A path one byte off (changed, cut, extended, or a different case) is not found, and
    /// neither are random paths of every length up to 40.
    @Test func missesEveryOtherPath() {
        var table = ExactPaths<Int>()
        for (index, path) in Self.routePaths.enumerated() { table[path] = index }
        for path in Self.routePaths where !path.isEmpty {
            #expect(table[String(path.dropLast())] == nil || Self.routePaths.contains(String(path.dropLast())))
            #expect(table[path + "/"] == nil || Self.routePaths.contains(path + "/"))
            #expect(table[path.uppercased()] == nil || path.uppercased() == path)
            var bytes = Array(path.utf8)
            bytes[bytes.count - 1] ^= 0x01
            #expect(table[String(decoding: bytes, as: UTF8.self)] == nil)
        }
        var generator = SystemRandomNumberGenerator()
        for length in 0...40 {
            for _ in 0..<50 {
                let path = "/" + String((0..<length).map { _ in "abcdefghijklmnopqrstuvwxyz/_.".randomElement(using: &generator)! })
                #expect(table[path] == Self.routePaths.firstIndex(of: path))
            }
        }
    }

    /// Setting a stored path again replaces its value; setting nil removes it and keeps the rest.
    @Test func replacesAndRemoves() {
        var table = ExactPaths<String>()
        table["/predict"] = "a"
        table["/metrics"] = "b"
        table["/predict"] = "c"
        #expect(table["/predict"] == "c")
        table["/predict"] = nil
        #expect(table["/predict"] == nil)
        #expect(table["/metrics"] == "b")
        #expect(table.values == ["b"])
    }
}
