import Testing
@testable import Validation

/// The fast reader and the general path agree: on random well-formed bodies both accept with
/// bit-identical values; on random damaged bodies the fast reader never accepts what the general
/// path rejects, and whatever it accepts, the general path accepts with the same values.
@Suite struct FastPathPropertyTests {
    static let featureCount = 13
    static let reader = PredictBodyReader(featureCount: featureCount)

    static func digits(_ count: Int, using g: inout SeededGenerator) -> String {
        String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &g))) })
    }

    /// A JSON number in one of many spellings: small and huge integers, `-0`, long mantissas,
    /// exponents far outside Double's range (which overflow to infinity or underflow to zero;
    /// those are rarer, so that most bodies stay valid).
    static func number(using g: inout SeededGenerator) -> String {
        let sign = Bool.random(using: &g) ? "-" : ""
        let lead = String(Int.random(in: 1...9, using: &g))
        switch Int.random(in: 0..<100, using: &g) {
        case 0..<15: return sign + String(Int.random(in: 0...1000, using: &g))
        case 15..<20: return sign + "0"
        case 20..<30: return sign + lead + digits(Int.random(in: 10...30, using: &g), using: &g)
        case 30..<45: return sign + "0." + digits(Int.random(in: 1...25, using: &g), using: &g)
        case 45..<65:
            let exponent = Int.random(in: -30...30, using: &g)
            return sign + lead + "." + digits(Int.random(in: 1...18, using: &g), using: &g)
                + (Bool.random(using: &g) ? "e" : "E") + (exponent >= 0 && Bool.random(using: &g) ? "+" : "") + String(exponent)
        case 65..<85: return sign + String(Double.random(in: 0...1000, using: &g))
        case 85..<95: return sign + String(Int.random(in: 1...99, using: &g)) + "e" + String(Int.random(in: -30...30, using: &g))
        case 95..<98: return sign + lead + "." + digits(5, using: &g) + "e" + String(Int.random(in: -400...400, using: &g))
        default: return sign + lead + digits(Int.random(in: 300...320, using: &g), using: &g)
        }
    }

    static func whitespace(using g: inout SeededGenerator) -> String {
        String((0..<Int.random(in: 0...2, using: &g)).map { _ in [" ", "\n", "\t", "\r"].randomElement(using: &g)! })
    }

    static func wellFormedBody(using g: inout SeededGenerator) -> [UInt8] {
        var text = whitespace(using: &g) + "{" + whitespace(using: &g) + #""X""# + whitespace(using: &g) + ":" + whitespace(using: &g) + "["
        for row in 0..<Int.random(in: 1...4, using: &g) {
            if row > 0 { text += whitespace(using: &g) + "," }
            text += whitespace(using: &g) + "["
            for column in 0..<featureCount {
                if column > 0 { text += whitespace(using: &g) + "," }
                text += whitespace(using: &g) + number(using: &g)
            }
            text += whitespace(using: &g) + "]"
        }
        text += whitespace(using: &g) + "]" + whitespace(using: &g) + "}" + whitespace(using: &g)
        return Array(text.utf8)
    }

    static func damaged(_ body: [UInt8], using g: inout SeededGenerator) -> [UInt8] {
        var bytes = body
        let alphabet = Array(#"{}[],:"X x01-+.eE \#n"#.utf8) + [0xC3, 0xA9]
        for _ in 0..<Int.random(in: 1...3, using: &g) where !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &g)
            switch Int.random(in: 0..<3, using: &g) {
            case 0: bytes.remove(at: position)
            case 1: bytes.insert(alphabet.randomElement(using: &g)!, at: position)
            default: bytes[position] = alphabet.randomElement(using: &g)!
            }
        }
        return bytes
    }

    static func bits(_ result: Result<FeatureMatrix, ValidationFailure>) -> [UInt64]? {
        guard case .success(let matrix) = result else { return nil }
        return matrix.values.map(\.bitPattern)
    }

    /// Well-formed bodies: the fast reader accepts exactly those the general path accepts
    /// (it only declines numbers that overflow, which the general path rejects too), with the same bits.
    @Test func wellFormedBodiesAgree() {
        var g = SeededGenerator(seed: 2026)
        var accepted = 0
        for _ in 0..<3000 {
            let body = Self.wellFormedBody(using: &g)
            let fast = Self.reader.readFast(body)
            let general = Self.reader.readGeneral(body)
            #expect((fast != nil) == (Self.bits(general) != nil), "\(String(decoding: body, as: UTF8.self))")
            if let fast {
                accepted += 1
                #expect(fast.values.map(\.bitPattern) == Self.bits(general), "\(String(decoding: body, as: UTF8.self))")
            }
        }
        #expect(accepted > 1000)
    }

    /// Numbers at the fast reader's edges, each against Swift's own correctly rounded parse: 18 to 21
    /// digits split every way between integer and fraction (19 is the most its mantissa holds,
    /// leading zeros counted), fractions whose eight-digit steps stop part way, and leading zeros.
    @Test func numbersAtTheDigitLimitsAreCorrectlyRounded() {
        var g = SeededGenerator(seed: 19)
        var texts: [String] = []
        for total in 17...21 {
            for integerDigits in 1...total {
                let fraction = total - integerDigits
                let lead = String(Int.random(in: 1...9, using: &g))
                texts.append(lead + Self.digits(integerDigits - 1, using: &g) + (fraction > 0 ? "." + Self.digits(fraction, using: &g) : ""))
                texts.append("9" + String(repeating: "9", count: integerDigits - 1) + (fraction > 0 ? "." + String(repeating: "9", count: fraction) : ""))
            }
        }
        for zeros in 0...22 {
            texts.append("0." + String(repeating: "0", count: zeros) + Self.digits(Int.random(in: 1...19, using: &g), using: &g))
            texts.append("-0." + String(repeating: "0", count: zeros) + "1e-3")
        }
        for text in texts {
            let body = Array(("{\"X\": [[" + Array(repeating: text, count: Self.featureCount).joined(separator: ", ") + "]]}").utf8)
            let fast = Self.reader.readFast(body)
            #expect(fast?.values.first?.bitPattern == Double(text)?.bitPattern, "\(text)")
        }
    }

    /// Damaged bodies: whatever the fast reader accepts, the general path accepts with the same
    /// values, and the reader's answer is always the general path's answer.
    @Test func damagedBodiesNeverDisagree() {
        var g = SeededGenerator(seed: 7)
        var rejected = 0
        for _ in 0..<3000 {
            let body = Self.damaged(Self.wellFormedBody(using: &g), using: &g)
            let general = Self.reader.readGeneral(body)
            if let fast = Self.reader.readFast(body) {
                #expect(fast.values.map(\.bitPattern) == Self.bits(general), "\(String(decoding: body, as: UTF8.self))")
            }
            if case .failure = general { rejected += 1 }
            #expect(Self.reader.read(body, contentType: "application/json") == general)
        }
        #expect(rejected > 1000)
    }

    /// The reader's reservation is commas + 1, counted eight bytes at a time and then one by one:
    /// right for every length and every place of the commas (and for bytes that differ from a
    /// comma only in one bit).
    @Test func valueCapacityCountsEveryComma() {
        var g = SeededGenerator(seed: 7)
        for length in 0..<80 {
            for _ in 0..<50 {
                let body = (0..<length).map { _ in [UInt8(ascii: ","), 0x2D, 0xAC, 0x0C, 0x2E, UInt8.random(in: 0...255, using: &g)].randomElement(using: &g)! }
                #expect(FastBodyReader.expectedValueCount(body) == body.count { $0 == UInt8(ascii: ",") } + 1, "\(body)")
            }
        }
    }

    /// Past 64 KiB a body reserves at most one number per 8 bytes, however many commas it holds; a
    /// valid body larger than its reservation is still read whole (its array grows).
    @Test func largeBodiesReserveBoundedRoom() {
        let commas = [UInt8](repeating: UInt8(ascii: ","), count: 1 << 20)
        #expect(FastBodyReader.expectedValueCount(commas) == commas.count / 8)
        let row = "[" + Array(repeating: "0", count: Self.featureCount).joined(separator: ",") + "]"
        let body = Array(("{\"X\": [" + Array(repeating: row, count: 5000).joined(separator: ",") + "]}").utf8)
        #expect(body.count > 64 * 1024 && FastBodyReader.expectedValueCount(body) < 5000 * Self.featureCount)
        let matrix = Self.reader.readFast(body)
        #expect(matrix?.rowCount == 5000)
        #expect(matrix?.values.count == 5000 * Self.featureCount)
    }
}
