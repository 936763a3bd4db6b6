import Testing
import TestSupport
@testable import Inference

/// The interleaved layout predicts what the per-output layout and the plain tree walk predict, bit for
/// bit, and routes missing values by each split's `missingGoesLeft`.
@Suite struct InterleavedForestTests {
    /// A random tree of up to `depth` levels over `featureCount` features, with `width` values per node.
    static func randomTree(depth: Int, featureCount: Int, width: Int, _ random: inout SeededGenerator) -> DecisionTree {
        RandomTree.make(depth: depth, featureCount: featureCount, width: width, fullLevels: 2, splitChance: 0.8, &random)
    }

    /// Rows on and between thresholds, with some missing values when `missing`.
    /// Every walk a CPU can take: each instruction set up to the best, and with AVX-512 its walks with
    /// 256-bit gathers too (as on Zen 4, `InterleavedForest.prefersNarrowGathers`), whatever this CPU prefers.
    static let walks: [(Int, Bool)] = (0...InterleavedForest.bestInstructionSet).map { ($0, false) }
        + (InterleavedForest.bestInstructionSet == 2 ? [(2, true)] : [])

    /// For random rows of each count (Float-exact values, NaN among them if `missing`), every
    /// instruction set's prediction equals the plain walk's, bit for bit.
    static func expectEveryInstructionSetWalks(_ forest: InterleavedForest, _ ensemble: TreeEnsemble, rowCounts: [Int],
                                               featureCount: Int, outputs: Int, missing: Bool, _ random: inout SeededGenerator) {
        let walker = EnsemblePredictor(ensemble, layout: .perOutput)
        for rowCount in rowCounts {
            let rows = Self.rows(rowCount, featureCount: featureCount, missing: missing, &random).map { Double(Float($0)) }
            var walked = [Double](repeating: 0, count: rowCount * outputs)
            rows.withUnsafeBufferPointer { input in
                walked.withUnsafeMutableBufferPointer { out in
                    for r in 0..<rowCount { walker.walk(input.baseAddress! + r * featureCount, into: out.baseAddress! + r * outputs) }
                }
            }
            for (instructionSet, narrow) in Self.walks {
                for treesPerSlice in Self.slicings(forest) {
                    var predicted = [Double](repeating: 0, count: rowCount * outputs)
                    rows.withUnsafeBufferPointer {
                        forest.predict($0.baseAddress!, rowCount: rowCount, into: &predicted, instructionSet: instructionSet,
                                       narrowGathers: narrow, evaluationsPerSlice: treesPerSlice * rowCount)
                    }
                    #expect(predicted == walked, "rows \(rowCount), instruction set \(instructionSet), narrow \(narrow), \(treesPerSlice) trees a slice")
                }
            }
        }
    }

    /// Trees a slice for many rows' walks (`InterleavedForest.evaluationsPerSlice`): the whole forest
    /// in one, and slices of 7 trees, which cut the forest classifiers' groups of trees and leave a
    /// shorter slice at the end. Each row's sum must come out the same, bit for bit.
    static func slicings(_ forest: InterleavedForest) -> [Int] { [forest.treeCount, 7] }

    static func rows(_ count: Int, featureCount: Int, missing: Bool, _ random: inout SeededGenerator) -> [Double] {
        (0..<(count * featureCount)).map { _ in
            if missing && Double.random(in: 0..<1, using: &random) < 0.15 { return .nan }
            return (Double.random(in: -2.5...2.5, using: &random) * 64).rounded() / 64
        }
    }

    /// Forests (averaged, class fractions), boosting (scaled, one output per tree), float64 models,
    /// deep and shallow trees, every batch size path: both layouts and the walk agree exactly.
    @Test(arguments: [(false, 1, 9, false), (true, 3, 14, true), (false, 3, 6, true), (false, 1, 3, false), (true, 1, 20, true)])
    func layoutsAgree(averaged: Bool, outputs: Int, depth: Int, missing: Bool) {
        var random = SeededGenerator(seed: UInt64(outputs * 100 + depth))
        let featureCount = 5, treeCount = 37
        let width = averaged ? outputs : 1
        let trees = (0..<treeCount).map { _ in Self.randomTree(depth: depth, featureCount: featureCount, width: width, &random) }
        for precision in TreeEnsemble.InputPrecision.allCases {
            let ensemble = TreeEnsemble(
                estimator: "test", featureCount: featureCount, featureNames: nil, inputPrecision: precision, acceptsMissing: missing,
                outputCount: outputs, base: (0..<outputs).map { Double($0) * 0.5 }, leafScale: averaged ? nil : 0.1,
                averaged: averaged, trees: trees, treeOutput: (0..<treeCount).map { averaged ? 0 : $0 % outputs })
            let interleaved = EnsemblePredictor(ensemble, layout: .interleaved)
            let perOutput = EnsemblePredictor(ensemble, layout: .perOutput)
            for rowCount in [1, 2, 15, 16, 17, 300] {
                let rows = Self.rows(rowCount, featureCount: featureCount, missing: missing, &random)
                var a = [Double](repeating: 0, count: rowCount * outputs), b = a, walked = a
                rows.withUnsafeBufferPointer { input in
                    interleaved.raw(input.baseAddress!, rowCount: rowCount, into: &a)
                    perOutput.raw(input.baseAddress!, rowCount: rowCount, into: &b)
                    for r in 0..<rowCount {
                        let cast = (0..<featureCount).map { f in
                            precision == .float32 ? Double(Float(input[r * featureCount + f])) : input[r * featureCount + f]
                        }
                        walked.withUnsafeMutableBufferPointer { out in
                            cast.withUnsafeBufferPointer { perOutput.walk($0.baseAddress!, into: out.baseAddress! + r * outputs) }
                        }
                    }
                }
                #expect(a == b, "rows \(rowCount), \(precision)")
                #expect(a == walked, "rows \(rowCount), \(precision)")
            }
        }
    }

    /// A missing value goes where its split says: left at a split marked so, right at the others.
    @Test func missingValuesFollowTheirSplit() {
        let tree = DecisionTree(childrenLeft: [1, 3, -1, -1, -1], childrenRight: [2, 4, -1, -1, -1], feature: [0, 1, -2, -2, -2],
                                threshold: [0, 0, -2, -2, -2], value: [0, 0, 20, 30, 40], missingGoesLeft: [true, false, false, false, false])
        let ensemble = TreeEnsemble(estimator: "test", featureCount: 2, featureNames: nil, acceptsMissing: true,
                                    base: [-0.0], trees: [tree])
        for layout in [EnsemblePredictor.Layout.interleaved, .perOutput] {
            let model = TreeModel(ensemble: ensemble, estimator: .decisionTree, layout: layout)
            // NaN at the root goes left; then x1 NaN goes right (40), x1 = −1 left (30); x0 = 1 goes right (20).
            #expect(model.predict([.nan, .nan, .nan, -1, 1, .nan], rowCount: 3) == [40, 30, 20])
        }
    }

    /// Every instruction set this CPU has (the SIMD kernels and the Swift walk) gives the same raw
    /// scores, bit for bit, for few and many rows and trees, with and without missing values,
    /// deep trees and forests of one tree included.
    @Test(arguments: [(1, 25, false), (3, 12, true), (70, 6, false), (70, 9, true), (130, 4, true)])
    func instructionSetsAgree(treeCount: Int, depth: Int, missing: Bool) {
        var random = SeededGenerator(seed: UInt64(treeCount * 1000 + depth))
        let featureCount = 7, outputs = 2
        let trees = (0..<treeCount).map { _ in Self.randomTree(depth: depth, featureCount: featureCount, width: 1, &random) }
        let ensemble = TreeEnsemble(
            estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: missing, outputCount: outputs,
            base: [0.25, -0.5], leafScale: 0.1, trees: trees, treeOutput: (0..<treeCount).map { $0 % outputs })
        let forest = InterleavedForest(ensemble, trees: trees)
        #expect(!forest.packed.isEmpty)
        Self.expectEveryInstructionSetWalks(forest, ensemble, rowCounts: [1, 2, 15, 16, 63, 64, 65, 300, 1000],
                                            featureCount: featureCount, outputs: outputs, missing: missing, &random)
    }

    /// Forests of more than 256 features keep their exact feature bits (`InterleavedForest.pack`: the
    /// common 8 do not hold them), and every walk reads those from the forest: the same raw scores as
    /// the plain walk, with and without missing values.
    @Test(arguments: [false, true])
    func wideForestsKeepTheirFeatureBits(missing: Bool) {
        var random = SeededGenerator(seed: missing ? 301 : 300)
        let featureCount = 300, outputs = 1
        let trees = (0..<20).map { _ in Self.randomTree(depth: 12, featureCount: featureCount, width: 1, &random) }
        let ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: missing,
                                    base: [0.5], leafScale: 0.1, trees: trees)
        let forest = InterleavedForest(ensemble, trees: trees)
        #expect(!forest.packed.isEmpty)
        #expect(forest.featureBits == 9)
        Self.expectEveryInstructionSetWalks(forest, ensemble, rowCounts: [1, 2, 15, 64, 300],
                                            featureCount: featureCount, outputs: outputs, missing: missing, &random)
    }

    /// Float32 sums (XGBoost's): every instruction set adds the Float leaves to the Float base in
    /// tree order, as the plain walk (`TreeWalk`) does, bit for bit, for few and many rows.
    @Test(arguments: [(3, 6, true), (40, 6, false), (130, 3, true), (50, 14, true)])
    func float32SumsMatchTheWalk(treeCount: Int, depth: Int, missing: Bool) {
        var random = SeededGenerator(seed: UInt64(treeCount * 77 + depth))
        let featureCount = 6, outputs = 3
        // Leaf values with more digits than a Float holds, so every addition rounds.
        let trees = (0..<treeCount).map { _ in
            var tree = Self.randomTree(depth: depth, featureCount: featureCount, width: 1, &random)
            tree.value = tree.value.map { $0 * 3.3333333333 }
            return tree
        }
        var ensemble = TreeEnsemble(
            estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: missing, outputCount: outputs,
            base: [0.1, -0.7, 1e-3], trees: trees, treeOutput: (0..<treeCount).map { $0 % outputs })
        ensemble.accumulation = .float32
        let forest = InterleavedForest(ensemble, trees: trees)
        let walk = TreeWalk(ensemble)
        let predictor = EnsemblePredictor(ensemble)
        #expect(predictor.walk == nil && predictor.interleaved != nil)
        for rowCount in [1, 2, 17, 64, 300] {
            let rows = Self.rows(rowCount, featureCount: featureCount, missing: missing, &random)
            var walked = [Double](repeating: 0, count: rowCount * outputs), fromPredictor = walked
            rows.withUnsafeBufferPointer { input in
                walk.raw(input.baseAddress!, rowCount: rowCount, into: &walked)
                predictor.raw(input.baseAddress!, rowCount: rowCount, into: &fromPredictor)
            }
            #expect(fromPredictor == walked, "rows \(rowCount)")
            for (instructionSet, narrow) in Self.walks {
                for treesPerSlice in Self.slicings(forest) {
                    var predicted = [Double](repeating: 0, count: rowCount * outputs)
                    rows.map { Double(Float($0)) }.withUnsafeBufferPointer {
                        forest.predict($0.baseAddress!, rowCount: rowCount, into: &predicted, instructionSet: instructionSet,
                                       narrowGathers: narrow, evaluationsPerSlice: treesPerSlice * rowCount)
                    }
                    #expect(predicted == walked, "rows \(rowCount), instruction set \(instructionSet), narrow \(narrow), \(treesPerSlice) trees a slice")
                }
            }
        }
    }

    /// One raw score a row (regression, binary classification): the SIMD kernels keep each row's sum in
    /// a register and walk two rows at once, with the rows' keys held in registers up to 32 features and
    /// gathered past that. Every instruction set still adds in tree order, as the plain walk does, for
    /// float64 and float32 sums, an odd row left over, tree counts on both sides of a walk's 64 and 128
    /// lanes, trees walked a fixed number of rounds and deeper ones walked until no lane moves.
    @Test(arguments: [(20, 200, 10), (32, 129, 9), (33, 70, 14), (40, 1, 6), (13, 128, 13)])
    func oneOutputSumsInTreeOrder(featureCount: Int, treeCount: Int, depth: Int) {
        var random = SeededGenerator(seed: UInt64(featureCount * 1000 + treeCount))
        let trees = (0..<treeCount).map { _ in
            var tree = Self.randomTree(depth: depth, featureCount: featureCount, width: 1, &random)
            tree.value = tree.value.map { $0 * 3.3333333333 }
            return tree
        }
        for accumulation in [TreeEnsemble.Accumulation.float64, .float32] {
            var ensemble = TreeEnsemble(estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true,
                                        base: [0.1], trees: trees)
            ensemble.accumulation = accumulation
            let forest = InterleavedForest(ensemble, trees: trees)
            #expect(!forest.packed.isEmpty)
            let walk = TreeWalk(ensemble)
            for rowCount in [1, 2, 3, 5] {
                let rows = Self.rows(rowCount, featureCount: featureCount, missing: true, &random).map { Double(Float($0)) }
                var walked = [Double](repeating: 0, count: rowCount)
                rows.withUnsafeBufferPointer { walk.raw($0.baseAddress!, rowCount: rowCount, into: &walked) }
                for (instructionSet, narrow) in Self.walks {
                    var predicted = [Double](repeating: 0, count: rowCount)
                    rows.withUnsafeBufferPointer { forest.predict($0.baseAddress!, rowCount: rowCount, into: &predicted, instructionSet: instructionSet, narrowGathers: narrow) }
                    #expect(predicted == walked, "\(accumulation), rows \(rowCount), instruction set \(instructionSet), narrow \(narrow)")
                }
            }
        }
    }

    /// Forest classifiers at many rows (deep trees, class fractions added a group of trees at a time):
    /// every instruction set adds each row's leaves in tree order, as the plain walk does, bit for bit,
    /// across the kernels' chunk of 4096 rows, with a group of trees left over and a forest of one tree.
    @Test(arguments: [(45, 18, 10), (1, 22, 3), (9, 13, 2), (1, 18, 10)])  // 45: two groups of 20 trees, then 5
    func deepForestClassifiersSumInTreeOrder(treeCount: Int, depth: Int, classes: Int) {
        var random = SeededGenerator(seed: UInt64(treeCount * 31 + depth))
        let featureCount = 9
        let trees = (0..<treeCount).map { _ in
            var tree = Self.randomTree(depth: depth, featureCount: featureCount, width: classes, &random)
            tree.value = tree.value.map { $0 * 0.0333333333 }
            return tree
        }
        let ensemble = TreeEnsemble(
            estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true, outputCount: classes,
            base: [Double](repeating: 0, count: classes), averaged: true, trees: trees, treeOutput: [Int](repeating: 0, count: treeCount))
        let forest = InterleavedForest(ensemble, trees: trees)
        #expect(!forest.packed.isEmpty)
        Self.expectEveryInstructionSetWalks(forest, ensemble, rowCounts: [255, 256, 1000, 4096 + 300],
                                            featureCount: featureCount, outputs: classes, missing: true, &random)
    }

    /// A lone tree's AVX-512 walk reads the rows' values and makes each key as it goes: a value between
    /// two Floats is decided as its Float (rounded to nearest, ties to even), −0 as +0 and NaN as missing,
    /// exactly as the keys every other walk reads, for a full chunk of rows and the rows after it; each
    /// row's class values are added to the base.
    @Test func loneTreeDecidesValuesAsTheirFloats() {
        var random = SeededGenerator(seed: 1515)
        let featureCount = 9, classes = 3
        var tree = Self.randomTree(depth: 22, featureCount: featureCount, width: classes, &random)
        tree.value = tree.value.map { $0 * 0.0333333333 }
        let ensemble = TreeEnsemble(
            estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true, outputCount: classes,
            base: [0.25, -0.5, 1], averaged: true, trees: [tree], treeOutput: [0])
        let forest = InterleavedForest(ensemble, trees: [tree])
        // Values on the thresholds' 1/64 grid and a little off it: rounding onto it, onto the Floats
        // next to it (a truncating or flooring conversion would miss those), and further off; −0 and NaN.
        let rows = (0..<((4096 + 300) * featureCount)).map { _ -> Double in
            let pick = Double.random(in: 0..<1, using: &random)
            if pick < 0.05 { return .nan }
            if pick < 0.1 { return -0.0 }
            let grid = (Double.random(in: -2.5...2.5, using: &random) * 64).rounded() / 64
            let near = [grid, grid + 1e-12, grid - 1e-12, Double(Float(grid).nextUp) - 1e-12,
                        Double(Float(grid).nextDown) + 1e-12, grid + 1e-6, grid - 1e-6]
            return near.randomElement(using: &random)!
        }
        let rowCount = rows.count / featureCount
        var expected = [Double](repeating: 0, count: rowCount * classes)
        rows.map { Double(Float($0)) }.withUnsafeBufferPointer {
            forest.predict($0.baseAddress!, rowCount: rowCount, into: &expected, instructionSet: 0)
        }
        for (instructionSet, narrow) in Self.walks {
            var predicted = [Double](repeating: 0, count: rowCount * classes)
            rows.withUnsafeBufferPointer { forest.predict($0.baseAddress!, rowCount: rowCount, into: &predicted, instructionSet: instructionSet, narrowGathers: narrow) }
            #expect(predicted == expected, "instruction set \(instructionSet), narrow \(narrow)")
        }
    }

    /// A small lone tree (33 to 63 nodes: its idle leaf, where unused lanes wait, lies within the 64 nodes
    /// the walk holds in registers) at row counts that leave lanes idle: every instruction set predicts
    /// what the plain walk does, and the idle lanes stay at their leaf.
    @Test func smallLoneTreeWithIdleLanes() {
        var random = SeededGenerator(seed: 151)
        let featureCount = 4, classes = 3
        // Deep and lopsided (grown depth first until its 20 leaves are used up), as a lone ExtraTreeClassifier
        // on iris is: lanes then walk past the levels held in registers.
        func make() -> DecisionTree {
            RandomTree.make(depth: 20, featureCount: featureCount, width: classes, leaves: 20, fullLevels: 1, splitChance: 0.7, &random)
        }
        var tree = make()
        for _ in 0..<1000 where !(33..<64).contains(tree.nodeCount) || tree.depth < 9 { tree = make() }
        #expect((33..<64).contains(tree.nodeCount) && tree.depth >= 9)
        let ensemble = TreeEnsemble(
            estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true, outputCount: classes,
            base: [Double](repeating: 0, count: classes), averaged: true, trees: [tree], treeOutput: [0])
        let forest = InterleavedForest(ensemble, trees: [tree])
        Self.expectEveryInstructionSetWalks(forest, ensemble, rowCounts: [17, 151, 300], featureCount: featureCount,
                                            outputs: classes, missing: true, &random)
    }

    /// Pure leaves (one class's fraction 1, as a fully grown classifier's leaves mostly are) share one
    /// row of `rowValues` per class, whatever the number of leaves, and a forest classifier's many-rows
    /// additions read them from there: every instruction set still predicts what the plain walk does.
    /// Rows of 9 to 16 classes are padded to 16 values (each starts a cache line).
    @Test(arguments: [4, 10]) func pureLeavesShareOneRowPerClass(classes: Int) {
        var random = SeededGenerator(seed: 14)
        let featureCount = 7, treeCount = 21
        let trees = (0..<treeCount).map { _ in
            var tree = Self.randomTree(depth: 16, featureCount: featureCount, width: classes, &random)
            for node in 0..<tree.nodeCount {
                let winner = Int.random(in: 0..<classes, using: &random)
                for c in 0..<classes { tree.value[node * classes + c] = c == winner ? 1 : 0 }
            }
            return tree
        }
        let ensemble = TreeEnsemble(
            estimator: "test", featureCount: featureCount, featureNames: nil, acceptsMissing: true, outputCount: classes,
            base: [Double](repeating: 0, count: classes), averaged: true, trees: trees, treeOutput: [Int](repeating: 0, count: treeCount))
        let forest = InterleavedForest(ensemble, trees: trees)
        let leafCount = forest.nodes.indices.filter { forest.nodes[$0][2] == Int32($0) }.count
        #expect(leafCount > 100 * classes)
        #expect(forest.rowStride == (classes > 8 ? 16 : classes))
        // A placeholder row, then a row per class (after the shift that aligns padded rows, at most 7).
        #expect((forest.rowValues.count - forest.rowShift) / forest.rowStride <= classes + 1)
        // Every leaf's row holds its values (padding slots, feature −1, hold no leaf).
        for (node, row) in forest.valueRow.enumerated()
        where forest.nodes[node][2] == Int32(node) && forest.nodes[node][0] >= 0 && node != Int(forest.idle) {
            let own = Array(forest.values[(node * classes)..<((node + 1) * classes)])
            let start = forest.rowShift + Int(row) * forest.rowStride
            #expect(Array(forest.rowValues[start..<(start + classes)]) == own)
        }
        Self.expectEveryInstructionSetWalks(forest, ensemble, rowCounts: [300, 4096 + 17], featureCount: featureCount,
                                            outputs: classes, missing: true, &random)
    }

    /// The layout's order (`chunkedOrder`): every node once, children after their parent, the first
    /// `breadthFirstLevels` levels breadth first from the tree's first slot (AVX-512's walks of one tree hold
    /// nodes of depth 0–4 among its first 32 records, depth 5 among its first 64), and below them the
    /// root-to-leaf paths read under 0.7 cache lines a level on average (breadth first: about one), for a few
    /// padding slots; node 0's record is 64-byte aligned.
    @Test(arguments: [0, 3, 5]) func chunksHoldStretchesOfPathsALine(start: Int) {
        var random = SeededGenerator(seed: UInt64(40 + start))
        let lines = InterleavedForest.chunkRecords, top = InterleavedForest.breadthFirstLevels
        for tree in (0..<8).map({ _ in RandomTree.make(depth: 14, featureCount: 4, fullLevels: 8, splitChance: 0.8, &random) }) {
            let order = InterleavedForest.chunkedOrder(tree, start: start)
            #expect(order.filter { $0 >= 0 }.sorted() == Array(0..<tree.nodeCount))
            #expect(order.count - tree.nodeCount < tree.nodeCount / 100 + lines)
            var place = [Int](repeating: -1, count: tree.nodeCount), depth = [Int](repeating: 0, count: tree.nodeCount)
            for (i, node) in order.enumerated() where node >= 0 { place[node] = i }
            var stack = [(0, [0])]
            var levels = 0, touched = 0
            while let (node, path) = stack.popLast() {
                if tree.isLeaf(node) {
                    let below = path.filter { depth[$0] >= top }
                    levels += below.count
                    touched += Set(below.map { (start + place[$0]) / lines }).count
                    continue
                }
                let (left, right) = (tree.childrenLeft[node], tree.childrenRight[node])
                #expect(place[right] == place[left] + 1 && place[left] > place[node])
                depth[left] = depth[node] + 1
                depth[right] = depth[node] + 1
                if depth[left] <= 4 { #expect(place[left] < 32 && place[right] < 32) }
                if depth[left] == 5 { #expect(place[right] < 64) }
                stack += [(left, path + [left]), (right, path + [right])]
            }
            #expect(levels > 500 && Double(touched) < 0.7 * Double(levels), "\(touched) lines for \(levels) levels")
        }
        let trees = (0..<3).map { _ in RandomTree.make(depth: 15, featureCount: 4, fullLevels: 6, splitChance: 0.8, &random) }
        let forest = InterleavedForest(TreeEnsemble(estimator: "test", featureCount: 4, featureNames: nil, base: [0], trees: trees), trees: trees)
        forest.packed.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress! + 2 * forest.packedShift) % 64 == 0) }
    }

    /// Siblings sit side by side in the layout (the SIMD walk computes the right child as left + 1).
    @Test func rightChildFollowsLeftChild() {
        var random = SeededGenerator(seed: 7)
        let trees = (0..<5).map { _ in Self.randomTree(depth: 10, featureCount: 3, width: 1, &random) }
        let forest = InterleavedForest(TreeEnsemble(estimator: "test", featureCount: 3, featureNames: nil, base: [0], trees: trees), trees: trees)
        for node in forest.nodes where node[1] != Int32.max { #expect(node[3] == node[2] + 1) }
        #expect(forest.nodes[Int(forest.idle)] == SIMD4(0, Int32.max, forest.idle, forest.idle))
    }
}
