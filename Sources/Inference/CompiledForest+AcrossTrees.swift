import CTreeKernels

/// The complete layout of trees at most 4 deep, turned position-major for the AVX-512 kernel that
/// evaluates 16 trees of one row at once (`ctk_shallow_add`): a few rows' path on such forests (the
/// reference model's). Built only where the kernel runs: an AVX-512 CPU, at most 32 features.
struct AcrossTrees: Sendable {
    static let maxFeatures = 32
    let depth: Int
    let treeStride: Int
    /// Per heap position p, per tree t (padded to `treeStride`): [p * treeStride + t].
    let feature: [Int32]
    let threshold: [Int32]
    /// Per heap position: the leaves (bits, left to right) outside its left subtree.
    let keptWhenRight: [Int32]

    /// nil unless the kernel can run on this CPU for this forest.
    init?(depth: Int, treeCount: Int, featureCount: Int, nodeFeature: [Int32], nodeThreshold: [Int32]) {
        guard InterleavedForest.bestInstructionSet >= 2, depth >= 1, depth <= ShallowForest.maxDepth,
              featureCount <= Self.maxFeatures, treeCount > 0 else { return nil }
        let positions = (1 << depth) - 1
        self.depth = depth
        treeStride = (treeCount + 15) / 16 * 16
        var feature = [Int32](repeating: 0, count: positions * treeStride)
        var threshold = [Int32](repeating: 0, count: positions * treeStride)
        for t in 0..<treeCount {
            for p in 0..<positions {
                feature[p * treeStride + t] = nodeFeature[t * positions + p]
                threshold[p * treeStride + t] = nodeThreshold[t * positions + p]
            }
        }
        self.feature = feature
        self.threshold = threshold
        // A position's left subtree: the first half of the leaves under it.
        keptWhenRight = (0..<positions).map { p in
            let under = CompleteTree.leaves(under: p, depth: depth)
            return ~Int32(((1 << (under.count / 2)) - 1) << under.lowerBound)
        }
    }

    /// Adds every tree's leaf value (`values`: the complete layout's leaves) in tree order to `acc[r]`
    /// for `count` rows of keys. The pointers are borrowed for the call.
    func add(_ keys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>, values: [Double],
             treeCount: Int, featureCount: Int) {
        feature.withUnsafeBufferPointer { features in
        threshold.withUnsafeBufferPointer { thresholds in
        values.withUnsafeBufferPointer { leaves in
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * treeStride) { scratch in
            var forest = ctk_shallow()
            forest.feature = features.baseAddress
            forest.threshold = thresholds.baseAddress
            forest.values = leaves.baseAddress
            forest.depth = Int32(depth)
            forest.treeCount = Int64(treeCount)
            forest.treeStride = Int64(treeStride)
            forest.featureCount = Int64(featureCount)
            // A C array imports as a tuple: fill it through its bytes.
            withUnsafeMutableBytes(of: &forest.keptWhenRight) { kept in
                for (p, bits) in keptWhenRight.enumerated() { kept.storeBytes(of: bits, toByteOffset: 4 * p, as: Int32.self) }
            }
            ctk_shallow_add(&forest, keys, Int64(count), acc, scratch.baseAddress!)
        }
        }
        }
        }
    }
}
