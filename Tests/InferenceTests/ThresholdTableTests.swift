import TestSupport
import Testing
@testable import Inference

@Suite struct ThresholdTableTests {
    /// Random trees over 3 features with thresholds from `cuts`, and the table of their thresholds.
    static func table(seed: UInt64, cuts: [Double]) -> (trees: [DecisionTree], table: ThresholdTable) {
        var random = SeededGenerator(seed: seed)
        let trees = ShallowForestTests.randomForest(&random, trees: 30, features: 3, cuts: cuts)
        return (trees, ThresholdTable(trees: trees, featureCount: 3))
    }

    static let cuts: [Double] = [-1.5, -0.0, 0, 0.25, 0.1, 1e-30, 3.0000001, 3, 7.5, 1e30]

    /// A row's decision for a threshold id says "right" exactly when scikit-learn's
    /// `Double(Float(x)) <= threshold` is false, for every split of every tree.
    @Test func decisionsAreScikitLearnsTests() {
        let (trees, table) = Self.table(seed: 7, cuts: Self.cuts)
        var inputs: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1e-40]
        for cut in Self.cuts {
            let single = Float(cut)
            inputs += [cut, Double(single), Double(single.nextUp), Double(single.nextDown), -cut]
        }
        var decisions = [Int32](repeating: 0, count: table.paddedKeyCount)
        for x in inputs {
            let keys = [Int32](repeating: CompiledForest.inputKey(x), count: 3)
            keys.withUnsafeBufferPointer { row in
                table.keys.withUnsafeBufferPointer { all in
                    decisions.withUnsafeMutableBufferPointer { table.decide(row.baseAddress!, keys: all.baseAddress!, into: $0.baseAddress!) }
                }
            }
            for tree in trees {
                for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
                    let id = table.id(feature: tree.feature[node], threshold: tree.threshold[node])
                    let right = !(Double(Float(x)) <= tree.threshold[node])
                    #expect(decisions[id] == (right ? ThresholdTable.rightDecision : 0), "x \(x) t \(tree.threshold[node])")
                }
            }
        }
    }

    /// Each feature's keys are distinct and ascending, padded to a multiple of 16 with keys no input exceeds.
    @Test func keysAreSortedAndPadded() {
        let (_, table) = Self.table(seed: 3, cuts: Self.cuts)
        for f in 0..<3 {
            let real = Array(table.keys[table.featureStart[f] ..< table.featureStart[f] + table.featureKeyCount[f]])
            #expect(real == real.sorted() && Set(real).count == real.count)
            #expect((table.featureStart[f + 1] - table.featureStart[f]) % ThresholdTable.groupSize == 0)
            let padding = table.keys[(table.featureStart[f] + table.featureKeyCount[f]) ..< table.featureStart[f + 1]]
            #expect(padding.allSatisfy { $0 == ThresholdTable.paddingKey })
        }
        // +0 and −0 are one threshold.
        #expect(table.featureKeyCount.reduce(0, +) <= 3 * (Self.cuts.count - 1))
    }

    /// A feature with more keys than a segment holds is cut into consecutive segments of at most 255.
    @Test func segmentsHoldAtMost255Keys() {
        let cuts = (0..<600).map { Double($0) }
        let (_, table) = Self.table(seed: 11, cuts: cuts)
        for f in 0..<3 {
            let segments = table.featureSegmentStart[f] ..< table.featureSegmentStart[f + 1]
            #expect(segments.map { table.segmentKeyCount[$0] }.reduce(0, +) == table.featureKeyCount[f])
            var next = table.featureStart[f]
            for s in segments {
                #expect(table.segmentStart[s] == next && table.segmentKeyCount[s] <= 255)
                next += table.segmentKeyCount[s]
            }
        }
    }
}
