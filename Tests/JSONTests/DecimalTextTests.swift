import Testing
@testable import JSON

/// Number text converts exactly as the standard library's correctly rounded `Double(String)` does.
@Suite struct DecimalTextTests {
    static func convert(_ text: String) -> Double {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { DecimalText.double($0, from: 0, to: bytes.count) }
    }

    /// Random literals, short (Clinger's exact fast path) and long (strtod), give identical bits.
    @Test func agreesWithStandardLibraryOnRandomLiterals() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var text = Bool.random(using: &generator) ? "-" : ""
            let integerDigits = Int.random(in: 1...20, using: &generator)
            text += String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<integerDigits { text += String(Int.random(in: 0...9, using: &generator)) }
            if Bool.random(using: &generator) {
                text += "."
                for _ in 0..<Int.random(in: 1...20, using: &generator) { text += String(Int.random(in: 0...9, using: &generator)) }
            }
            if Bool.random(using: &generator) {
                text += "e" + String(Int.random(in: -340...330, using: &generator))
            }
            let expected = Double(text)!
            #expect(Self.convert(text).bitPattern == expected.bitPattern, "\(text)")
        }
    }

    /// The shortest text of random Doubles (15-17 digits, where the 128-bit paths do the work)
    /// reads back to the same bits.
    @Test func shortestTextRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = value.description
            #expect(Self.convert(text).bitPattern == value.bitPattern, "\(text)")
            let scaled = Double.random(in: -1000...1000, using: &generator)
            #expect(Self.convert(scaled.description).bitPattern == scaled.bitPattern, "\(scaled)")
        }
    }

    /// More than 19 digits, of which at most 19 follow the leading zeros (`0.000…` with a float's 17
    /// digits), and more than 19 significant ones, all give the standard library's bits.
    @Test func leadingZerosAreNotSignificant() {
        var generator = SystemRandomNumberGenerator()
        for zeros in 0...12 {
            for significant in 15...22 {
                for _ in 0..<50 {
                    var text = "0." + String(repeating: "0", count: zeros) + String(Int.random(in: 1...9, using: &generator))
                    for _ in 1..<significant { text += String(Int.random(in: 0...9, using: &generator)) }
                    #expect(Self.convert(text).bitPattern == Double(text)!.bitPattern, "\(text)")
                }
            }
        }
    }

    /// `number(_:at:)` reads JSON's grammar up to a delimiter (`,` `]` whitespace, or the end) and
    /// moves past the number; anything else is refused with the position unmoved.
    @Test func numbersEndAtADelimiter() {
        func read(_ text: String) -> (value: Double, isInteger: Bool, end: Int)? {
            let bytes = Array(text.utf8)
            var i = 0
            guard let number = bytes.withUnsafeBufferPointer({ DecimalText.number($0, at: &i) }) else {
                #expect(i == 0, "\(text)")
                return nil
            }
            return (number.value, number.isInteger, i)
        }
        #expect(read("12,")! == (12, true, 2))
        #expect(read("-0.5]")! == (-0.5, false, 4))
        #expect(read("1e2 ")! == (100, false, 3))
        #expect(read("7")! == (7, true, 1))
        #expect(read("-0")!.value.sign == .minus && read("-0")!.isInteger)
        for refused in ["01", "1.", "-", "1e", "1e+", ".5", "+1", "1x", "1.5}", "0x1", "--1", "1.e5"] {
            #expect(read(refused) == nil, "\(refused)")
        }
    }

    /// Zero keeps its sign, and exponents past the Double range give zero or infinity.
    @Test func edgeCases() {
        #expect(Self.convert("-0.0").bitPattern == (-0.0 as Double).bitPattern)
        #expect(Self.convert("0e999") == 0)
        #expect(Self.convert("1e999") == .infinity)
        #expect(Self.convert("-1e999") == -.infinity)
        #expect(Self.convert("1e-999") == 0)
        #expect(Self.convert("1e100000000000") == .infinity)
        #expect(Self.convert("123456789.123456789e-5") == 1234.56789123456789)
    }

    /// Eight digits read at once equal the same digits read one by one, for every digit in every
    /// position; a word with any byte that is not a digit (each of the 246 others, in each position)
    /// is refused.
    @Test func eightDigitsAtOnce() {
        var generator = SystemRandomNumberGenerator()
        func word(_ bytes: [UInt8]) -> UInt64 {
            bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) }
        }
        for _ in 0..<10_000 {
            let text = (0..<8).map { _ in UInt8.random(in: 0x30...0x39, using: &generator) }
            let expected = text.reduce(UInt64(0)) { $0 * 10 + UInt64($1 - 0x30) }
            #expect(DecimalText.eightDigits(word(text)) == expected, "\(text)")
        }
        let digits = Array("12345678".utf8)
        for position in 0..<8 {
            for byte in UInt8.min...UInt8.max where !(0x30...0x39).contains(byte) {
                var text = digits
                text[position] = byte
                #expect(DecimalText.eightDigits(word(text)) == nil, "byte \(byte) at \(position)")
            }
        }
    }

    /// Each power of ten, shifted until its top bit is set, has the reciprocal
    /// ⌊(2^128 - 1) / divisor⌋ - 2^64; division with it gives the quotient and remainder of 128-bit
    /// division, for random dividends and for those next to multiples of the divisor.
    @Test func divisionByPowersOfTen() {
        var generator = SystemRandomNumberGenerator()
        var power: UInt128 = 1
        for k in 1...19 {
            power *= 10
            #expect(DecimalText.integerPowersOfTen[k] == UInt64(power))
            let shift = DecimalText.integerPowersOfTen[k].leadingZeroBitCount
            let divisor = (normalized: DecimalText.integerPowersOfTen[k] << shift, reciprocal: DecimalText.powerOfTenReciprocals[k - 1])
            #expect(UInt128(divisor.normalized) == power << shift && divisor.normalized >> 63 == 1, "10^\(k)")
            #expect(UInt128(divisor.reciprocal) == UInt128.max / UInt128(divisor.normalized) - (UInt128(1) << 64), "10^\(k)")
            let d = UInt128(divisor.normalized)
            for _ in 0..<2_000 {
                let high = UInt64.random(in: 0..<divisor.normalized, using: &generator)
                var dividend = UInt128(high) << 64 | UInt128(UInt64.random(in: 0...UInt64.max, using: &generator))
                if Bool.random(using: &generator) {  // near a multiple of the divisor
                    let near = dividend / d * d
                    let offset = UInt128(Int.random(in: 0...2, using: &generator))
                    dividend = Bool.random(using: &generator) && near >= offset ? near - offset : near + offset
                    if dividend >> 64 >= d { continue }
                }
                let result = DecimalText.divide(high: UInt64(dividend >> 64), low: UInt64(truncatingIfNeeded: dividend),
                                                by: divisor.normalized, reciprocal: divisor.reciprocal)
                #expect(UInt128(result.quotient) == dividend / d && UInt128(result.remainder) == dividend % d, "\(dividend) / 10^\(k)")
            }
        }
    }

    /// Python's 17-digit reprs whose mantissa passes 2^53 (the division path), with every exponent
    /// from -1 to -19, convert to the standard library's bits.
    @Test func seventeenToNineteenDigitsDivided() {
        var generator = SystemRandomNumberGenerator()
        for digits in 16...19 {
            for fraction in 1...min(19, digits) {
                for _ in 0..<300 {
                    var text = String(Int.random(in: 1...9, using: &generator))
                    for _ in 1..<digits { text += String(Int.random(in: 0...9, using: &generator)) }
                    let whole = text.prefix(digits - fraction)
                    text = (whole.isEmpty ? "0" : String(whole)) + "." + text.suffix(fraction)
                    #expect(Self.convert(text).bitPattern == Double(text)!.bitPattern, "\(text)")
                }
            }
        }
    }

    /// Leading zeros are not significant, however many; digits past the 19th still count in the
    /// value (the text then converts), at every alignment of the eight-at-once reads.
    @Test func longRunsOfDigits() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let zeros = String(repeating: "0", count: Int.random(in: 0...30, using: &generator))
            let digitCount = Int.random(in: 1...40, using: &generator)
            let digits = String((0..<digitCount).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            for text in ["0.\(zeros)\(digits)", "\(digits).\(zeros)\(digits)", "-0.\(zeros)\(digits)e-7", "\(digits)e3"] {
                guard let expected = Double(text), Double(text)!.isFinite else { continue }
                #expect(Self.convert(text).bitPattern == expected.bitPattern, "\(text)")
            }
        }
    }
}
