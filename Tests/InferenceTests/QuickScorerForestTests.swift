import Testing
import TestSupport
@testable import Inference

/// QuickScorer's batch layout predicts what the plain tree walk predicts, bit for bit: float64 and
/// float32 sums, float32 and float64 inputs, missing values routed by each split, several raw scores.
@Suite struct QuickScorerForestTests {
    /// A random tree of at most `leaves` leaves and `depth` levels (deep, lopsided trees included).
    static func randomTree(depth: Int, leaves: Int, featureCount: Int, _ random: inout SeededGenerator) -> DecisionTree {
        RandomTree.make(depth: depth, featureCount: featureCount, leaves: leaves, fullLevels: 1, splitChance: 0.75,
                        valueScale: 3.3333333333, &random)
    }

    /// Every combination of sums, inputs, missing values and batch sizes (partial blocks of 64 rows
    /// included) gives the walk's raw scores exactly.
    @Test(.enabled(if: InterleavedForest.bestInstructionSet >= 2, "the kernel needs AVX-512"),
          arguments: [(4, 16, 1), (6, 64, 3), (20, 31, 1), (3, 8, 2), (9, 64, 1)])
    func agreesWithTheWalk(depth: Int, leaves: Int, outputs: Int) throws {
        var random = SeededGenerator(seed: UInt64(depth * 100 + leaves))
        let featureCount = 9, treeCount = 45
        let trees = (0..<treeCount).map { _ in Self.randomTree(depth: depth, leaves: leaves, featureCount: featureCount, &random) }
        for precision in TreeEnsemble.InputPrecision.allCases {
            for accumulation in TreeEnsemble.Accumulation.allCases {
                for missing in [false, true] {
                    var ensemble = TreeEnsemble(
                        estimator: "test", featureCount: featureCount, featureNames: nil, inputPrecision: precision,
                        acceptsMissing: missing, outputCount: outputs, base: (0..<outputs).map { 0.1 + Double($0) },
                        leafScale: accumulation == .float64 ? 0.1 : nil, trees: trees, treeOutput: (0..<treeCount).map { $0 % outputs })
                    ensemble.accumulation = accumulation
                    let predictor = EnsemblePredictor(ensemble)
                    let forest = try #require(predictor.quickScorer)
                    let walk = TreeWalk(ensemble)
                    for rowCount in [1, 16, 63, 64, 65, 200, 300] {
                        let rows = InterleavedForestTests.rows(rowCount, featureCount: featureCount, missing: missing, &random)
                        var walked = [Double](repeating: 0, count: rowCount * outputs), predicted = walked, direct = walked
                        rows.withUnsafeBufferPointer { input in
                            walk.raw(input.baseAddress!, rowCount: rowCount, into: &walked)
                            predictor.raw(input.baseAddress!, rowCount: rowCount, into: &predicted)
                            let encoded = predictor.ranks.map { ranks in
                                var out = [Double](repeating: 0, count: rows.count)
                                ranks.encode(input.baseAddress!, count: rowCount, into: &out)
                                return out
                            } ?? rows
                            encoded.withUnsafeBufferPointer { forest.predict($0.baseAddress!, rowCount: rowCount, into: &direct) }
                        }
                        let label = "rows \(rowCount), \(precision), \(accumulation), missing \(missing)"
                        #expect(direct == walked, "\(label)")
                        #expect(predicted == walked, "\(label)")
                    }
                }
            }
        }
    }

    /// Features with a thousand distinct thresholds and more (several 255-key segments; the count of
    /// keys below an input found bucket by bucket, then within its bucket) decide every row as the walk
    /// does, for inputs on the thresholds, between them, beyond them and missing.
    @Test(.enabled(if: InterleavedForest.bestInstructionSet >= 2, "the kernel needs AVX-512"), arguments: [2, 3])
    func manyThresholdsAFeature(featureCount: Int) throws {
        var random = SeededGenerator(seed: UInt64(featureCount * 7))
        let grid = 4096.0
        let trees = (0..<150).map { _ in
            var tree = Self.randomTree(depth: 6, leaves: 64, featureCount: featureCount, &random)
            tree.threshold = tree.threshold.enumerated().map { node, value in
                tree.isLeaf(node) ? value : (Double.random(in: -2...2, using: &random) * grid).rounded() / grid
            }
            return tree
        }
        let ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true,
                                    base: [0.5], leafScale: 0.1, trees: trees)
        let predictor = EnsemblePredictor(ensemble)
        let forest = try #require(predictor.quickScorer)
        #expect(forest.featureKeyCount.allSatisfy { $0 > 600 })  // buckets of 32 keys and more
        let walk = TreeWalk(ensemble)
        let rowCount = 300
        let rows = (0..<(rowCount * featureCount)).map { _ -> Double in
            if Double.random(in: 0..<1, using: &random) < 0.05 { return .nan }
            return (Double.random(in: -2.2...2.2, using: &random) * grid).rounded() / grid
        }
        var walked = [Double](repeating: 0, count: rowCount), predicted = walked
        rows.withUnsafeBufferPointer { input in
            walk.raw(input.baseAddress!, rowCount: rowCount, into: &walked)
            predictor.raw(input.baseAddress!, rowCount: rowCount, into: &predicted)
        }
        #expect(predicted == walked)
    }

    /// Features of 16 keys (counted one compare each), 17 to 127 (a search tree in registers: 5 to 7
    /// levels, the last one barely, half or wholly full) and 128 (buckets) decide every row as the walk
    /// does, for inputs on the thresholds, between them, beyond them and missing.
    @Test(.enabled(if: InterleavedForest.bestInstructionSet >= 2, "the kernel needs AVX-512"),
          arguments: [16, 17, 64, 65, 100, 127, 128])
    func everyWayOfCountingKeys(keys: Int) throws {
        var random = SeededGenerator(seed: UInt64(keys))
        let featureCount = 2, grid = Double(keys)
        let trees = (0..<60).map { _ in
            var tree = Self.randomTree(depth: 6, leaves: 64, featureCount: featureCount, &random)
            tree.threshold = tree.threshold.enumerated().map { node, value in
                tree.isLeaf(node) ? value : Double(Int.random(in: 0..<keys, using: &random)) / grid
            }
            return tree
        }
        let ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true,
                                    base: [0.5], leafScale: 0.1, trees: trees)
        let predictor = EnsemblePredictor(ensemble)
        let forest = try #require(predictor.quickScorer)
        // Every feature counted the same way as `keys` (a feature may miss a threshold or two).
        #expect(forest.featureKeyCount.max() == Int32(keys))
        #expect(forest.featureKeyCount.allSatisfy { ($0 > 16) == (keys > 16) && ($0 >= 128) == (keys >= 128) })
        let walk = TreeWalk(ensemble)
        let rowCount = 300
        let rows = (0..<(rowCount * featureCount)).map { _ -> Double in
            if Double.random(in: 0..<1, using: &random) < 0.05 { return .nan }
            return Double(Int.random(in: -2...(2 * keys + 2), using: &random)) / (2 * grid)
        }
        var walked = [Double](repeating: 0, count: rowCount), predicted = walked
        rows.withUnsafeBufferPointer { input in
            walk.raw(input.baseAddress!, rowCount: rowCount, into: &walked)
            predictor.raw(input.baseAddress!, rowCount: rowCount, into: &predicted)
        }
        #expect(predicted == walked)
    }

    /// Trees of more than 64 leaves, and forests' class fractions, are left to the other layouts.
    @Test func refusesWhatItCannotHold() {
        var random = SeededGenerator(seed: 3)
        let big = Self.randomTree(depth: 12, leaves: 65, featureCount: 4, &random)
        let ensemble = TreeEnsemble(estimator: "test", featureCount: 4, featureNames: nil, base: [0], trees: [big])
        #expect(big.leafCount == 65)
        #expect(QuickScorerForest(ensemble, trees: [big]) == nil)
    }

    /// Without AVX-512 (EVSERVE_SIMD=none or avx2, or another CPU) there is no such layout, and
    /// predictions come from the others.
    @Test(.enabled(if: InterleavedForest.bestInstructionSet < 2)) func absentWithoutAVX512() {
        var random = SeededGenerator(seed: 4)
        let tree = Self.randomTree(depth: 4, leaves: 16, featureCount: 3, &random)
        let ensemble = TreeEnsemble(estimator: "test", featureCount: 3, featureNames: nil, base: [0], trees: [tree])
        #expect(EnsemblePredictor(ensemble).quickScorer == nil)
    }
}
