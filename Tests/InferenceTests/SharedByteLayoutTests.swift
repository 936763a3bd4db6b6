import TestSupport
import Testing
@testable import Inference

/// Where the deeper byte layouts are chosen, a model's raw scores with as many trees each share one layout
/// (`ByteTrees.sums(…, outputCount:)`: their trees in turns, tree t adding to raw score t mod K), and every
/// raw score is still the walk's, bit for bit: leaf sets and the complete layout, float64 and float32 sums,
/// averaged forests' class columns, rows with missing values, calls of one row, pairs and a lone row after
/// them. Raw scores of unequal tree counts keep a layout each.
@Suite struct SharedByteLayoutTests {
    enum Shape: Sendable { case leafSets, complete(depth: Int) }

    /// Each raw score's trees for `ensemble`: `perScore` rounds of `outputs` trees (a tree for each raw score in
    /// turn, as boosting grows them), or for `width` > 1 trees of `width` values a leaf (a forest classifier's).
    static func trees(_ shape: Shape, count: Int, width: Int, featureCount: Int, _ random: inout SeededGenerator) -> [DecisionTree] {
        (0..<count).map { t in
            switch shape {
            case .leafSets:
                return RandomTree.make(depth: 20, featureCount: featureCount, width: width, leaves: 31, fullLevels: t % 5 == 0 ? 4 : 1,
                                       splitChance: 0.9, &random)
            case .complete(let depth):
                return RandomTree.make(depth: t % 7 == 3 ? depth - 2 : depth, featureCount: featureCount, width: width,
                                       fullLevels: 3, splitChance: 0.85, &random)
            }
        }
    }

    /// The raw scores of `rowCount` rows by the predictor and by the walk of every tree (`DeepBytesTests.walked`).
    static func expectTheWalks(_ ensemble: TreeEnsemble, _ predictor: EnsemblePredictor, _ rows: [Double], _ comment: String) {
        let walkedRows = DeepBytesTests.walked(ensemble, rows, rowCount: 47)
        for rowCount in [1, 2, 3, 5, 47] {
            let walked = Array(walkedRows.prefix(rowCount * ensemble.outputCount))
            var predicted = [Double](repeating: .nan, count: walked.count)
            rows.withUnsafeBufferPointer { predictor.raw($0.baseAddress!, rowCount: rowCount, into: &predicted) }
            #expect(predicted.map(\.bitPattern) == walked.map(\.bitPattern), "\(comment), \(rowCount) rows")
        }
    }

    /// Boosting's shape: K raw scores, a tree each a round; 2, 3 and 10 raw scores, one or several blocks of 32
    /// trees (whose last may be partial, so a raw score's turn crosses blocks), with and without missing values.
    @Test(arguments: [(3, Shape.leafSets, 11), (10, Shape.leafSets, 7), (2, Shape.complete(depth: 6), 20),
                      (3, Shape.complete(depth: 8), 9), (5, Shape.complete(depth: 5), 13)])
    func boostedRawScoresShareALayout(outputs: Int, shape: Shape, rounds: Int) throws {
        var random = SeededGenerator(seed: UInt64(outputs * 100 + rounds))
        let featureCount = 9
        let trees = Self.trees(shape, count: outputs * rounds, width: 1, featureCount: featureCount, &random)
        for accumulation in [TreeEnsemble.Accumulation.float64, .float32] {
            for missing in [false, true] {
                var ensemble = TreeEnsemble(
                    estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: missing, outputCount: outputs,
                    base: (0..<outputs).map { 0.25 * Double($0) - 0.3 }, leafScale: accumulation == .float64 ? 0.1 : nil,
                    trees: trees, treeOutput: (0..<trees.count).map { $0 % outputs })
                ensemble.accumulation = accumulation
                let predictor = EnsemblePredictor(ensemble)
                if ByteTrees.deepChosen {
                    let shared = try #require(predictor.fewRows?.first, "\(shape), \(accumulation)")
                    #expect(predictor.fewRows?.count == 1 && shared.outputCount == outputs && shared.treeCount == trees.count)
                }
                let rows = InterleavedForestTests.rows(47, featureCount: featureCount, missing: missing, &random)
                Self.expectTheWalks(ensemble, predictor, rows, "\(outputs) raw scores, \(shape), \(accumulation), missing \(missing)")
            }
        }
    }

    /// A forest classifier's trees of 4 class values a leaf, averaged: each class's column of every tree in
    /// turn, one layout, each class's mean as the walk's.
    @Test(arguments: [Shape.leafSets, Shape.complete(depth: 7)])
    func averagedClassColumnsShareALayout(shape: Shape) throws {
        var random = SeededGenerator(seed: 61)
        let featureCount = 6, classes = 4
        let trees = Self.trees(shape, count: 25, width: classes, featureCount: featureCount, &random)
        let ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, outputCount: classes,
                                    base: [Double](repeating: 0, count: classes), averaged: true, trees: trees,
                                    treeOutput: [Int](repeating: 0, count: trees.count))
        let predictor = EnsemblePredictor(ensemble)
        if ByteTrees.deepChosen {
            #expect(predictor.fewRows?.count == 1 && predictor.fewRows?.first?.outputCount == classes)
        }
        let rows = InterleavedForestTests.rows(47, featureCount: featureCount, missing: false, &random)
        Self.expectTheWalks(ensemble, predictor, rows, "\(shape)")
    }

    /// Raw scores of unequal tree counts (one has a tree more) keep a layout each, and still add as the walk.
    @Test func unequalRawScoresKeepTheirOwn() throws {
        var random = SeededGenerator(seed: 62)
        let featureCount = 7, outputs = 3
        let trees = Self.trees(.leafSets, count: 3 * 12 + 1, width: 1, featureCount: featureCount, &random)
        let ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, outputCount: outputs,
                                    base: [0.1, 0.2, 0.3], leafScale: 0.1, trees: trees, treeOutput: (0..<trees.count).map { $0 % outputs })
        let predictor = EnsemblePredictor(ensemble)
        if ByteTrees.deepChosen {
            #expect(predictor.fewRows?.count == outputs && predictor.fewRows?.allSatisfy { $0.outputCount == 1 } == true)
        }
        let rows = InterleavedForestTests.rows(47, featureCount: featureCount, missing: false, &random)
        Self.expectTheWalks(ensemble, predictor, rows, "unequal")
    }

    /// The layout holds at most `ByteTrees.maxOutputs` raw scores (the kernels keep each row's sums on their
    /// stack), and none at depth 4 (its kernel adds to one sum).
    @Test func refusesDepthFourAndTooManyRawScores() {
        var random = SeededGenerator(seed: 63)
        let shallow = Self.trees(.complete(depth: 4), count: 6, width: 1, featureCount: 5, &random)
        #expect(ByteTrees.sums(of: shallow, featureCount: 5, float32: true, leafScale: nil, outputCount: 2) == nil)
        let deep = Self.trees(.leafSets, count: 2 * (ByteTrees.maxOutputs + 1), width: 1, featureCount: 5, &random)
        #expect(ByteTrees.sums(of: deep, featureCount: 5, float32: false, leafScale: nil, outputCount: ByteTrees.maxOutputs + 1) == nil)
        #expect(ByteTrees.sums(of: deep, featureCount: 5, float32: false, leafScale: nil, outputCount: 5) == nil)  // 66 trees, not 5 each
        #expect((ByteTrees.sums(of: deep, featureCount: 5, float32: false, leafScale: nil, outputCount: 2) != nil) == ByteTreesTests.kernelRuns)
    }
}
