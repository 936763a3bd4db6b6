import Testing
@testable import JSON

/// `ShortestDecimal` gives the digits Swift's own shortest printing gives (`ShortestDigits`, which
/// `description` prints), for every Double it covers ([1e-4, 1e16)): random ones, and the cases where
/// a mistake would hide, built on purpose.
@Suite struct ShortestDecimalTests {
    /// Swift's digits and point position (value = 0.digits × 10^point).
    static func swift(_ value: Double) -> String {
        let digits = ShortestDigits(value)
        var bytes: [UInt8] = []
        digits.append(0..<digits.count, to: &bytes)
        return String(decoding: bytes, as: UTF8.self) + " point \(digits.pointPosition)"
    }

    static func ours(_ value: Double) -> String {
        let decimal = ShortestDecimal(value)
        let digits = String(decimal.digits)
        return digits + " point \(digits.count + decimal.exponent)"
    }

    static func check(_ value: Double) {
        guard value >= 1e-4 && value < 1e16 else { return }
        #expect(ours(value) == swift(value), "\(value) (bits \(String(value.bitPattern, radix: 16)))")
    }

    static let binaryExponents = Int((1e-4).exponentBitPattern)...Int((1e16).exponentBitPattern)

    /// Random significands under every binary exponent of the range.
    @Test func randomDoubles() {
        var generator = SeededGenerator(seed: 17)
        for _ in 0..<300_000 {
            let exponent = UInt(Int.random(in: Self.binaryExponents, using: &generator))
            Self.check(Double(sign: .plus, exponentBitPattern: exponent,
                              significandBitPattern: generator.next() & ((1 << 52) - 1)))
        }
    }

    /// Near the top of the range a Double's neighbours are a quarter, a half, one or two apart, so
    /// two shortest decimals can be equally near (v = n + 0.25 has n.2 and n.3): the tie goes the way
    /// Swift's goes. Every significand parity, under each of those exponents.
    @Test func tiesNearTheTop() {
        var generator = SeededGenerator(seed: 5)
        for exponent in 1070...1076 {
            for _ in 0..<20_000 {
                Self.check(Double(sign: .plus, exponentBitPattern: UInt(exponent),
                                  significandBitPattern: generator.next() & ((1 << 52) - 1)))
            }
        }
    }

    /// Powers of two (whose lower neighbour is half as far as the upper), powers of ten (where the
    /// digit count changes), and their neighbours.
    @Test func boundaries() {
        for exponent in Self.binaryExponents {
            let power = Double(sign: .plus, exponentBitPattern: UInt(exponent), significandBitPattern: 0)
            for value in [power, power.nextUp, power.nextDown, power.nextUp.nextUp] { Self.check(value) }
        }
        for k in -4...16 {
            let power = Double("1e\(k)")!
            for value in [power, power.nextUp, power.nextDown, power.nextDown.nextDown] { Self.check(value) }
        }
    }

    /// Short decimals (few digits, written as a person or a model would) come back as written.
    @Test func shortDecimals() {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<50_000 {
            let digits = Int.random(in: 1...99_999, using: &generator)
            let scale = Int.random(in: -8...10, using: &generator)
            let value = Double("\(digits)e\(scale)")!
            Self.check(value)
        }
        for integer in 1...20_000 { Self.check(Double(integer)) }
        #expect(PythonFloat.repr(26.405904333707795) == "26.405904333707795")
        #expect(PythonFloat.repr(0.1 + 0.2) == "0.30000000000000004")
        #expect(PythonFloat.repr(-1234567890123456.0) == "-1234567890123456.0")
        #expect(PythonFloat.repr(0.0001) == "0.0001")
        #expect(PythonFloat.repr(45.0) == "45.0")
        #expect(PythonFloat.repr(9007199254740993.0) == "9007199254740992.0")
    }
}
