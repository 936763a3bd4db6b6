/// Correctly rounded conversion of a JSON number's text to a Double.
///
/// Three exact methods cover the usual numbers (at most 19 significant digits, forming m):
/// - Clinger's fast path: m <= 2^53 and |e| <= 22 make m and 10^|e| exact Doubles, so one IEEE
///   multiplication or division rounds once, correctly.
/// - e in 0...19: m * 10^e is computed exactly in 128 bits and rounded once.
/// - e in -19..<0 with m > 2^53 (Python's 17-digit reprs): m * 2^64 / 10^k is divided exactly in
///   128 bits, and the quotient (at least 54 bits) is rounded once with the remainder as sticky bit.
/// Everything else goes to the standard library's `Double(String)` (strtod in the C locale,
/// correctly rounded).
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
        return double(mantissa: mantissa, exponent: exponent, negative: negative) ?? slowPath(text, from: start, to: end)
    }

    /// The Double nearest to ±`mantissa` × 10^`exponent`, for a mantissa of at most 19 significant
    /// digits; nil where none of the exact methods applies (then convert the text itself). For
    /// readers that collect the digits as they check the grammar, so the text is read once.
    @inlinable
    public static func double(mantissa: UInt64, exponent: Int, negative: Bool) -> Double? {
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        let value: Double
        if mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            value = exponent < 0 ? Double(mantissa) / exactPowersOfTen[-exponent]
                                 : Double(mantissa) * exactPowersOfTen[exponent]
        } else if exponent >= 0, exponent <= 19 {
            // m * 10^e < 2^64 * 2^64: the exact product, rounded once.
            value = rounded(UInt128(mantissa) * UInt128(integerPowersOfTen[exponent]), scale: 0, sticky: false)
        } else if exponent < 0, exponent >= -19, mantissa > 1 << 53 {
            // m * 2^64 / 10^k, exact quotient and remainder: since m > 2^53 and 10^k < 2^64 the
            // quotient has at least 54 bits, enough to round correctly with the remainder as sticky bit.
            // Long division by a 64-bit divisor in two hardware steps: (m : 0) / d.
            let divisor = integerPowersOfTen[-exponent]
            let (high, carry) = mantissa.quotientAndRemainder(dividingBy: divisor)
            let (low, remainder) = divisor.dividingFullWidth((high: carry, low: 0))
            value = rounded(UInt128(high) << 64 | UInt128(low), scale: -64, sticky: remainder != 0)
        } else {
            return nil
        }
        return negative ? -value : value
    }

    @usableFromInline
    static let integerPowersOfTen: [UInt64] = (0...19).map { power in
        (0..<power).reduce(UInt64(1)) { value, _ in value * 10 }
    }

    /// `value * 2^scale` rounded to the nearest Double, ties to even; `sticky` says that nonzero
    /// bits were already dropped below `value` (so an exact half is really more than half).
    /// Only used where the result is a normal number.
    @usableFromInline
    static func rounded(_ value: UInt128, scale: Int, sticky: Bool) -> Double {
        let bitCount = 128 - value.leadingZeroBitCount
        if bitCount <= 53 {
            return Double(sign: .plus, exponent: scale, significand: Double(UInt64(truncatingIfNeeded: value)))
        }
        let shift = bitCount - 53
        var significand = UInt64(truncatingIfNeeded: value >> shift)
        let dropped = value & ((UInt128(1) << shift) - 1)
        let half = UInt128(1) << (shift - 1)
        if dropped > half || (dropped == half && (sticky || significand & 1 == 1)) {
            significand += 1  // may become 2^53, still exact as a Double
        }
        return Double(sign: .plus, exponent: shift + scale, significand: Double(significand))
    }

    @usableFromInline
    static func slowPath(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Double {
        let literal = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
        // Double(String) only fails on text outside the grammar, which the caller has excluded.
        return Double(literal) ?? .nan
    }
}
