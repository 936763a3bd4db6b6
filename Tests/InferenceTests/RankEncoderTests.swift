import Testing
import TestSupport
@testable import Inference

/// Float64 thresholds become ranks, and inputs counts, so that `count <= rank` decides as `x <= threshold`.
@Suite struct RankEncoderTests {
    /// For random thresholds and inputs on and around them (neighbours, ±0, ±infinity, huge values),
    /// the encoded test agrees with the float64 test at every threshold.
    @Test func ranksDecideAsFloat64Comparisons() {
        var random = SeededGenerator(seed: 11)
        let thresholds = (0..<40).map { _ in Double.random(in: -1e3...1e3, using: &random) } + [0, -0.0, 1e-320, .greatestFiniteMagnitude]
        let tree = DecisionTree(childrenLeft: [1, -1, -1], childrenRight: [2, -1, -1], feature: [0, -2, -2], threshold: [0, -2, -2], value: [0, 0, 0])
        let trees = thresholds.map { t -> DecisionTree in
            var copy = tree
            copy.threshold[0] = t
            return copy
        }
        let encoder = RankEncoder(trees: trees, featureCount: 1)
        var inputs: [Double] = [0, -0.0, .infinity, -.infinity, 1e300, -1e300, 5e-324]
        for t in thresholds { inputs += [t, t.nextUp, t.nextDown, Double(Float(t))] }
        for x in inputs {
            var encoded = 0.0
            [x].withUnsafeBufferPointer { encoder.encode($0.baseAddress!, count: 1, into: &encoded) }
            for t in trees {
                let rank = encoder.encode(t).threshold[0]
                #expect((encoded <= rank) == (x <= t.threshold[0]), "x \(x), threshold \(t.threshold[0])")
                // Ranks and counts are small integers, exact as Floats: the compiled layouts' cast keeps them.
                #expect(Double(Float(rank)) == rank && Double(Float(encoded)) == encoded)
            }
        }
    }

    /// A missing value stays missing, so that the walk routes it by `missingGoesLeft`.
    @Test func missingValuesStayMissing() {
        let tree = DecisionTree(childrenLeft: [1, -1, -1], childrenRight: [2, -1, -1], feature: [0, -2, -2], threshold: [0.5, -2, -2], value: [0, 0, 0])
        let encoder = RankEncoder(trees: [tree], featureCount: 1)
        var encoded = 0.0
        [Double.nan].withUnsafeBufferPointer { encoder.encode($0.baseAddress!, count: 1, into: &encoded) }
        #expect(encoded.isNaN)
    }

    /// The C encoding of rows (8 rows at a time where the CPU allows, then the rest one by one) gives
    /// every value its count of thresholds below, NaN kept, whatever the thresholds' number per feature.
    @Test func rowsEncodeAsCounts() {
        var random = SeededGenerator(seed: 5)
        let counts = [0, 1, 2, 3, 255, 700]
        let trees = counts.enumerated().flatMap { f, n in
            (0..<n).map { _ in
                DecisionTree(childrenLeft: [1, -1, -1], childrenRight: [2, -1, -1], feature: [f, -2, -2],
                             threshold: [(Double.random(in: -4...4, using: &random) * 32).rounded() / 32, -2, -2], value: [0, 0, 0])
            }
        }
        let encoder = RankEncoder(trees: trees, featureCount: counts.count)
        for rowCount in [1, 8, 9, 37] {
            let rows = (0..<(rowCount * counts.count)).map { _ -> Double in
                Double.random(in: 0..<1, using: &random) < 0.1 ? .nan : (Double.random(in: -5...5, using: &random) * 32).rounded() / 32
            }
            var out = [Double](repeating: 0, count: rows.count)
            rows.withUnsafeBufferPointer { encoder.encode($0.baseAddress!, count: rowCount, into: &out) }
            for (i, x) in rows.enumerated() {
                let expected = x.isNaN ? x : Double(RankEncoder.countBelow(x, encoder.thresholds[i % counts.count]))
                #expect(out[i].bitPattern == expected.bitPattern, "row \(i / counts.count), feature \(i % counts.count)")
            }
        }
    }
}
