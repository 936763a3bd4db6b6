import TestSupport
import Testing
@testable import Inference

@Suite struct ShallowForestTests {
    /// Each half's 8 leaf positions get distinct codes 0...7 from the de Bruijn multiply, offset by the half.
    @Test func leafCodesAreDistinct() {
        let codes = (0..<16).map(ShallowForest.leafCode)
        #expect(Set(codes[0..<8]) == Set(0..<8))
        #expect(Set(codes[8..<16]) == Set(8..<16))
    }

    /// A code 4·d0 + 2·d1 + d2 leads where walking does: d0 picks the child, the child's decision its child.
    @Test func codesPickTheGrandchildTheWalkReaches() {
        for code in 0..<8 {
            let d = [code >> 2, (code >> 1) & 1, code & 1]
            let child = 1 + d[0]              // heap position of the child
            let grandchild = 2 * child + 1 + d[child]  // its child, by its own decision
            #expect(ShallowForest.grandchild(code) == grandchild - 3, "code \(code)")
        }
    }

    /// Position s of a complete depth-4 tree masks the leaves of its left subtree, within its half.
    @Test func leftMasksCoverLeftSubtrees() throws {
        let forest = try #require(ShallowForest(trees: [Self.stump], featureCount: 1, leafScale: nil))
        #expect(UInt8(bitPattern: forest.leftMask[1][0]) == 0x0F)    // leaves 0–3 of the left half
        #expect(UInt8(bitPattern: forest.leftMask[2][0]) == 0x0F)    // leaves 8–11: 0–3 of the right half
        #expect(UInt8(bitPattern: forest.leftMask[4][0]) == 0x30)    // position 4 covers leaves 4–7: its left, 4 and 5
        #expect(UInt8(bitPattern: forest.leftMask[14][0]) == 0x40)   // last bottom split: leaf 14, 7th of the right half
    }

    /// Trees deeper than 4 do not fit: no shallow layout.
    @Test func deepTreesAreRefused() {
        // Splits at even nodes 0…8, each with a leaf on the left and the next split on the right.
        let count = 11
        let isSplit = { (node: Int) in node % 2 == 0 && node < 10 }
        let tree = DecisionTree(childrenLeft: (0..<count).map { isSplit($0) ? $0 + 1 : -1 },
                                childrenRight: (0..<count).map { isSplit($0) ? $0 + 2 : -1 },
                                feature: (0..<count).map { isSplit($0) ? 0 : -2 },
                                threshold: (0..<count).map { isSplit($0) ? Double($0) : -2 },
                                value: (0..<count).map(Double.init))
        #expect(tree.depth == 5)
        #expect(ShallowForest(trees: [tree], featureCount: 1, leafScale: nil) == nil)
    }

    static let stump = DecisionTree(childrenLeft: [1, -1, -1], childrenRight: [2, -1, -1], feature: [0, -2, -2],
                                    threshold: [0.5, -2, -2], value: [0, 1, 2])

    /// Random trees up to 4 deep: unbalanced, lone leaves among them, thresholds drawn from `cuts`.
    static func randomForest(_ random: inout SeededGenerator, trees: Int, features: Int, cuts: [Double]) -> [DecisionTree] {
        func grow(_ tree: inout DecisionTree, depth: Int) -> Int {
            let node = tree.value.count
            tree.value.append(Double(random.next() % 1000) / 7)
            tree.missingGoesLeft.append(false)
            tree.childrenLeft.append(-1)
            tree.childrenRight.append(-1)
            if depth == 4 || random.next() % 5 == 0 {
                tree.feature.append(-2)
                tree.threshold.append(-2)
                return node
            }
            tree.feature.append(Int(random.next() % UInt64(features)))
            tree.threshold.append(cuts[Int(random.next() % UInt64(cuts.count))])
            let left = grow(&tree, depth: depth + 1)
            let right = grow(&tree, depth: depth + 1)
            tree.childrenLeft[node] = left
            tree.childrenRight[node] = right
            return node
        }
        return (0..<trees).map { _ in
            var tree = DecisionTree(childrenLeft: [], childrenRight: [], feature: [], threshold: [], value: [])
            _ = grow(&tree, depth: 0)
            return tree
        }
    }

    /// Predictions of the shallow layout at every batch size in `sizes` — below 20 rows each few-rows path
    /// (byte lanes, 32-bit lanes, the walk, where the CPU has them), passes of 64 from 20 on (or, without
    /// AVX-512, the byte layouts' row lanes for blocks of 32) — compared with the complete layout's (which
    /// compares keys in the trees), row by row, bit for bit.
    static func expectLayoutsAgree(_ trees: [DecisionTree], features: Int, rows: [Double], sizes: [Int]) {
        for estimator in [TreeModel.Estimator.gradientBoosting, .randomForest] {
            let scale: Double? = estimator == .gradientBoosting ? 0.1 : nil
            let shallow = CompiledForest(trees: trees, featureCount: features, base: 2.5, leafScale: scale,
                                         averaged: estimator == .randomForest)
            let complete = CompiledForest(trees: trees, featureCount: features, base: 2.5, leafScale: scale,
                                          averaged: estimator == .randomForest, shallowLayout: false)
            #expect(shallow.shallow != nil && complete.shallow == nil)
            for size in sizes {
                var a = [Double](repeating: .nan, count: size), b = a, across = a, walked = a
                rows.withUnsafeBufferPointer { input in
                    a.withUnsafeMutableBufferPointer { shallow.predict(input.baseAddress!, rowCount: size, into: $0.baseAddress!) }
                    b.withUnsafeMutableBufferPointer { complete.predict(input.baseAddress!, rowCount: size, into: $0.baseAddress!) }
                    across.withUnsafeMutableBufferPointer {
                        shallow.predict(input.baseAddress!, rowCount: size, into: $0.baseAddress!, useBytes: false)
                    }
                    walked.withUnsafeMutableBufferPointer {
                        shallow.predict(input.baseAddress!, rowCount: size, into: $0.baseAddress!, useBytes: false, useAcross: false)
                    }
                }
                // Bit for bit: `==` would take −0 for +0.
                #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "batch of \(size)")
                #expect(across.map(\.bitPattern) == b.map(\.bitPattern), "batch of \(size), 16 trees on 32-bit lanes")
                #expect(walked.map(\.bitPattern) == b.map(\.bitPattern), "batch of \(size), ShallowForest's walk")
            }
        }
    }

    /// Batch sizes on both sides of every block size: the walk's blocks (8 rows), the switch from the
    /// walk to batches (`CompiledForest.minimumBatchRows`), the end of the byte lanes' calls
    /// (`CompiledForest.byteRowsBelow`), a pass (64 rows), and a pass plus a tail just too short, or just
    /// long enough, for a second pass.
    static let batchSizes: [Int] = {
        let walk = ShallowForest.walkBlockRows, least = CompiledForest.minimumBatchRows, pass = ShallowForest.rowsPerPass
        let edges = [walk, 2 * walk, least, CompiledForest.byteRowsBelow, pass, pass + least, 2 * pass]
        return Array(Set([1, 2, 3, 200] + edges.flatMap { [$0 - 1, $0, $0 + 1] })).sorted()
    }()

    /// On random shallow forests with shared and tied thresholds, and inputs at, next to, and far from
    /// them (±0, ±infinity, NaN included), every batch size gives exactly what the complete layout gives.
    @Test(arguments: 0..<6)
    func agreesWithTheCompleteLayout(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed))
        let cuts: [Double] = [-1.5, -0.0, 0.25, 0.1, 1e-30, 3.0000001, 3, 7.5, 1e30, -3.5e38, 3.5e38]
        let trees = Self.randomForest(&random, trees: 40, features: 3, cuts: cuts)
        var inputs: [Double] = [.nan, .infinity, -.infinity, 0, -0.0]
        for cut in cuts {
            let single = Float(cut)
            inputs += [cut, Double(single), Double(single.nextUp), Double(single.nextDown), cut * 2]
        }
        let rows = (0..<(200 * 3)).map { _ in inputs[Int(random.next() % UInt64(inputs.count))] }
        Self.expectLayoutsAgree(trees, features: 3, rows: rows, sizes: Self.batchSizes)
    }

    /// A feature with more distinct thresholds than an 8-bit bin counts is cut into segments of 255,
    /// and still predicts as the complete layout does.
    @Test func manyThresholdsSpanSegments() throws {
        var random = SeededGenerator(seed: 99)
        let cuts = (0..<700).map { Double($0) * 0.37 - 100 }
        let trees = Self.randomForest(&random, trees: 300, features: 2, cuts: cuts)
        let forest = try #require(ShallowForest(trees: trees, featureCount: 2, leafScale: nil))
        #expect(forest.table.segmentCount > 2)
        let rows = (0..<(200 * 2)).map { _ in Double(random.next() % 30000) / 100 - 110 }
        Self.expectLayoutsAgree(trees, features: 2, rows: rows, sizes: [1, 2, 20, 64, 200])
    }

    /// With more features than one AVX-512 register of keys holds (the AVX-512 few-rows path reads
    /// them from two), and with more than it takes (then the walk predicts), layouts still agree.
    @Test(arguments: [17, 32, 33])
    func manyFeatures(features: Int) {
        var random = SeededGenerator(seed: UInt64(features))
        let cuts: [Double] = [-1.5, -0.0, 0.25, 1e-30, 3, 7.5]
        let trees = Self.randomForest(&random, trees: 37, features: features, cuts: cuts)
        let rows = (0..<(30 * features)).map { _ in cuts[Int(random.next() % UInt64(cuts.count))] * (random.next() % 2 == 0 ? 1 : 1.5) }
        Self.expectLayoutsAgree(trees, features: features, rows: rows, sizes: [1, 2, 3, 19, 30])
    }

    /// Forests of lone leaves and of single splits (depths 0 and 1) predict as the complete layout does.
    @Test func degenerateForests() {
        let leaf = DecisionTree(childrenLeft: [-1], childrenRight: [-1], feature: [-2], threshold: [-2], value: [4])
        let rows: [Double] = (0..<100).map { Double($0 % 7) * 0.2 }
        Self.expectLayoutsAgree([leaf, leaf], features: 1, rows: rows, sizes: [1, 2, 9, 21, 100])
        Self.expectLayoutsAgree([leaf, Self.stump, leaf], features: 1, rows: rows, sizes: [1, 2, 9, 21, 100])
    }
}
