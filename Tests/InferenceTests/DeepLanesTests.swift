import Testing
import TestSupport
@testable import Inference

/// Trees up to 8 deep on bit lanes (`DeepLanes`, DeepLanes.c) add each row's leaf values in tree order,
/// as the walks do, bit for bit: float64 and float32 sums, one raw score or several, missing values sent
/// either way, trees of every depth from a lone leaf to 8, features searched and compared, blocks of rows
/// whole and partial, and trees cut into slices.
@Suite struct DeepLanesTests {
    /// Inputs on the thresholds' 1/64 grid and between its points, and values at the edges of the keys:
    /// NaN (missing) when `missing`, ±infinity, ±0, subnormals, the largest Floats.
    static func rows(_ count: Int, featureCount: Int, missing: Bool, _ random: inout SeededGenerator) -> [Double] {
        let edges: [Double] = [.infinity, -.infinity, 0, -0.0, Double(Float.leastNonzeroMagnitude), -Double(Float.leastNonzeroMagnitude),
                               Double(Float.greatestFiniteMagnitude), -Double(Float.greatestFiniteMagnitude), 2, -2]
        return (0..<(count * featureCount)).map { _ in
            let draw = Double.random(in: 0..<1, using: &random)
            if missing && draw < 0.1 { return .nan }
            if draw < 0.15 { return edges.randomElement(using: &random)! }
            if draw < 0.6 { return (Double.random(in: -2.2...2.2, using: &random) * 64).rounded() / 64 }
            return Double(Float(Double.random(in: -2.2...2.2, using: &random)))
        }
    }

    /// `treeCount` random trees of depths up to `depth` (some lone leaves among them) over `featureCount`
    /// features; with `fineThresholds`, feature 0's thresholds off the grid, so that it has hundreds of keys.
    static func trees(_ treeCount: Int, depth: Int, featureCount: Int, fineThresholds: Bool, _ random: inout SeededGenerator) -> [DecisionTree] {
        (0..<treeCount).map { t in
            let levels = t % 11 == 5 ? 0 : Int.random(in: 1...depth, using: &random)
            var tree = RandomTree.make(depth: levels, featureCount: featureCount, fullLevels: Swift.min(levels, 3), splitChance: 0.85, &random)
            // Leaf values with more digits than a Float holds, so that every float32 addition rounds.
            tree.value = tree.value.map { $0 * 3.3333333333 }
            // Fine: feature 0's thresholds off the grid (hundreds of keys), the others' on a coarser one (65 keys at most).
            if fineThresholds {
                for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
                    tree.threshold[node] = tree.feature[node] == 0 ? tree.threshold[node] + Double.random(in: 0..<(1.0 / 64), using: &random)
                        : (tree.threshold[node] * 16).rounded() / 16
                }
            }
            return tree
        }
    }

    /// For each row count, the deep lanes' raw scores (whole forest, and slices of 7 trees) equal the
    /// Swift walk's, bit for bit.
    static func expectLanesAddAsTheWalk(_ ensemble: TreeEnsemble, searchedUpTo: Int = DeepLanes.searchedUpTo, rowCounts: [Int],
                                        missing: Bool, _ random: inout SeededGenerator, _ label: String) {
        let forest = InterleavedForest(ensemble, trees: ensemble.trees, searchedUpTo: searchedUpTo)
        #expect(forest.deepLanes != nil, "\(label)")
        guard forest.deepLanes != nil else { return }
        let featureCount = ensemble.featureCount
        for rowCount in rowCounts {
            let rows = Self.rows(rowCount, featureCount: featureCount, missing: missing, &random).map { Double(Float($0)) }
            var walked = [Double](repeating: 0, count: rowCount)
            rows.withUnsafeBufferPointer { forest.predict($0.baseAddress!, rowCount: rowCount, into: &walked, instructionSet: 0, onDeepLanes: false) }
            for treesPerSlice in [ensemble.trees.count, 7] {
                var lanes = [Double](repeating: 0, count: rowCount)
                rows.withUnsafeBufferPointer {
                    forest.predict($0.baseAddress!, rowCount: rowCount, into: &lanes, instructionSet: 1,
                                   evaluationsPerSlice: treesPerSlice * Swift.min(rowCount, DeepLanes.blockRows), onDeepLanes: true)
                }
                let wrong = (0..<rowCount).filter { lanes[$0].bitPattern != walked[$0].bitPattern }
                #expect(wrong.isEmpty, "\(label): \(rowCount) rows, \(treesPerSlice) trees a slice: rows \(wrong.prefix(8)) differ")
            }
        }
    }

    static let rowCounts = [16, 31, 32, 33, 100, 511, 512, 513, 1100]

    /// Float64 and float32 sums, with missing values or without, few and many features and trees, depths
    /// up to 8 and up to 5: each as the walk.
    @Test(arguments: [(5, 70, 8, true), (23, 45, 6, false), (40, 33, 8, true), (3, 300, 5, true)])
    func everyTreeAddsAsTheWalk(featureCount: Int, treeCount: Int, depth: Int, missing: Bool) {
        guard DeepLanes.runs else { return }
        var random = SeededGenerator(seed: UInt64(featureCount * 1000 + treeCount))
        let trees = Self.trees(treeCount, depth: depth, featureCount: featureCount, fineThresholds: false, &random)
        for accumulation in [TreeEnsemble.Accumulation.float64, .float32] {
            var ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: missing,
                                        base: [0.1], leafScale: accumulation == .float64 ? 0.1 : nil, trees: trees)
            ensemble.accumulation = accumulation
            Self.expectLanesAddAsTheWalk(ensemble, rowCounts: Self.rowCounts, missing: missing, &random, "\(accumulation)")
        }
    }

    /// A feature's rank is searched in one to three steps of 16 keys (up to 4096 keys), and features with
    /// more keys than a search takes are decided by compares; every feature may be. Each way decides as
    /// the walk, missing values included.
    @Test(arguments: [DeepLanes.searchedUpTo, 256, 0])
    func searchedAndComparedFeaturesDecideAlike(searchedUpTo: Int) {
        guard DeepLanes.runs else { return }
        var random = SeededGenerator(seed: UInt64(77 + searchedUpTo))
        let featureCount = 3
        // Hundreds of nodes a feature: feature 0 has hundreds of keys, the others 65 at most.
        let trees = Self.trees(120, depth: 7, featureCount: featureCount, fineThresholds: true, &random)
        let ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true,
                                    base: [-0.25], trees: trees)
        let forest = InterleavedForest(ensemble, trees: trees, searchedUpTo: searchedUpTo)
        #expect(forest.deepLanes?.comparedFeatures == (searchedUpTo < DeepLanes.searchedUpTo))
        let levels: [Int32] = searchedUpTo == 0 ? [0, 0, 0] : searchedUpTo == 256 ? [0, 2, 2] : [3, 2, 2]
        #expect(forest.deepLanes?.searchLevels == levels)
        Self.expectLanesAddAsTheWalk(ensemble, searchedUpTo: searchedUpTo, rowCounts: [16, 100, 600], missing: true, &random,
                                     "searched up to \(searchedUpTo)")
    }

    /// A feature of more than 4096 keys (a large scikit-learn forest's thresholds) is searched in four steps.
    @Test func manyKeysSearchedInFourSteps() {
        guard DeepLanes.runs else { return }
        var random = SeededGenerator(seed: 4096)
        let trees = Self.trees(200, depth: 8, featureCount: 1, fineThresholds: true, &random)
        let ensemble = TreeEnsemble(estimator: "test", featureCount: 1, featureNames: nil, acceptsMissing: true, base: [0], trees: trees)
        let lanes = InterleavedForest(ensemble, trees: trees).deepLanes
        #expect(lanes?.searchLevels == [4] && lanes!.thermometerEnd[0] > 4096, "levels \(lanes?.searchLevels ?? []), keys \(lanes?.thermometerEnd ?? [])")
        Self.expectLanesAddAsTheWalk(ensemble, rowCounts: [16, 300], missing: true, &random, "four steps")
    }

    /// Forests of lone leaves (no decision lines at all) and of one tree, deep, or shallow (its features'
    /// few keys searched in one step): the base plus the leaves.
    @Test func leavesAndLoneTrees() {
        guard DeepLanes.runs else { return }
        var random = SeededGenerator(seed: 5)
        let leaf = DecisionTree(childrenLeft: [-1], childrenRight: [-1], feature: [-2], threshold: [-2], value: [0.7])
        for trees in [[leaf, leaf, leaf], Self.trees(1, depth: 8, featureCount: 4, fineThresholds: false, &random),
                      [RandomTree.make(depth: 3, featureCount: 4, fullLevels: 3, splitChance: 1, &random)]] {
            let ensemble = TreeEnsemble(estimator: "test", featureCount: 4, featureNames: nil, acceptsMissing: true, base: [1], trees: trees)
            Self.expectLanesAddAsTheWalk(ensemble, rowCounts: [16, 40], missing: true, &random, "\(trees.count) trees")
            if trees[0].depth == 3 { #expect(InterleavedForest(ensemble, trees: trees).deepLanes?.searchLevels.contains(1) == true) }
        }
    }

    /// Several raw scores (multi-class boosting: tree t adds to score t mod K), float64 and float32 sums:
    /// each score's trees add to its sums in the forest's order, as the walk adds them.
    @Test(arguments: [3, 7])
    func eachRawScoreAddsItsTrees(outputs: Int) {
        guard DeepLanes.runs else { return }
        var random = SeededGenerator(seed: UInt64(outputs))
        let featureCount = 6, treeCount = 10 * outputs + 2  // the first two scores get a tree more
        let trees = Self.trees(treeCount, depth: 6, featureCount: featureCount, fineThresholds: false, &random)
        for accumulation in [TreeEnsemble.Accumulation.float64, .float32] {
            var ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true,
                                        outputCount: outputs, base: (0..<outputs).map { Double($0) * 0.3 }, trees: trees,
                                        treeOutput: (0..<treeCount).map { $0 % outputs })
            ensemble.accumulation = accumulation
            let forest = InterleavedForest(ensemble, trees: trees)
            #expect(forest.deepLanes?.outputTrees.map(\.count) == (0..<outputs).map { $0 < 2 ? 11 : 10 })
            for rowCount in [16, 100, 530] {
                let rows = Self.rows(rowCount, featureCount: featureCount, missing: true, &random).map { Double(Float($0)) }
                var walked = [Double](repeating: 0, count: rowCount * outputs), lanes = walked
                rows.withUnsafeBufferPointer {
                    forest.predict($0.baseAddress!, rowCount: rowCount, into: &walked, instructionSet: 0, onDeepLanes: false)
                    forest.predict($0.baseAddress!, rowCount: rowCount, into: &lanes, instructionSet: 1,
                                   evaluationsPerSlice: 5 * Swift.min(rowCount, DeepLanes.blockRows), onDeepLanes: true)
                }
                #expect(lanes.map(\.bitPattern) == walked.map(\.bitPattern), "\(accumulation), \(rowCount) rows")
            }
        }
    }

    /// Deeper than 8, or several values a leaf: no deep lanes (the walks predict).
    @Test func onlyWhatFits() {
        var random = SeededGenerator(seed: 9)
        let deep = [RandomTree.make(depth: 9, featureCount: 3, fullLevels: 9, splitChance: 1, &random)]
        let wide = [RandomTree.make(depth: 3, featureCount: 3, width: 2, fullLevels: 3, splitChance: 1, &random)]
        let cases: [TreeEnsemble] = [
            TreeEnsemble(estimator: "test", featureCount: 3, featureNames: nil, base: [0], trees: deep),
            TreeEnsemble(estimator: "test", featureCount: 3, featureNames: nil, outputCount: 2, base: [0, 0], averaged: true, trees: wide),
        ]
        for ensemble in cases { #expect(InterleavedForest(ensemble, trees: ensemble.trees).deepLanes == nil) }
        let fits = TreeEnsemble(estimator: "test", featureCount: 3, featureNames: nil, base: [0], trees: Self.trees(2, depth: 4, featureCount: 3,
                                                                                                                 fineThresholds: false, &random))
        #expect((InterleavedForest(fits, trees: fits.trees).deepLanes != nil) == DeepLanes.runs)
    }
}
