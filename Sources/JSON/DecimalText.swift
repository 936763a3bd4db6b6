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
    /// The digits of a number as a reader meets them: at most 19 significant digits gathered into
    /// a mantissa, the power of ten they are scaled by, and whether that is still exact. The rules
    /// of `double(_:from:to:)` (JSON's parser): leading zeros are not significant, each fraction
    /// digit lowers the exponent, and a 20th significant digit or a written exponent past 100,000
    /// leaves the conversion to the text itself. The `/predict` and v2 body readers keep a leaner
    /// copy of these rules (`FastBodyReader.number`: leading zeros counted, exactness from the digit
    /// count), measured faster on their hot path; both end in the exact methods below.
    @frozen
    public struct Digits {
        /// The significant digits so far; with a nonzero digit seen, its decimal length is the count
        /// of significant digits, so "19 digits" is `mantissa >= 10^18`.
        public var mantissa: UInt64 = 0
        public var exponent = 0
        @usableFromInline var writtenExponent = 0
        /// False once a digit or the exponent is past what the exact methods take.
        public var exact = true

        @inlinable
        public init() {}

        @inlinable @inline(__always)
        public mutating func integerDigit(_ digit: UInt64) {
            // Leading zeros leave the mantissa 0 and so are not counted.
            if mantissa < 1_000_000_000_000_000_000 { mantissa = mantissa &* 10 &+ digit } else { exact = false }
        }

        @inlinable @inline(__always)
        public mutating func fractionDigit(_ digit: UInt64) {
            integerDigit(digit)
            exponent &-= 1
        }

        /// Takes the run of digits at `text[start...]` (the integer part, or the fraction's when
        /// `fraction`) and answers where it ends. Eight digits are read at once while they fit the
        /// mantissa (below 10^11 before them, so below 10^19 after: the same digits the one-by-one
        /// rule takes), then one at a time.
        @inlinable @inline(__always)
        public mutating func scan(_ text: UnsafeBufferPointer<UInt8>, from start: Int, fraction: Bool) -> Int {
            var i = start
            let end = text.count
            while end &- i >= 8, mantissa < 100_000_000_000 {
                // Eight bytes inside `text` (checked just above), read unaligned; the first is the lowest.
                let word = UInt64(littleEndian: UnsafeRawPointer(text.baseAddress! + i).loadUnaligned(as: UInt64.self))
                guard let value = DecimalText.eightDigits(word) else { break }
                mantissa = mantissa &* 100_000_000 &+ value
                if fraction { exponent &-= 8 }
                i &+= 8
            }
            while i < end {
                let digit = text[i] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if fraction { fractionDigit(UInt64(digit)) } else { integerDigit(UInt64(digit)) }
                i &+= 1
            }
            return i
        }

        /// One digit of the written exponent, most significant first.
        @inlinable @inline(__always)
        public mutating func exponentDigit(_ digit: Int) {
            if writtenExponent > 100_000 { exact = false } else { writtenExponent = writtenExponent &* 10 &+ digit }
        }

        /// The written exponent is complete; `negative` is its sign.
        @inlinable @inline(__always)
        public mutating func endExponent(negative: Bool) {
            exponent &+= negative ? -writtenExponent : writtenExponent
        }

        /// The Double nearest to ±mantissa × 10^exponent, or nil where the text must be converted.
        @inlinable
        public func double(negative: Bool) -> Double? {
            exact ? DecimalText.double(mantissa: mantissa, exponent: exponent, negative: negative) : nil
        }
    }

    /// The value of eight ASCII digits packed in `word` (the first digit in the lowest byte), or nil
    /// if any byte is not a digit. Pairs, then quadruples, then all eight are combined in place:
    /// no step carries across its lane (99, 9,999 and 99,999,999 fit 8, 16 and 32 bits).
    @inlinable @inline(__always)
    public static func eightDigits(_ word: UInt64) -> UInt64? {
        // Every byte 0x30...0x39: its high nibble is 3, and still 3 after adding 6.
        let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        let threes: UInt64 = 0x3030_3030_3030_3030
        guard word & highNibbles == threes, (word &+ 0x0606_0606_0606_0606) & highNibbles == threes else { return nil }
        let digits = word &- threes
        let pairs = (digits &* 10 &+ (digits >> 8)) & 0x00FF_00FF_00FF_00FF
        let quads = (pairs &* 100 &+ (pairs >> 16)) & 0x0000_FFFF_0000_FFFF
        return (quads &* 10_000 &+ (quads >> 32)) & 0xFFFF_FFFF
    }

    /// The Double nearest to the number written in `text[start..<end]`, which must already match
    /// JSON's number grammar (`-?digits(.digits)?([eE][+-]?digits)?`).
    @inlinable
    public static func double(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Double {
        var i = start
        let negative = text[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var digits = Digits()
        // The scans stop at `end`, whatever follows the number in `text`.
        let number = UnsafeBufferPointer(rebasing: text[..<end])
        i = digits.scan(number, from: i, fraction: false)
        if i < end, text[i] == UInt8(ascii: ".") {
            i = digits.scan(number, from: i + 1, fraction: true)
        }
        if i < end {
            i += 1  // e or E
            let exponentNegative = text[i] == UInt8(ascii: "-")
            if exponentNegative || text[i] == UInt8(ascii: "+") { i += 1 }
            while i < end {
                digits.exponentDigit(Int(text[i] &- UInt8(ascii: "0")))
                i += 1
            }
            digits.endExponent(negative: exponentNegative)
        }
        return digits.double(negative: negative) ?? slowPath(text, from: start, to: end)
    }

    /// The Double nearest to ±`mantissa` × 10^`exponent`, for a mantissa of at most 19 significant
    /// digits; nil where none of the exact methods applies (then convert the text itself). For
    /// readers that collect the digits as they check the grammar, so the text is read once.
    @inlinable @inline(__always)
    public static func double(mantissa: UInt64, exponent: Int, negative: Bool) -> Double? {
        // Clinger's fast path, the usual case, inline in the reader's loop; the rest out of line.
        if mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            let value = exponent < 0 ? Double(mantissa) / exactPowerOfTen(-exponent)
                                     : Double(mantissa) * exactPowerOfTen(exponent)
            return negative ? -value : value
        }
        return wideDouble(mantissa: mantissa, exponent: exponent, negative: negative)
    }

    /// 10^`power` for `power` in 0...22, where every power is an exact Double: a switch the compiler
    /// makes a constant table, read with no lazy-initialization check (a `static let` array has one).
    @inlinable @inline(__always)
    public static func exactPowerOfTen(_ power: Int) -> Double {
        switch power {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// `double(mantissa:exponent:negative:)` past Clinger's fast path: the 128-bit exact methods.
    @usableFromInline
    static func wideDouble(mantissa: UInt64, exponent: Int, negative: Bool) -> Double? {
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        let value: Double
        if exponent >= 0, exponent <= 19 {
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
