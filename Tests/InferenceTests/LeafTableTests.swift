import JSON
import Testing
import TestSupport
@testable import Inference

/// A single-tree classifier answers from its per-leaf table exactly what the per-row path computes
/// from the plain tree walk: the same labels, and probabilities with the same bits.
@Suite struct LeafTableTests {
    /// A deep random tree whose values sit on a 1/4 grid (so that classes tie and the first largest must win).
    static func tree(depth: Int, width: Int, featureCount: Int, _ random: inout SeededGenerator) -> DecisionTree {
        var tree = RandomTree.make(depth: depth, featureCount: featureCount, width: width, fullLevels: 3, splitChance: 0.85, &random)
        tree.value = tree.value.map { ($0 * 4).rounded() / 4 }
        return tree
    }

    /// (link, decision, raw scores, classes, base, leaf scale, averaged): scikit-learn's single trees
    /// (class fractions, base −0) and every other link and decision a lone tree could be given.
    static let kinds: [(TreeEnsemble.Link, TreeEnsemble.Decision, Int, Int, Double, Double?, Bool)] = [
        (.probabilities, .argmaxProbability, 3, 3, -0.0, nil, false),
        (.probabilities, .argmaxProbability, 2, 2, 0, nil, true),
        (.softmax, .argmaxRaw, 4, 4, 0.25, 0.1, false),
        (.softmaxLogSumExp, .argmaxProbability, 3, 3, -0.5, 0.3, false),
        (.expit, .rawAtLeastZero, 1, 2, 0.5, 0.1, false),
        (.expitOfTwice, .rawAboveZero, 1, 2, 0, nil, false),
    ]

    @Test(arguments: 0..<kinds.count)
    func labelsAndProbabilitiesMatchThePlainWalk(kind: Int) {
        let (link, decision, outputs, classCount, base, leafScale, averaged) = Self.kinds[kind]
        var random = SeededGenerator(seed: UInt64(40 + kind))
        let featureCount = 6
        let tree = Self.tree(depth: 18, width: outputs, featureCount: featureCount, &random)
        for precision in TreeEnsemble.InputPrecision.allCases {
            let ensemble = TreeEnsemble(
                estimator: "DecisionTreeClassifier", featureCount: featureCount, featureNames: nil, inputPrecision: precision,
                acceptsMissing: true, outputCount: outputs, base: [Double](repeating: base, count: outputs), leafScale: leafScale,
                averaged: averaged, link: link, classes: (0..<classCount).map { JSONValue.number(.integer(Int64($0))) },
                decision: decision, trees: [tree])
            let model = TreeModel(ensemble: ensemble, estimator: .decisionTreeClassifier)
            #expect(model.leafTable != nil)
            let walk = EnsemblePredictor(ensemble, layout: .perOutput)
            for rowCount in [1, 2, 15, 16, 300] {
                let rows = InterleavedForestTests.rows(rowCount, featureCount: featureCount, missing: true, &random)
                var expectedLabels = [Int](), expectedProbabilities = [Double]()
                var raw = [Double](repeating: 0, count: outputs), p = [Double](repeating: 0, count: classCount)
                for r in 0..<rowCount {
                    let cast = (0..<featureCount).map { f in
                        precision == .float32 ? Double(Float(rows[r * featureCount + f])) : rows[r * featureCount + f]
                    }
                    cast.withUnsafeBufferPointer { walk.walk($0.baseAddress!, into: &raw) }
                    link.probabilities(raw, outputCount: outputs, sumOrder: ensemble.sumOrder, into: &p)
                    expectedProbabilities += p
                    expectedLabels.append(decision.classIndex(raw: raw, outputCount: outputs, probabilities: p, classCount: classCount))
                }
                #expect(model.predictClasses(rows, rowCount: rowCount) == expectedLabels, "rows \(rowCount), \(precision)")
                #expect(model.predictProbabilities(rows, rowCount: rowCount).map(\.bitPattern) == expectedProbabilities.map(\.bitPattern),
                        "rows \(rowCount), \(precision)")
            }
        }
    }

    /// Forests, and a tree feeding only some raw scores, keep the per-row path (no table).
    @Test func onlyALoneTreeFeedingEveryScoreGetsATable() {
        var random = SeededGenerator(seed: 7)
        let trees = (0..<2).map { _ in Self.tree(depth: 4, width: 2, featureCount: 3, &random) }
        func model(_ trees: [DecisionTree], outputs: Int) -> TreeModel {
            TreeModel(ensemble: TreeEnsemble(
                estimator: "RandomForestClassifier", featureCount: 3, featureNames: nil, outputCount: outputs,
                base: [Double](repeating: 0, count: outputs), averaged: true, link: .probabilities,
                classes: (0..<outputs).map { JSONValue.number(.integer(Int64($0))) }, decision: .argmaxProbability, trees: trees),
                estimator: .randomForestClassifier)
        }
        #expect(model(trees, outputs: 2).leafTable == nil)
        #expect(model([trees[0]], outputs: 3).leafTable == nil)
        #expect(model([trees[0]], outputs: 2).leafTable != nil)
    }

    /// An empty batch answers nothing.
    @Test func emptyBatch() {
        var random = SeededGenerator(seed: 8)
        let tree = Self.tree(depth: 5, width: 2, featureCount: 2, &random)
        let model = TreeModel(ensemble: TreeEnsemble(
            estimator: "DecisionTreeClassifier", featureCount: 2, featureNames: nil, outputCount: 2, base: [-0.0, -0.0],
            link: .probabilities, classes: ["a", "b"], decision: .argmaxProbability, trees: [tree]), estimator: .decisionTreeClassifier)
        #expect(model.predictClasses([], rowCount: 0).isEmpty && model.predictProbabilities([], rowCount: 0).isEmpty)
    }
}
