import Testing
@testable import Validation

/// Floats are written exactly as Python's repr() writes them (fixture: float_reprs.tsv,
/// written by tests/differential/make_validation_cases.py).
@Suite struct PythonFloatTests {
    static let reprs: [(Double, String)] = {
        guard let text = try? readFile(repositoryRoot() + "/tests/differential/float_reprs.tsv") else { return [] }
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: "\t")
            return (Double(bitPattern: UInt64(f[0], radix: 16)!), String(f[1]))
        }
    }()

    /// Every recorded double, random bit patterns included, gets Python's repr.
    @Test func matchesPythonRepr() {
        #expect(Self.reprs.count > 4000)
        for (value, expected) in Self.reprs {
            #expect(PythonFloat.repr(value) == expected, "bits \(String(value.bitPattern, radix: 16))")
        }
    }

    /// The 200 body is {"y":[...]} with the same reprs, comma-separated, no spaces.
    @Test func predictResponseUsesPythonRepr() {
        let sample = Array(Self.reprs.prefix(20))
        let expected = #"{"y":["# + sample.map(\.1).joined(separator: ",") + "]}"
        #expect(String(decoding: PredictResponse.encode(sample.map(\.0)), as: UTF8.self) == expected)
        #expect(String(decoding: PredictResponse.encode([]), as: UTF8.self) == #"{"y":[]}"#)
    }

    /// The text reads back to the same Double (repr's promise), for random finite values.
    @Test func roundTrips() {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<10_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            #expect(Double(PythonFloat.repr(value))?.bitPattern == value.bitPattern)
        }
    }
}
