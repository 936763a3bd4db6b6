import TestSupport
import Testing
@testable import Inference

/// Trees of up to 32 leaves deeper than 8 as leaf sets (`ByteTrees(leafSetsOf:)`, LeafSets.c) add each
/// row's leaf values in tree order, as the walk does, bit for bit: float64 and float32 sums, lopsided trees
/// 9 to 30 deep, exactly 32 leaves and lone leaves among them, blocks of 32 trees whole and partial, one
/// rank table, two or four; and `EnsemblePredictor` gives them few rows where it chooses the deeper layouts.
@Suite struct LeafSetsTests {
    /// `count` trees of at most `leaves` leaves, grown lopsided to `depth` (every 9th a lone leaf, every 5th
    /// exactly `leaves` leaves when it can reach them).
    static func trees(_ count: Int, leaves: Int, depth: Int, featureCount: Int, _ random: inout SeededGenerator) -> [DecisionTree] {
        (0..<count).map { t in
            if t % 9 == 4 { return RandomTree.make(depth: 0, featureCount: featureCount, fullLevels: 0, splitChance: 0, &random) }
            return RandomTree.make(depth: depth, featureCount: featureCount, leaves: leaves, fullLevels: t % 5 == 0 ? 5 : 1,
                                   splitChance: 0.9, &random)
        }
    }

    /// Few and many features (up to four rank tables), 31 and 32 leaves, tree counts on both sides of the
    /// block, at 1 to 5 rows.
    @Test(arguments: [(5, 70, 32), (12, 31, 31), (23, 33, 32), (3, 40, 20), (50, 40, 32)])
    func everyTreeAddsAsTheWalk(featureCount: Int, treeCount: Int, leaves: Int) throws {
        var random = SeededGenerator(seed: UInt64(featureCount * 100 + treeCount))
        let trees = Self.trees(treeCount, leaves: leaves, depth: 30, featureCount: featureCount, &random)
        #expect(trees.map(\.depth).max()! > ByteTrees.maxDepth)
        #expect(trees.map(\.leafCount).max()! == leaves)
        for accumulation in [TreeEnsemble.Accumulation.float64, .float32] {
            let ensemble = DeepBytesTests.ensemble(trees, featureCount: featureCount, accumulation)
            let bytes = ByteTrees.sums(of: trees, featureCount: featureCount, float32: accumulation == .float32, leafScale: ensemble.leafScale)
            guard ByteTreesTests.kernelRuns else {
                #expect(bytes == nil)
                continue
            }
            let layout = try #require(bytes)
            #expect(layout.depth == 0 && layout.positions == leaves - 1)
            let rows = DeepBytesTests.rows(5, featureCount: featureCount, &random)
            let expected = DeepBytesTests.walked(ensemble, rows, rowCount: 5)
            for rowCount in 1...5 {
                let sums = DeepBytesTests.added(layout, ensemble, rows, rowCount: rowCount)
                #expect(sums.map(\.bitPattern) == expected.prefix(rowCount).map(\.bitPattern), "\(accumulation), \(rowCount) rows")
            }
        }
    }

    /// Trees of at most 32 leaves take leaf sets from depth 8 on, and the complete layout below it; calls of
    /// every size go to leaf sets of trees deeper than 8 (bit lanes take none), to those of trees 8 deep
    /// below `deepRowsBelow` rows (bit lanes take more).
    @Test func leafSetsFromDepthEight() throws {
        guard ByteTrees.deepChosen else { return }
        var random = SeededGenerator(seed: 97)
        for (depth, sets, below) in [(7, false, ByteTrees.deepRowsBelow), (8, true, ByteTrees.deepRowsBelow), (12, true, Int.max)] {
            let forest = (0..<40).map { _ in
                RandomTree.make(depth: depth, featureCount: 6, leaves: 32, fullLevels: 2, splitChance: 0.95, &random)
            }
            let deepest = forest.map(\.depth).max()!
            try #require(deepest == depth, "the random trees reach depth \(depth)")
            let predictor = EnsemblePredictor(DeepBytesTests.ensemble(forest, featureCount: 6, .float64))
            let layout = try #require(predictor.fewRows?.first)
            #expect((layout.depth == 0) == sets, "depth \(depth)")
            #expect(predictor.fewRowsBelow == below, "depth \(depth)")
        }
    }

    /// Deeper than 8 with more than 32 leaves: neither byte layout holds the trees.
    @Test func refusesMoreLeaves() {
        var random = SeededGenerator(seed: 95)
        let trees = Self.trees(10, leaves: 33, depth: 30, featureCount: 4, &random)
        #expect(trees.map(\.leafCount).max()! == 33 && trees.map(\.depth).max()! > ByteTrees.maxDepth)
        #expect(ByteTrees.sums(of: trees, featureCount: 4, float32: false, leafScale: nil) == nil)
    }

    /// Where the deeper layouts are chosen, histogram boosting's shape (31 leaves, deep) predicts rows on leaf
    /// sets, as the walk, rows with a missing value too.
    @Test func fewRowsOfLeafWiseTreesGoToTheSets() {
        var random = SeededGenerator(seed: 96)
        let featureCount = 8
        let trees = Self.trees(60, leaves: 31, depth: 25, featureCount: featureCount, &random)
        let ensemble = DeepBytesTests.ensemble(trees, featureCount: featureCount, .float64, acceptsMissing: true)
        let predictor = EnsemblePredictor(ensemble)
        #expect((predictor.fewRows?.first?.depth == 0) == ByteTrees.deepChosen)
        var rows = DeepBytesTests.rows(48, featureCount: featureCount, &random)
        for withMissing in [false, true] {
            if withMissing { rows[2 * featureCount] = .nan }
            let expected = DeepBytesTests.walked(ensemble, rows, rowCount: 48)
            for rowCount in [1, 2, 3, 47, 48] {
                var raw = [Double](repeating: .nan, count: rowCount)
                rows.withUnsafeBufferPointer { predictor.raw($0.baseAddress!, rowCount: rowCount, into: &raw) }
                #expect(raw.map(\.bitPattern) == expected.prefix(rowCount).map(\.bitPattern), "\(rowCount) rows, missing \(withMissing)")
            }
        }
    }
}
