import JSON

/// pydantic 2's lax-mode `float` validator (with `allow_inf_nan=False`) for the Python values
/// `json.loads` produces, which is how FastAPI validates a JSON body.
///
/// - float: accepted if finite, else `finite_number`.
/// - int: converted with round-half-even (Python's `float(int)`); one too large for a Double is
///   `float_type` (pydantic catches Python's OverflowError).
/// - bool: 1.0 or 0.0 (lax mode accepts it).
/// - str: see `parse(_:)`; unparsable text is `float_parsing`, NaN or infinite text `finite_number`.
/// - null, list, object: `float_type`.
enum LaxFloat {
    enum Outcome: Equatable {
        case value(Double)
        case floatType
        case floatParsing
        case finiteNumber
    }

    static func validate(_ value: JSONValue) -> Outcome {
        switch value {
        case .number(.float(let double)):
            return double.isFinite ? .value(double) : .finiteNumber
        case .number(let integer):
            let double = integer.doubleValue
            return double.isFinite ? .value(double) : .floatType
        case .bool(let flag):
            return .value(flag ? 1 : 0)
        case .string(let text):
            guard let double = parse(text) else { return .floatParsing }
            return double.isFinite ? .value(double) : .finiteNumber
        case .null, .array, .object:
            return .floatType
        }
    }

    /// pydantic-core parses a string with Rust's `f64::from_str` after trimming Unicode
    /// whitespace; if that fails and the untrimmed text has underscores only between other
    /// characters (none leading or trailing, never two in a row), it tries again with the
    /// underscores removed (and without trimming).
    static func parse(_ text: String) -> Double? {
        let scalars = Array(text.unicodeScalars)
        var start = 0
        var end = scalars.count
        while start < end, isRustWhitespace(scalars[start]) { start += 1 }
        while end > start, isRustWhitespace(scalars[end - 1]) { end -= 1 }
        if let value = parseRustFloat(scalars[start..<end]) { return value }
        guard scalars.contains("_"), scalars.first != "_", scalars.last != "_" else { return nil }
        for k in 1..<scalars.count where scalars[k] == "_" && scalars[k - 1] == "_" { return nil }
        return parseRustFloat(scalars.filter { $0 != "_" }[...])
    }

    /// Rust's `char::is_whitespace`: the Unicode White_Space property.
    static func isRustWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Rust's `f64` grammar: an optional sign, then `inf`, `infinity` or `nan` in any case, or
    /// digits with an optional `.` (at least one digit on either side) and an optional exponent
    /// `e`/`E`, optional sign, digits. Correctly rounded, like Rust.
    static func parseRustFloat(_ scalars: ArraySlice<Unicode.Scalar>) -> Double? {
        var i = scalars.startIndex
        let end = scalars.endIndex
        guard i < end else { return nil }
        var negative = false
        if scalars[i] == "+" || scalars[i] == "-" {
            negative = scalars[i] == "-"
            i += 1
        }
        let word = String(String.UnicodeScalarView(scalars[i..<end])).lowercased()
        if word == "inf" || word == "infinity" { return negative ? -.infinity : .infinity }
        if word == "nan" { return .nan }
        var literal: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        var integerDigits = 0
        var fractionDigits = 0
        func isDigit(_ k: Int) -> Bool { k < end && scalars[k].value >= 0x30 && scalars[k].value <= 0x39 }
        while isDigit(i) { literal.append(UInt8(scalars[i].value)); integerDigits += 1; i += 1 }
        if integerDigits == 0 { literal.append(UInt8(ascii: "0")) }
        if i < end, scalars[i] == "." {
            i += 1
            var fraction: [UInt8] = []
            while isDigit(i) { fraction.append(UInt8(scalars[i].value)); fractionDigits += 1; i += 1 }
            if !fraction.isEmpty { literal.append(UInt8(ascii: ".")); literal.append(contentsOf: fraction) }
        }
        guard integerDigits + fractionDigits > 0 else { return nil }
        if i < end, scalars[i] == "e" || scalars[i] == "E" {
            i += 1
            var exponent: [UInt8] = [UInt8(ascii: "e")]
            if i < end, scalars[i] == "+" || scalars[i] == "-" { exponent.append(UInt8(scalars[i].value)); i += 1 }
            guard isDigit(i) else { return nil }
            while isDigit(i) { exponent.append(UInt8(scalars[i].value)); i += 1 }
            literal.append(contentsOf: exponent)
        }
        guard i == end else { return nil }
        // `literal` now matches JSON's number grammar except for leading zeros, which the
        // conversion does not mind.
        return literal.withUnsafeBufferPointer { DecimalText.double($0, from: 0, to: literal.count) }
    }
}
