import Testing
@testable import JSON

/// The one JSON writer: Python's `json.dumps(..., ensure_ascii=False, separators=(",", ":"))`.
@Suite struct JSONWriterTests {
    private func text(_ value: JSONValue) -> String { String(decoding: JSONWriter.bytes(value), as: UTF8.self) }

    /// Objects written from literals keep their key order, and nothing is padded with whitespace.
    @Test func writesCompactOrderedJSON() {
        let value: JSONValue = ["b": -2, "a": [true, false, "x", .null], "c": [:]]
        #expect(text(value) == #"{"b":-2,"a":[true,false,"x",null],"c":{}}"#)
    }

    /// Floats are Python's repr (a whole float keeps `.0`); integers have no fraction.
    @Test func writesNumbersAsPython() {
        let value: JSONValue = [.float(0.00632), .float(18), .float(1e-5), .float(396.9), .float(-0.5), .integer(7)]
        #expect(text(value) == "[0.00632,18.0,1e-05,396.9,-0.5,7]")
    }

    /// Quotes, backslashes and control characters are escaped as Python escapes them; other text is UTF-8.
    @Test func escapesStrings() {
        #expect(JSONWriter.string("a\"b\\c\nd\te\u{01}é") == Array(#""a\"b\\c\nd\te\u0001é""#.utf8))
    }

    /// What the writer writes, the parser reads back to the same value.
    @Test func roundTripsThroughTheParser() throws {
        let value: JSONValue = ["k": ["é", .float(1.5), .integer(-3), ["nested": true]]]
        #expect(try JSONValue.parse(JSONWriter.bytes(value)) == value)
    }
}
