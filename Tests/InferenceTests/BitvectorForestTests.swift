import Testing
@testable import Inference

@Suite struct BitvectorForestTests {
    /// The de Bruijn multiply gives each of the 16 leaf positions its own code.
    @Test func leafCodesAreDistinct() {
        let codes = (0..<16).map(BitvectorForest.code(ofLeaf:))
        #expect(Set(codes).count == 16 && codes.allSatisfy { (0..<16).contains($0) })
    }

    /// Position s of a complete depth-4 tree masks exactly the leaves of its left subtree.
    @Test func leftMasksCoverLeftSubtrees() throws {
        let forest = try #require(BitvectorForest(trees: [Self.stump], featureCount: 1, leafScale: nil))
        #expect(forest.leftMask[0][0] == 0x00FF)    // root: leaves 0–7
        #expect(forest.leftMask[2][0] == 0x0F00)    // right child: leaves 8–11
        #expect(forest.leftMask[14][0] == 0x4000)   // last bottom split: leaf 14
    }

    /// Trees deeper than 4 do not fit 16-bit leaf masks: no bitvector layout.
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
        #expect(BitvectorForest(trees: [tree], featureCount: 1, leafScale: nil) == nil)
    }

    static let stump = DecisionTree(childrenLeft: [1, -1, -1], childrenRight: [2, -1, -1], feature: [0, -2, -2],
                                    threshold: [0.5, -2, -2], value: [0, 1, 2])

    /// On random shallow forests with shared and tied thresholds, and inputs at, next to, and far from
    /// them (±0, ±infinity, NaN included), batches give exactly what walking each tree gives.
    @Test(arguments: 0..<8)
    func agreesWithTheTreeWalk(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let cuts: [Double] = [-1.5, -0.0, 0.25, 0.1, 1e-30, 3.0000001, 3, 7.5, 1e30]
        func grow(_ tree: inout DecisionTree, depth: Int) -> Int {
            let node = tree.value.count
            tree.value.append(Double(random.next() % 1000) / 7)
            tree.childrenLeft.append(-1)
            tree.childrenRight.append(-1)
            if depth == 4 || random.next() % 4 == 0 {
                tree.feature.append(-2)
                tree.threshold.append(-2)
                return node
            }
            tree.feature.append(Int(random.next() % 3))
            tree.threshold.append(cuts[Int(random.next() % UInt64(cuts.count))])
            let left = grow(&tree, depth: depth + 1)
            let right = grow(&tree, depth: depth + 1)
            tree.childrenLeft[node] = left
            tree.childrenRight[node] = right
            return node
        }
        var trees = [DecisionTree]()
        for _ in 0..<40 {
            var tree = DecisionTree(childrenLeft: [], childrenRight: [], feature: [], threshold: [], value: [])
            _ = grow(&tree, depth: 0)
            trees.append(tree)
        }
        var inputs: [Double] = [.nan, .infinity, -.infinity, 0, -0.0]
        for cut in cuts {
            let single = Float(cut)
            inputs += [cut, Double(single), Double(single.nextUp), Double(single.nextDown), cut * 2]
        }
        let rowCount = 150
        let rows = (0..<(rowCount * 3)).map { _ in inputs[Int(random.next() % UInt64(inputs.count))] }
        for estimator in [TreeModel.Estimator.gradientBoosting, .randomForest] {
            let scale: Double? = estimator == .gradientBoosting ? 0.1 : nil
            let batched = CompiledForest(trees: trees, featureCount: 3, base: 2.5, leafScale: scale,
                                         averaged: estimator == .randomForest)
            let walked = CompiledForest(trees: trees, featureCount: 3, base: 2.5, leafScale: scale,
                                        averaged: estimator == .randomForest, completeDepthLimit: -1)
            #expect(batched.bitvector != nil && walked.bitvector == nil)
            var a = [Double](repeating: 0, count: rowCount), b = a
            rows.withUnsafeBufferPointer { input in
                a.withUnsafeMutableBufferPointer { batched.predict(input.baseAddress!, rowCount: rowCount, into: $0.baseAddress!) }
                b.withUnsafeMutableBufferPointer { walked.predict(input.baseAddress!, rowCount: rowCount, into: $0.baseAddress!) }
            }
            #expect(a == b)
        }
    }
}

/// A small deterministic generator, so a failing case can be rerun.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
