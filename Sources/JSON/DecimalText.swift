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
    /// A number read from text: its value, and whether it was written as an integer (no fraction and
    /// no exponent), which Python reads as an `int`.
    public struct Number {
        public var value: Double
        public var isInteger: Bool

        @inlinable
        public init(value: Double, isInteger: Bool) {
            self.value = value
            self.isInteger = isInteger
        }
    }

    /// Reads the JSON number at `text[i...]` (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`),
    /// correctly rounded, and moves `i` past it. Nil, with `i` unmoved, where the text there is no
    /// JSON number or is not followed by `,`, `]`, JSON whitespace or the end (so `1.` and `01` are
    /// refused, and a body reader leaves them to the general parser, which reports them).
    ///
    /// One pass, with little set up per number: the integer part byte by byte (it is short in
    /// practice: feature values), the fraction eight digits a step where it is long (a float's 17
    /// digits). Up to 19 digits, leading zeros included, fit the mantissa (10^19 - 1 < 2^64), so
    /// their count says it is exact; past that, the leading zeros are counted out (they added
    /// nothing to it). The body readers call this for every number: a digit-by-digit exactness
    /// check, and eight-digit attempts in the integer part too, measured slower (`ValidationBench`
    /// 433 -> 407 ns for the Boston 2x13 body, 683 -> 656 ns for the 17-digit one).
    @inlinable @inline(__always)
    public static func number(_ text: UnsafeBufferPointer<UInt8>, at i: inout Int) -> Number? {
        let start = i
        let end = text.count
        var k = i
        let negative = k < end && text[k] == UInt8(ascii: "-")
        if negative { k &+= 1 }
        guard k < end else { return nil }
        var digit = text[k] &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        var mantissa = UInt64(digit)
        /// Takes the run of digits at `k` into the mantissa, one at a time.
        @inline(__always) func takeDigits() {
            while k < end {
                let digit = text[k] &- UInt8(ascii: "0")
                guard digit < 10 else { return }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                k &+= 1
            }
        }
        let integerStart = k
        k &+= 1
        // A leading 0 stands alone (a digit after it is refused below, where the number must end).
        if digit != 0 { takeDigits() }
        var digitCount = k &- integerStart
        var exponent = 0
        var isInteger = true
        if k < end, text[k] == UInt8(ascii: ".") {
            isInteger = false
            k &+= 1
            let fractionStart = k
            // Eight digits a step while they fit the mantissa (below 10^11 before, so below 10^19
            // after: no digit is lost), then one at a time.
            while end &- k >= 8, mantissa < 100_000_000_000 {
                // Eight bytes inside `text` (checked just above), read unaligned; the first is the lowest.
                let word = UInt64(littleEndian: UnsafeRawPointer(text.baseAddress! + k).loadUnaligned(as: UInt64.self))
                guard let value = eightDigits(word) else { break }
                mantissa = mantissa &* 100_000_000 &+ value
                k &+= 8
            }
            takeDigits()
            let fractionDigits = k &- fractionStart
            guard fractionDigits > 0 else { return nil }
            digitCount &+= fractionDigits
            exponent = -fractionDigits
        }
        var exact = digitCount <= 19 || significantDigits(text, from: integerStart, to: k) <= 19
        if k < end, text[k] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            k &+= 1
            var exponentNegative = false
            if k < end, text[k] == UInt8(ascii: "+") || text[k] == UInt8(ascii: "-") {
                exponentNegative = text[k] == UInt8(ascii: "-")
                k &+= 1
            }
            guard k < end, text[k] &- UInt8(ascii: "0") < 10 else { return nil }
            var written = 0
            while k < end {
                digit = text[k] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if written > 100_000 { exact = false } else { written = written &* 10 &+ Int(digit) }
                k &+= 1
            }
            exponent &+= exponentNegative ? -written : written
        }
        // What follows must end the number.
        if k < end {
            let c = text[k]
            guard c == UInt8(ascii: ",") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
            else { return nil }
        }
        i = k
        let value: Double
        if exact, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            // Clinger's fast path, which nearly every number takes, written here: as a call to a
            // function of its own it stayed a call in the body readers' modules, `@inline(__always)`
            // or not (callgrind: +700 instructions a /predict).
            let magnitude = exponent < 0 ? Double(mantissa) / exactPowerOfTen(-exponent)
                                         : Double(mantissa) * exactPowerOfTen(exponent)
            value = negative ? -magnitude : magnitude
        } else {
            value = (exact ? wideDouble(mantissa: mantissa, exponent: exponent, negative: negative) : nil)
                ?? slowPath(text, from: start, to: k)
        }
        return Number(value: value, isInteger: isInteger)
    }

    /// How many digits of the number's digits `text[start..<end]` (its integer part and fraction,
    /// with their '.') follow its leading zeros: the significant ones. Only for numbers of more
    /// than 19 digits, whose mantissa is exact when at most 19 of them are significant.
    @usableFromInline
    static func significantDigits(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        while i < end, text[i] == UInt8(ascii: "0") || text[i] == UInt8(ascii: ".") { i += 1 }
        var count = 0
        while i < end {
            if text[i] != UInt8(ascii: ".") { count += 1 }
            i += 1
        }
        return count
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
    /// JSON's number grammar (`-?digits(.digits)?([eE][+-]?digits)?`): `number(_:at:)` on the text
    /// cut at `end`, so that nothing follows the number.
    @inlinable
    public static func double(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Double {
        var i = start
        return number(UnsafeBufferPointer(rebasing: text[..<end]), at: &i)?.value ?? slowPath(text, from: start, to: end)
    }

    /// 10^`power` for `power` in 0...22, where every power is an exact Double: a switch the compiler
    /// makes a constant table, read with no lazy-initialization check. A `static let` array, even of
    /// literals, is read through one from the body readers' module: +390 instructions for the Boston
    /// 2x13 body (`ValidationBench count boston` under callgrind).
    @inlinable @inline(__always)
    static func exactPowerOfTen(_ power: Int) -> Double {
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

    /// The Double nearest to ±`mantissa` × 10^`exponent` (a mantissa of at most 19 digits) past
    /// Clinger's fast path: the 128-bit exact methods; nil where neither applies.
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
            // Long division in two steps, both scaled by the divisor's shift (which changes neither
            // quotient, and leaves the remainder zero or not): (m << s) / d, then (r : 0) / d.
            let power = integerPowersOfTen[-exponent]
            let shift = power.leadingZeroBitCount
            let (divisor, reciprocal) = (power << shift, powerOfTenReciprocals[-exponent - 1])
            let first = divide(high: mantissa >> (64 &- shift), low: mantissa << shift, by: divisor, reciprocal: reciprocal)
            let second = divide(high: first.remainder, low: 0, by: divisor, reciprocal: reciprocal)
            value = rounded(UInt128(first.quotient) << 64 | UInt128(second.quotient), scale: -64, sticky: second.remainder != 0)
        } else {
            return nil
        }
        return negative ? -value : value
    }

    /// 10^`power` for `power` in 0...19 (10^19 < 2^64). Literal arrays are laid out in the binary, and
    /// this module reads them with no lazy-initialization check (an array computed at first use had one,
    /// `swift_once`, on every call; a switch became a jump table, an indirect branch).
    @usableFromInline
    static let integerPowersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ]

    /// For 10^k, k in 1...19 (index k - 1), shifted left until its top bit is set: the reciprocal
    /// ⌊(2^128 - 1) / (10^k << shift)⌋ - 2^64, with which `divide` divides by multiplying (Möller and
    /// Granlund, "Improved division by invariant integers", 2011). The tests check them against 128-bit
    /// division.
    @usableFromInline
    static let powerOfTenReciprocals: [UInt64] = [
        0x9999_9999_9999_9999,
        0x47AE_147A_E147_AE14,
        0x0624_DD2F_1A9F_BE76,
        0xA36E_2EB1_C432_CA57,
        0x4F8B_588E_368F_0846,
        0x0C6F_7A0B_5ED8_D36B,
        0xAD7F_29AB_CAF4_8578,
        0x5798_EE23_08C3_9DF9,
        0x12E0_BE82_6D69_4B2E,
        0xB7CD_FD9D_7BDB_AB7D,
        0x5FD7_FE17_9649_55FD,
        0x1979_9812_DEA1_1197,
        0xC25C_2684_9768_1C26,
        0x6849_B86A_12B9_B01E,
        0x203A_F9EE_7561_59B2,
        0xCD2B_297D_889B_C2B6,
        0x70EF_5464_6D49_6892,
        0x2725_DD1D_243A_BA0E,
        0xD83C_94FB_6D2A_C34A,
    ]

    /// (`high` : `low`) divided by `divisor`, whose top bit is set, with `high` < `divisor`: the quotient
    /// and remainder, exactly, from two multiplications by `reciprocal` (`powerOfTenReciprocals`) and
    /// at most two corrections, instead of a 128-by-64-bit division (a library call in Swift).
    @usableFromInline @inline(__always)
    static func divide(high: UInt64, low: UInt64, by divisor: UInt64, reciprocal: UInt64) -> (quotient: UInt64, remainder: UInt64) {
        let product = reciprocal.multipliedFullWidth(by: high)
        let (sumLow, carry) = product.low.addingReportingOverflow(low)
        var quotient = product.high &+ high &+ (carry ? 2 : 1)
        var remainder = low &- quotient &* divisor
        // The estimate is at most one too large (then the remainder wrapped past the low word) ...
        if remainder > sumLow {
            quotient &-= 1
            remainder &+= divisor
        }
        // ... or, rarely, one too small.
        if remainder >= divisor {
            quotient &+= 1
            remainder &-= divisor
        }
        return (quotient, remainder)
    }

    /// `value * 2^scale` rounded to the nearest Double, ties to even; `sticky` says that nonzero
    /// bits were already dropped below `value` (so an exact half is really more than half).
    /// Only used where the result is a normal number.
    @usableFromInline
    static func rounded(_ value: UInt128, scale: Int, sticky: Bool) -> Double {
        let bitCount = 128 - value.leadingZeroBitCount
        if bitCount <= 53 {
            return Double(UInt64(truncatingIfNeeded: value)) * powerOfTwo(scale)
        }
        let shift = bitCount - 53
        var significand = UInt64(truncatingIfNeeded: value >> shift)
        let dropped = value & ((UInt128(1) << shift) - 1)
        let half = UInt128(1) << (shift - 1)
        if dropped > half || (dropped == half && (sticky || significand & 1 == 1)) {
            significand += 1  // may become 2^53, still exact as a Double
        }
        // An exact product: the significand fits 53 bits (or is 2^53), and the result is normal.
        return Double(significand) * powerOfTwo(shift + scale)
    }

    /// 2^`power` for a normal power (-1022...1023), from its bits: `Double(sign:exponent:significand:)`
    /// took about 30 % of `rounded`'s instructions (callgrind).
    @usableFromInline @inline(__always)
    static func powerOfTwo(_ power: Int) -> Double {
        Double(bitPattern: UInt64(truncatingIfNeeded: 1023 &+ power) << 52)
    }

    @usableFromInline
    static func slowPath(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Double {
        let literal = String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)
        // Double(String) only fails on text outside the grammar, which the caller has excluded.
        return Double(literal) ?? .nan
    }
}
