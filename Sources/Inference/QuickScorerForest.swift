import CTreeKernels

/// Trees of at most 64 leaves (gradient boosting's, histogram boosting's, XGBoost's) laid out for
/// QuickScorer's batch walk (Lucchese et al., SIGIR 2015), 64 rows at a time on AVX-512 CPUs:
/// `ctk_quickscorer_add` (CTreeKernels) explains the walk; this type builds its arrays.
///
/// Why: a walk per row and tree is a chain of dependent loads, and a SIMD walk of many rows waits
/// on gathers; here every split is one byte compare for 64 rows and nothing depends on anything
/// but the row's bins, whatever the trees' shape. It handles every raw score at once, missing values
/// (a split's `missingGoesLeft`) and float32 sums (XGBoost's), so no row is walked elsewhere.
///
/// Exactness: thresholds are `ThresholdTable` keys (the threshold rounded down to Float, which decides
/// every Float input as `Double(Float(x)) <= threshold` does; float64 models come rank-encoded); leaf
/// values are multiplied by the learning rate as scikit-learn does (or are XGBoost's Floats) and added
/// to each row's sums tree by tree, in order.
final class QuickScorerForest: Sendable {
    static let maxLeaves = 64
    /// From this many rows on `EnsemblePredictor` predicts with this layout: a block of 64 rows costs
    /// nearly as much as a full one, and the few-rows layouts win below.
    static let minimumRows = 16

    let featureCount: Int
    let outputCount: Int
    let treeCount: Int
    let float32Sums: Bool
    let routesMissing: Bool
    let base: [Double]
    /// Per raw score: the divisor of its sum (its tree count) for averaged ensembles, nil otherwise.
    let divisors: [Double]?
    let table: ThresholdTable
    /// The table's index arrays as the kernel reads them (Int32).
    let featureStart: [Int32]
    let featureKeyCount: [Int32]
    let featureSegmentStart: [Int32]
    let segmentStart: [Int32]
    let segmentKeyCount: [Int32]
    /// 4 Int32 per split and group of 8 leaves its left subtree's leaves fall in (see CTreeKernels.h),
    /// tree by tree, group by group.
    let nodes: [Int32]
    /// Per tree, its first group (and the count at the end); per group, where its records end.
    let treeGroupStart: [Int32]
    let groupNodeEnd: [Int32]
    let treeLeafCount: [Int32]
    let treeValueStart: [Int32]
    let treeOutput: [Int32]
    /// Leaf values left to right, each tree's padded to a multiple of 16 (32 for `values32`), as the
    /// kernel loads 16 (32) at once. Only the one the sums use is filled.
    let values: [Double]
    let values32: [Float]
    /// Per feature with 17...127 keys, its keys in search-tree order (see CTreeKernels.h), which the
    /// kernel holds in registers to count a row's keys below it without gathers; where each starts.
    let searchKeys: [Int32]
    let searchStart: [Int32]
    static let searchKeysPerFeature = 128
    /// The kernel's `SEARCH_TREE_FROM` (QuickScorer.c): up to this many keys are counted one compare each.
    static let searchTreeFrom = 16

    /// nil unless the kernel runs on this CPU and every tree has at most 64 leaves, one value each,
    /// and numeric splits only. `trees` are the ensemble's, rank-encoded for float64 models.
    init?(_ ensemble: TreeEnsemble, trees: [DecisionTree]) {
        guard InterleavedForest.bestInstructionSet >= 2, !trees.isEmpty,
              trees.allSatisfy({ $0.valueWidth == 1 && !$0.hasSpecialSplits && $0.leafCount <= Self.maxLeaves })
        else { return nil }
        featureCount = ensemble.featureCount
        outputCount = ensemble.outputCount
        treeCount = trees.count
        let float32Sums = ensemble.accumulation == .float32
        self.float32Sums = float32Sums
        base = float32Sums ? ensemble.base.map { Double(Float($0)) } : ensemble.base
        divisors = ensemble.averaged ? (0..<outputCount).map { k in Double(ensemble.treeOutput.filter { $0 == k }.count) } : nil
        treeOutput = ensemble.treeOutput.map { Int32($0) }
        let table = ThresholdTable(trees: trees, featureCount: featureCount)
        self.table = table
        featureStart = table.featureStart.map { Int32($0) }
        (searchKeys, searchStart) = Self.searchTrees(table)
        featureKeyCount = table.featureKeyCount.map { Int32($0) }
        featureSegmentStart = table.featureSegmentStart.map { Int32($0) }
        segmentStart = table.segmentStart.map { Int32($0) }
        segmentKeyCount = table.segmentKeyCount.map { Int32($0) }
        let padding = float32Sums ? 32 : 16, featureCount = ensemble.featureCount
        var nodes = [Int32](), groupStart: [Int32] = [0], groupEnd = [Int32](), leafCounts = [Int32](), valueStart = [Int32]()
        var values = [Double](), values32 = [Float]()
        var routesMissing = false
        for tree in trees {
            var leaves = [Double]()
            var groups = [[Int32]](repeating: [], count: Self.maxLeaves / 8)
            // Numbers the leaves left to right; returns the range of the subtree's leaves.
            func visit(_ node: Int) -> Range<Int> {
                if tree.isLeaf(node) {
                    leaves.append(float32Sums ? Double(Float(tree.value[node])) : ensemble.leafScale.map { $0 * tree.value[node] } ?? tree.value[node])
                    return leaves.count - 1 ..< leaves.count
                }
                let left = visit(tree.childrenLeft[node]), right = visit(tree.childrenRight[node])
                let id = table.id(feature: tree.feature[node], threshold: tree.threshold[node])
                let (segment, rank) = table.segment(ofKey: id)
                let missingLeft = ensemble.acceptsMissing && tree.missingGoesLeft[node]
                routesMissing = routesMissing || missingLeft
                for group in left.lowerBound / 8 ... (left.upperBound - 1) / 8 {
                    let bits = Self.bits(max(left.lowerBound, 8 * group) - 8 * group ... min(left.upperBound, 8 * group + 8) - 1 - 8 * group)
                    groups[group] += [Int32(segment * 128), Self.splat((rank + 1) ^ 0x80), Int32((missingLeft ? tree.feature[node] : featureCount) * 128), Self.splat(bits)]
                }
                return left.lowerBound ..< right.upperBound
            }
            _ = visit(0)
            for group in 0 ..< (leaves.count + 7) / 8 {
                nodes += groups[group]
                groupEnd.append(Int32(nodes.count / 4))
            }
            groupStart.append(Int32(groupEnd.count))
            leafCounts.append(Int32(leaves.count))
            valueStart.append(Int32(float32Sums ? values32.count : values.count))
            let padded = (leaves.count + padding - 1) / padding * padding
            if float32Sums {
                values32 += leaves.map { Float($0) } + repeatElement(0, count: padded - leaves.count)
            } else {
                values += leaves + repeatElement(0, count: padded - leaves.count)
            }
        }
        self.nodes = nodes
        treeGroupStart = groupStart
        groupNodeEnd = groupEnd
        treeLeafCount = leafCounts
        treeValueStart = valueStart
        self.values = values
        self.values32 = values32
        self.routesMissing = routesMissing
    }

    /// The keys of each feature with 17...127 of them as the levels of a complete search tree: level s's
    /// k-th key is the sorted one at (2k + 1) · 2^(L−s) − 1, stored at 2^(s−1) + k; and where each
    /// feature's tree starts (0 for the others, which the kernel does not read).
    static func searchTrees(_ table: ThresholdTable) -> (keys: [Int32], start: [Int32]) {
        let width = searchKeysPerFeature
        var keys = [Int32](), start = [Int32](repeating: 0, count: table.featureCount)
        for f in 0..<table.featureCount where table.featureKeyCount[f] > searchTreeFrom && table.featureKeyCount[f] < width {
            start[f] = Int32(keys.count)
            var tree = [Int32](repeating: Int32.max, count: width)
            let n = table.featureKeyCount[f], levels = Int.bitWidth - n.leadingZeroBitCount
            for s in stride(from: 1, through: levels, by: 1) {
                for k in 0..<(1 << (s - 1)) {
                    let position = (2 * k + 1) << (levels - s) - 1
                    if position < n { tree[(1 << (s - 1)) + k] = table.keys[table.featureStart[f] + position] }
                }
            }
            keys += tree
        }
        return (keys, start)
    }

    /// The byte with bits `places` set.
    static func bits(_ places: ClosedRange<Int>) -> Int { places.reduce(0) { $0 | 1 << $1 } }

    /// A byte repeated in the 4 bytes of an Int32 (the kernel broadcasts it to 64).
    static func splat(_ byte: Int) -> Int32 { Int32(bitPattern: UInt32(byte) &* 0x0101_0101) }

    /// Reads `rowCount * featureCount` Doubles at `rows` (rank-encoded for float64 models), writes
    /// `rowCount * outputCount` raw scores, row-major, at `out`. The pointers are borrowed for the call.
    func predict(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        guard rowCount > 0 else { return }
        for r in 0..<rowCount {
            for k in 0..<outputCount { out[r * outputCount + k] = base[k] }
        }
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: rowCount * featureCount) { keys in
            ctk_input_keys(rows, Int64(rowCount * featureCount), keys.baseAddress!)
            withKernelForest { forest in
                let bytes = Int(ctk_quickscorer_scratch_bytes(&forest, Int64(rowCount)))
                withUnsafeTemporaryAllocation(byteCount: bytes, alignment: 64) { scratch in
                    ctk_quickscorer_add(&forest, keys.baseAddress!, Int64(rowCount), out, scratch.baseAddress!)
                }
            }
        }
        if let divisors {
            for r in 0..<rowCount {
                for k in 0..<outputCount { out[r * outputCount + k] /= divisors[k] }
            }
        }
    }

    /// The kernel's view of this forest: pointers into this object's arrays, valid inside `body` only.
    private func withKernelForest(_ body: (inout ctk_quickscorer) -> Void) {
        table.keys.withUnsafeBufferPointer { keys in
        self.featureStart.withUnsafeBufferPointer { featureStart in
        self.featureKeyCount.withUnsafeBufferPointer { featureKeyCount in
        self.featureSegmentStart.withUnsafeBufferPointer { featureSegmentStart in
        self.segmentStart.withUnsafeBufferPointer { segmentStart in
        self.segmentKeyCount.withUnsafeBufferPointer { segmentKeyCount in
        nodes.withUnsafeBufferPointer { nodes in
        treeGroupStart.withUnsafeBufferPointer { groupStart in
        groupNodeEnd.withUnsafeBufferPointer { groupEnd in
        treeLeafCount.withUnsafeBufferPointer { leafCount in
        treeValueStart.withUnsafeBufferPointer { valueStart in
        treeOutput.withUnsafeBufferPointer { output in
        values.withUnsafeBufferPointer { values in
        values32.withUnsafeBufferPointer { values32 in
        searchKeys.withUnsafeBufferPointer { searchKeys in
        searchStart.withUnsafeBufferPointer { searchStart in
            var forest = ctk_quickscorer(
                tableKeys: keys.baseAddress, featureStart: featureStart.baseAddress, featureKeyCount: featureKeyCount.baseAddress,
                featureSegmentStart: featureSegmentStart.baseAddress, segmentStart: segmentStart.baseAddress,
                segmentKeyCount: segmentKeyCount.baseAddress, nodes: nodes.baseAddress, treeGroupStart: groupStart.baseAddress, groupNodeEnd: groupEnd.baseAddress,
                treeLeafCount: leafCount.baseAddress, treeValueStart: valueStart.baseAddress, treeOutput: output.baseAddress,
                values: values.baseAddress, values32: values32.baseAddress, searchKeys: searchKeys.baseAddress,
                searchStart: searchStart.baseAddress,
                segmentCount: Int64(table.segmentCount),
                treeCount: Int64(treeCount), featureCount: Int64(featureCount), outputCount: Int64(outputCount),
                float32Sums: float32Sums ? 1 : 0, routesMissing: routesMissing ? 1 : 0)
            body(&forest)
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
    }
}
