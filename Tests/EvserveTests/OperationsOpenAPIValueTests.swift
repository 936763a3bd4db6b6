import Testing
@testable import Evserve

@Suite("OpenAPI JSON writer")
struct OperationsOpenAPIValueTests {
    /// Objects keep their key order and nothing is padded with whitespace.
    @Test func writesCompactOrderedJSON() {
        let value = OpenAPIValue.object([
            ("b", .integer(-2)), ("a", .array([.bool(true), .bool(false), .string("x")])), ("c", .object([])),
        ])
        #expect(String(decoding: value.bytes, as: UTF8.self) == #"{"b":-2,"a":[true,false,"x"],"c":{}}"#)
    }

    /// Numbers are the shortest text that reads back to the same Double, as JSON allows them.
    @Test func writesShortestRoundTripNumbers() {
        let value = OpenAPIValue.array([.number(0.00632), .number(18), .number(1e-5), .number(396.9), .number(-0.5)])
        #expect(String(decoding: value.bytes, as: UTF8.self) == "[0.00632,18.0,1e-05,396.9,-0.5]")
    }

    /// Quotes, backslashes and control characters are escaped (RFC 8259 section 7); other text is UTF-8.
    @Test func escapesStrings() {
        let value = OpenAPIValue.string("a\"b\\c\nd\te\u{01}é")
        #expect(value.bytes == Array(#""a\"b\\c\nd\te\u0001é""#.utf8))
    }

    /// Looking up a key finds an object's member and is nil for anything else.
    @Test func subscriptFindsMembers() {
        let value = OpenAPIValue.object([("k", .integer(1))])
        #expect(value["k"] == .integer(1))
        #expect(value["missing"] == nil)
        #expect(OpenAPIValue.integer(1)["k"] == nil)
    }
}
