/// A second layout of shallow forests (depth ≤ 4, at most 16 leaves a tree) for batches: it tests
/// 8 rows at once per SIMD instruction, after QuickScorer (Lucchese et al., SIGIR 2015).
///
/// Each input is first replaced by its bin, the number of the feature's distinct thresholds below
/// it, so a node's test `x <= threshold` becomes `bin <= rank of the threshold` on 16-bit lanes.
/// A tree starts with no leaf excluded; every node whose test sends a row right excludes the leaves of
/// its left subtree (one 16-bit mask per node position). The leftmost leaf not excluded is the one the
/// row reaches: every leaf left of it lies in the left subtree of a node on its path that went right,
/// and no node excludes it. Its position comes from the lowest clear bit with a de Bruijn multiply;
/// leaf values are stored in that multiply's order, so no lookup table is needed.
/// There are no branches and no dependent loads per node, unlike walking the tree.
struct BitvectorForest: Sendable {
    /// Rows a pass handles: 8 vectors of 8 lanes, which keeps every excluded-leaves vector in a register.
    static let rowsPerPass = 64
    static let vectorsPerPass = 8
    static let leafCount = 16
    /// A 16-bit de Bruijn sequence: for a one-hot b, (b · 0x09AF mod 2¹⁶) >> 12 differs for each bit.
    static let deBruijn: UInt16 = 0x09AF

    let featureCount: Int
    let treeCount: Int
    /// Per feature, its distinct threshold keys ascending: `thresholdKeys[thresholdStart[f]..<thresholdStart[f+1]]`.
    let thresholdKeys: [Int32]
    let thresholdStart: [Int]
    /// Per real split (padding excluded), tree by tree: feature << 4 | position in the complete tree.
    let nodeInfo: [Int32]
    /// Per real split: the threshold's rank among its feature's thresholds, in all 8 lanes.
    let nodeRank: [SIMD8<Int16>]
    /// End of each tree's splits in `nodeInfo`/`nodeRank`.
    let treeNodeEnd: [Int32]
    /// 16 leaf values a tree, at index tree · 16 + de Bruijn code of the leaf's position.
    let leafValue: [Double]
    /// Per position of a complete depth-4 tree: the leaves of its left subtree.
    let leftMask: [SIMD8<UInt16>]

    static func code(ofLeaf position: Int) -> Int {
        Int((UInt16(1) << UInt16(position)) &* deBruijn) >> 12
    }

    /// nil when the trees do not fit: deeper than 4, over 4095 trees (codes are 16-bit), or a
    /// feature with more thresholds than a 16-bit rank holds.
    init?(trees: [DecisionTree], featureCount: Int, leafScale: Double?) {
        guard trees.count < 4096, trees.allSatisfy({ $0.depth <= 4 }) else { return nil }
        var keysByFeature = [Set<Int32>](repeating: [], count: featureCount)
        for tree in trees {
            for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
                keysByFeature[tree.feature[node]].insert(Self.key(tree.threshold[node]))
            }
        }
        guard keysByFeature.allSatisfy({ $0.count < Int(Int16.max) }) else { return nil }
        var keys = [Int32](), starts = [0]
        for set in keysByFeature {
            keys += set.sorted()
            starts.append(keys.count)
        }
        self.featureCount = featureCount
        self.treeCount = trees.count
        self.thresholdKeys = keys
        self.thresholdStart = starts

        var info = [Int32](), ranks = [SIMD8<Int16>](), ends = [Int32]()
        var leaves = [Double](repeating: 0, count: trees.count * Self.leafCount)
        for (t, tree) in trees.enumerated() {
            // (node, position in the complete depth-4 tree, level); leaves above level 4 cover all
            // the leaf positions below them and add no splits.
            var stack = [(node: 0, slot: 0, level: 0)]
            while let (node, slot, level) = stack.popLast() {
                if tree.isLeaf(node) {
                    let span = 1 << (4 - level)
                    let first = (slot + 1) * span - Self.leafCount  // leftmost leaf position below slot
                    let value = leafScale.map { $0 * tree.value[node] } ?? tree.value[node]
                    for position in first..<(first + span) {
                        leaves[t * Self.leafCount + Self.code(ofLeaf: position)] = value
                    }
                    continue
                }
                let feature = tree.feature[node]
                let featureKeys = keys[starts[feature]..<starts[feature + 1]]
                let rank = featureKeys.firstIndex(of: Self.key(tree.threshold[node]))! - starts[feature]
                info.append(Int32(feature << 4 | slot))
                ranks.append(SIMD8(repeating: Int16(rank)))
                stack.append((tree.childrenRight[node], 2 * slot + 2, level + 1))
                stack.append((tree.childrenLeft[node], 2 * slot + 1, level + 1))
            }
            ends.append(Int32(info.count))
        }
        self.nodeInfo = info
        self.nodeRank = ranks
        self.treeNodeEnd = ends
        self.leafValue = leaves

        var masks = [SIMD8<UInt16>]()
        for slot in 0..<15 {
            var level = 0
            while (1 << (level + 1)) - 1 <= slot { level += 1 }
            let span = 1 << (4 - level)  // leaves under this position
            let first = (slot + 1 - (1 << level)) * span
            let left = ((1 << (span / 2)) - 1) << first
            masks.append(SIMD8(repeating: UInt16(left)))
        }
        self.leftMask = masks
    }

    private static func key(_ threshold: Double) -> Int32 {
        CompiledForest.orderKey(CompiledForest.floatRoundedDown(threshold))
    }
}
