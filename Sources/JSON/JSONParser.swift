/// A recursive-descent JSON parser that accepts exactly what Python's `json.loads` accepts
/// (CPython's C scanner, default `strict=True`) and fails where and how it fails: the same message
/// and the same character position, so FastAPI's `json_invalid` errors can be reproduced.
///
/// Python's extras are accepted: `NaN`, `Infinity` and `-Infinity`. Whitespace is only
/// space, tab, LF and CR.
struct JSONParser {
    /// Deeper documents are refused, as `.undecodable` (FastAPI's 400). Python gives up near 950
    /// levels, depending on its own stack; this parser recurses, and a debug build spends up to
    /// ~5 KiB of stack per level, so 64 levels stay within a 512 KiB Dispatch thread stack with
    /// room to spare. /predict bodies need 3 levels, model files 4.
    static let maxDepth = 64

    let text: [UInt8]
    private var depth = 0

    private init(text: [UInt8]) {
        self.text = text
    }

    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(text: try JSONText.utf8(from: bytes))
        return try parser.document()
    }

    private mutating func document() throws(JSONSyntaxError) -> JSONValue {
        var index = skipWhitespace(from: 0)
        let value = try scanValue(at: &index)
        index = skipWhitespace(from: index)
        if index != text.count { throw syntaxError("Extra data", at: index) }
        return value
    }

    // MARK: Errors

    /// A syntax error at byte offset `byteOffset`, reported at Python's character offset.
    func syntaxError(_ message: String, at byteOffset: Int) -> JSONSyntaxError {
        let position = JSONText.characterOffset(text, byteOffset: byteOffset)
        var line = 1
        var lastNewline = -1
        var characters = 0
        for i in 0..<min(byteOffset, text.count) where text[i] & 0xC0 != 0x80 {
            if text[i] == UInt8(ascii: "\n") {
                line += 1
                lastNewline = characters
            }
            characters += 1
        }
        return JSONSyntaxError(message: message, position: position, line: line, column: position - lastNewline)
    }

    // MARK: Values

    @inline(__always)
    private func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private func skipWhitespace(from start: Int) -> Int {
        var index = start
        while index < text.count, isWhitespace(text[index]) { index += 1 }
        return index
    }

    private func hasLiteral(_ literal: StaticString, at index: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= text.count else { return false }
        return literal.withUTF8Buffer { expected in
            for k in 0..<count where text[index + k] != expected[k] { return false }
            return true
        }
    }

    /// Python's `scan_once`: one value starting exactly at `index` (no whitespace skipped).
    /// A position where no value starts is Python's StopIteration, reported as "Expecting value".
    private mutating func scanValue(at index: inout Int) throws(JSONSyntaxError) -> JSONValue {
        guard index < text.count else { throw syntaxError("Expecting value", at: index) }
        switch text[index] {
        case UInt8(ascii: "\""):
            return .string(try scanString(at: &index))
        case UInt8(ascii: "{"):
            return try nested(at: &index, object: true)
        case UInt8(ascii: "["):
            return try nested(at: &index, object: false)
        case UInt8(ascii: "n") where hasLiteral("null", at: index):
            index += 4
            return .null
        case UInt8(ascii: "t") where hasLiteral("true", at: index):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f") where hasLiteral("false", at: index):
            index += 5
            return .bool(false)
        case UInt8(ascii: "N") where hasLiteral("NaN", at: index):
            index += 3
            return .number(.float(.nan))
        case UInt8(ascii: "I") where hasLiteral("Infinity", at: index):
            index += 8
            return .number(.float(.infinity))
        case UInt8(ascii: "-") where hasLiteral("-Infinity", at: index):
            index += 9
            return .number(.float(-.infinity))
        default:
            guard let number = try scanNumber(at: &index) else { throw syntaxError("Expecting value", at: index) }
            return .number(number)
        }
    }

    private mutating func nested(at index: inout Int, object: Bool) throws(JSONSyntaxError) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth {
            throw JSONSyntaxError(kind: .undecodable, message: "maximum nesting depth exceeded", position: 0)
        }
        return object ? try scanObject(at: &index) : try scanArray(at: &index)
    }

    /// `index` is at `[`.
    private mutating func scanArray(at index: inout Int) throws(JSONSyntaxError) -> JSONValue {
        var elements: [JSONValue] = []
        index = skipWhitespace(from: index + 1)
        if index < text.count, text[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try scanValue(at: &index))
            index = skipWhitespace(from: index)
            if index < text.count, text[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            guard index < text.count, text[index] == UInt8(ascii: ",") else {
                throw syntaxError("Expecting ',' delimiter", at: index)
            }
            index = skipWhitespace(from: index + 1)
        }
    }

    /// `index` is at `{`.
    private mutating func scanObject(at index: inout Int) throws(JSONSyntaxError) -> JSONValue {
        var object = JSONObject()
        index = skipWhitespace(from: index + 1)
        if index < text.count, text[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            guard index < text.count, text[index] == UInt8(ascii: "\"") else {
                throw syntaxError("Expecting property name enclosed in double quotes", at: index)
            }
            let key = try scanString(at: &index)
            index = skipWhitespace(from: index)
            guard index < text.count, text[index] == UInt8(ascii: ":") else {
                throw syntaxError("Expecting ':' delimiter", at: index)
            }
            index = skipWhitespace(from: index + 1)
            object[key] = try scanValue(at: &index)
            index = skipWhitespace(from: index)
            if index < text.count, text[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            guard index < text.count, text[index] == UInt8(ascii: ",") else {
                throw syntaxError("Expecting ',' delimiter", at: index)
            }
            index = skipWhitespace(from: index + 1)
        }
    }

    // MARK: Numbers

    @inline(__always)
    private func isDigit(_ index: Int) -> Bool {
        index < text.count && text[index] >= UInt8(ascii: "0") && text[index] <= UInt8(ascii: "9")
    }

    /// Python's number pattern `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, longest match;
    /// nil (and `index` unchanged) when no number starts here.
    private func scanNumber(at index: inout Int) throws(JSONSyntaxError) -> JSONNumber? {
        let start = index
        var i = index
        if i < text.count, text[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return nil }
        if text[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(i) { i += 1 }
        }
        let integerEnd = i
        var isFloat = false
        if i < text.count, text[i] == UInt8(ascii: "."), isDigit(i + 1) {
            isFloat = true
            i += 2
            while isDigit(i) { i += 1 }
        }
        if i < text.count, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            var e = i + 1
            if e < text.count, text[e] == UInt8(ascii: "-") || text[e] == UInt8(ascii: "+") { e += 1 }
            if isDigit(e) {
                while isDigit(e) { e += 1 }
                isFloat = true
                i = e
            }
        }
        index = i
        if isFloat {
            return .float(text.withUnsafeBufferPointer { DecimalText.double($0, from: start, to: i) })
        }
        return try integer(from: start, to: integerEnd)
    }

    /// Python's limit on converting long digit strings to `int` (`sys.int_info.default_max_str_digits`).
    static let maxIntegerDigits = 4300

    private func integer(from start: Int, to end: Int) throws(JSONSyntaxError) -> JSONNumber {
        let negative = text[start] == UInt8(ascii: "-")
        let digitCount = end - start - (negative ? 1 : 0)
        if digitCount <= 18 {
            var value: Int64 = 0
            for i in (negative ? start + 1 : start)..<end { value = value * 10 + Int64(text[i] &- 48) }
            return .integer(negative ? -value : value)
        }
        if digitCount > Self.maxIntegerDigits {
            throw JSONSyntaxError(
                kind: .undecodable,
                message: "Exceeds the limit (\(Self.maxIntegerDigits) digits) for integer string conversion",
                position: 0)
        }
        let literal = String(decoding: text[start..<end], as: UTF8.self)
        if let value = Int64(literal) { return .integer(value) }
        return .bigInteger(literal)
    }
}
