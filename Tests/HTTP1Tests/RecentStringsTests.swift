@testable import HTTP1
import Testing

/// A connection's parser reuses the Strings of its previous request when the bytes repeat them, and
/// keeps the new one when they do not.
@Suite struct RecentStringsTests {
    /// Where a String's bytes live: the same storage means the same String, not a copy.
    static func storage(_ text: String) -> UnsafePointer<UInt8>? {
        text.utf8.withContiguousStorageIfAvailable { $0.baseAddress } ?? nil
    }

    static func read(_ recent: RecentStrings, _ text: String, _ field: (RecentStrings, UnsafeRawBufferPointer) -> String) -> String {
        Array(text.utf8).withUnsafeBytes { field(recent, $0) }
    }

    /// The same bytes twice give the first String back (its storage, not a new allocation); other
    /// bytes, even of the same length, give a new String, which the next read compares with.
    @Test func repeatsReuseAndChangesReplace() {
        let recent = RecentStrings()
        let long = "application/json; charset=utf-8"  // over 15 bytes: a String of its own storage
        let first = Self.read(recent, long) { $0.contentType($1) }
        let second = Self.read(recent, long) { $0.contentType($1) }
        #expect(first == long && second == long)
        #expect(Self.storage(first) == Self.storage(second))

        let other = "application/json; charset=UTF-8"
        let third = Self.read(recent, other) { $0.contentType($1) }
        #expect(third == other)
        #expect(recent.contentType == other)
        let fourth = Self.read(recent, other) { $0.contentType($1) }
        #expect(Self.storage(fourth) == Self.storage(third))
    }

    /// Target, path and Content-Type are kept apart: reading one never answers another's String.
    @Test func fieldsAreKeptApart() {
        let recent = RecentStrings()
        #expect(Self.read(recent, "/v2/models/reference/infer") { $0.target($1) } == "/v2/models/reference/infer")
        #expect(Self.read(recent, "/v2/models/reference/ready") { $0.path($1) } == "/v2/models/reference/ready")
        #expect(Self.read(recent, "application/x-ndjson") { $0.contentType($1) } == "application/x-ndjson")
        #expect(recent.target == "/v2/models/reference/infer")
        #expect(recent.path == "/v2/models/reference/ready")
        #expect(recent.contentType == "application/x-ndjson")
    }

    /// `application/json` is answered with a literal and not kept: the Content-Type kept for others stays.
    @Test func jsonIsALiteral() {
        let recent = RecentStrings()
        #expect(Self.read(recent, "text/csv; header=present") { $0.contentType($1) } == "text/csv; header=present")
        #expect(Self.read(recent, "application/json") { $0.contentType($1) } == "application/json")
        #expect(recent.contentType == "text/csv; header=present")
        #expect(Self.read(recent, "application/jsoN") { $0.contentType($1) } == "application/jsoN")
        #expect(recent.contentType == "application/jsoN")
    }

    /// Through the parser: a second request on the connection carries the first one's Content-Type
    /// String, and a request with another Content-Type its own.
    @Test func theParserReusesAcrossRequests() throws {
        let parser = RequestParser(maxHeadSize: 8192, maxBodySize: 1 << 20)
        func request(_ contentType: String) throws -> HTTPRequest {
            let bytes = Array("POST /v2/models/reference/infer HTTP/1.1\r\nHost: x\r\nContent-Type: \(contentType)\r\nContent-Length: 0\r\n\r\n".utf8)
            guard case .request(let request, _) = bytes.withUnsafeBytes({ parser.feed($0) }) else {
                Issue.record("no request parsed")
                throw FramingError.malformed("test")
            }
            return request
        }
        let a = try request("application/json; charset=utf-8")
        let b = try request("application/json; charset=utf-8")
        let c = try request("text/plain; charset=utf-8")
        #expect(a.contentType == b.contentType && c.contentType == "text/plain; charset=utf-8")
        #expect(Self.storage(a.contentType!) == Self.storage(b.contentType!))
        #expect(Self.storage(a.target) == Self.storage(b.target))
        #expect(Self.storage(b.contentType!) != Self.storage(c.contentType!))
    }
}
