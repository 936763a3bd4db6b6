/// Correctly rounded conversion of a JSON number's text to a Double.
///
/// Exact cases use Clinger's fast path: when the significant digits form an integer m < 2^53 and
/// the decimal exponent e has |e| <= 22, both m and 10^|e| are exact Doubles, so one IEEE
/// multiplication or division rounds once and the result is correctly rounded. Every other case
/// goes to the standard library's `Double(String)` (strtod in the C locale, correctly rounded).
public enum DecimalText {
    /// Powers of ten that are exact Doubles.
    @usableFromInline
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The Double nearest to the number written in `text[start..<end]`, which must already match
    /// JSON's number grammar (`-?digits(.digits)?([eE][+-]?digits)?`).
    @inlinable
    public static func double(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Double {
        var i = start
        let negative = text[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        // Integer part.
        while i < end, text[i] &- UInt8(ascii: "0") < 10 {
            let digit = UInt64(text[i] &- UInt8(ascii: "0"))
            if mantissa != 0 || digit != 0 {
                if significantDigits >= 19 { return slowPath(text, from: start, to: end) }
                mantissa = mantissa &* 10 &+ digit
                significantDigits += 1
            }
            i += 1
        }
        // Fraction.
        if i < end, text[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, text[i] &- UInt8(ascii: "0") < 10 {
                let digit = UInt64(text[i] &- UInt8(ascii: "0"))
                if mantissa != 0 || digit != 0 {
                    if significantDigits >= 19 { return slowPath(text, from: start, to: end) }
                    mantissa = mantissa &* 10 &+ digit
                    significantDigits += 1
                }
                exponent -= 1
                i += 1
            }
        }
        // Exponent.
        if i < end {
            i += 1  // e or E
            var exponentNegative = false
            if text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            while i < end {
                if written > 100_000 { return slowPath(text, from: start, to: end) }
                written = written * 10 + Int(text[i] &- UInt8(ascii: "0"))
                i += 1
            }
            exponent += exponentNegative ? -written : written
        }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else {
            return slowPath(text, from: start, to: end)
        }
        var value = Double(mantissa)
        if exponent < 0 {
            value /= exactPowersOfTen[-exponent]
        } else {
            value *= exactPowersOfTen[exponent]
        }
        return negative ? -value : value
    }

    @usableFromInline
    static func slowPath(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Double {
        let literal = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
        // Double(String) only fails on text outside the grammar, which the caller has excluded.
        return Double(literal) ?? .nan
    }
}
