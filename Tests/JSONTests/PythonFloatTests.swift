import Testing
@testable import JSON

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

    /// JSONWriter writes every float with the same repr, and non-finite ones as strings.
    @Test func writerUsesPythonRepr() {
        for (value, expected) in Self.reprs.prefix(200) where value.isFinite {
            var out: [UInt8] = []
            JSONWriter.appendFloat(value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == expected)
        }
        #expect(JSONWriter.bytes(.array([.float(.nan), .float(-.infinity)])) == Array(#"["NaN","-Infinity"]"#.utf8))
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
