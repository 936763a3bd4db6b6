import Testing
import JSON

/// The parser reads documents as Python's `json.loads` does.
@Suite struct JSONParserTests {
    /// An object keeps its keys in the order they were written.
    @Test func objectKeepsKeyOrder() throws {
        let value = try JSONValue.parse(#"{"b": 1, "a": 2, "c": 3}"#)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
    }

    /// A repeated key keeps its last value at the position of its first appearance, like a Python dict.
    @Test func duplicateKeyLastWinsInFirstPosition() throws {
        let value = try JSONValue.parse(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == .number(.integer(3)))
    }

    /// Large objects (which index their keys) keep the same order and last-wins rule.
    @Test func largeObjectsKeepDictSemantics() throws {
        let pairs = (0..<40).map { "\"k\($0 % 25)\": \($0)" }.joined(separator: ", ")
        let object = try #require(try JSONValue.parse("{" + pairs + "}").objectValue)
        #expect(object.keys == (0..<25).map { "k\($0)" })
        #expect(object["k3"] == .number(.integer(28)))
        #expect(object["k24"] == .number(.integer(24)))
        #expect(object["k25"] == nil)
    }

    /// A number written without fraction or exponent is an integer; with one it is a float.
    @Test func integersAndFloatsStayDistinct() throws {
        #expect(try JSONValue.parse("1") == .number(.integer(1)))
        #expect(try JSONValue.parse("1.0") == .number(.float(1.0)))
        #expect(try JSONValue.parse("1e0") == .number(.float(1.0)))
        #expect(try JSONValue.parse("-0") == .number(.integer(0)))
        #expect(try JSONValue.parse("-0.0").doubleValue?.sign == .minus)
    }

    /// Integers beyond 64 bits keep their exact digits and still convert to the nearest Double.
    @Test func bigIntegersKeepTheirDigits() throws {
        let value = try JSONValue.parse("123456789012345678901234567890")
        #expect(value == .number(.bigInteger("123456789012345678901234567890")))
        #expect(value.doubleValue == 1.2345678901234568e29)
    }

    /// Python's extras NaN, Infinity and -Infinity are numbers; 1e999 overflows to infinity.
    @Test func pythonConstantsAreAccepted() throws {
        #expect(try JSONValue.parse("NaN").doubleValue?.isNaN == true)
        #expect(try JSONValue.parse("Infinity").doubleValue == .infinity)
        #expect(try JSONValue.parse("-Infinity").doubleValue == -.infinity)
        #expect(try JSONValue.parse("1e999").doubleValue == .infinity)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("nan") }
    }

    /// Decimal text converts to the nearest Double, ties to even.
    @Test func numbersAreCorrectlyRounded() throws {
        #expect(try JSONValue.parse("0.1").doubleValue == 0.1)
        // 2^53 + 1 lies halfway between two Doubles: ties go to the even one, 2^53.
        #expect(try JSONValue.parse("9007199254740993").doubleValue == 9007199254740992)
        #expect(try JSONValue.parse("9007199254740993.0").doubleValue == 9007199254740992)
        #expect(try JSONValue.parse("2.4703282292062328e-324").doubleValue == Double.leastNonzeroMagnitude)
        #expect(try JSONValue.parse("2.4703282292062327e-324").doubleValue == 0)
    }

    /// Escapes decode, and a surrogate pair written as two escapes is one character.
    @Test func stringEscapesDecode() throws {
        #expect(try JSONValue.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{c}\n\r\t"))
        #expect(try JSONValue.parse(#""\u00e9\ud83d\ude00""#) == .string("é😀"))
    }

    /// Error positions count characters, not bytes: "é" is one character but two UTF-8 bytes.
    @Test func errorPositionCountsCharacters() {
        #expect(throws: JSONSyntaxError(message: "Expecting ',' delimiter", position: 5, line: 1, column: 6)) {
            try JSONValue.parse(#"["é" 1]"#)
        }
    }

    /// Line and column follow Python's `JSONDecodeError` (1-based, column counted from the last newline).
    @Test func errorReportsLineAndColumn() throws {
        do {
            _ = try JSONValue.parse("[1,\n  x]")
            Issue.record("parsed invalid JSON")
        } catch {
            #expect(error.description == "Expecting value: line 2 column 3 (char 6)")
        }
    }

    /// Bytes that are not text, and integers longer than Python's 4300-digit limit, are not syntax errors.
    @Test func undecodableInputIsItsOwnKind() {
        for body: [UInt8] in [[0xFF], Array(repeating: UInt8(ascii: "1"), count: 4301)] {
            do {
                _ = try JSONValue.parse(body)
                Issue.record("parsed undecodable input")
            } catch {
                #expect(error.kind == .undecodable)
            }
        }
    }

    /// Accessors reach into arrays and objects and give nil on the wrong type.
    @Test func accessorsNavigate() throws {
        let value = try JSONValue.parse(#"{"trees": [[1, 2.5], "x"], "n": 3, "ok": true, "none": null}"#)
        #expect(value["trees"]?[0]?.doubleArray == [1, 2.5])
        #expect(value["trees"]?[0]?.intArray == nil)
        #expect(try JSONValue.parse("[1, -2, 3]").intArray == [1, -2, 3])
        #expect(value["trees"]?[1]?.stringValue == "x")
        #expect(value["n"]?.intValue == 3)
        #expect(value["ok"]?.boolValue == true)
        #expect(value["none"]?.isNull == true)
        #expect(value["trees"]?[2] == nil)
        #expect(value["n"]?.stringValue == nil)
    }
}
