/// The layouts of forests whose trees are at most 4 deep, like the reference model's 500 trees:
/// a tree walk for a few rows, and bitvectors (16 rows per SIMD instruction) for batches. Both start
/// from a row's answers to the distinct thresholds (`ThresholdTable`), so neither compares values
/// inside the trees.
///
/// Exactness: the tests are scikit-learn's (see `ThresholdTable`); leaf values are multiplied by the
/// learning rate as scikit-learn multiplies them and added to each row's sum tree by tree, in order.
///
/// Walk layout: every tree padded to a complete depth-4 tree and read two levels at a time. The row's
/// decisions at a node and at both its children are read at once (none waits for another) and make a
/// code 4·d0 + 2·d1 + d2 that picks the record of the level-2 node the row reaches; that record's
/// three decisions pick the leaf the same way. The chain of dependent loads through a tree, which is
/// what bounds a walk on this CPU (measured), is two such steps long instead of four.
///
/// Bitvector layout, after QuickScorer (Lucchese et al., SIGIR 2015), on complete depth-4 positions:
/// a row's value is replaced by its bin in each `ThresholdTable` segment, so a node's test is
/// `bin > rank` on 8-bit lanes. The root's test picks a half of the 16 leaves; each other node whose
/// test sends a row right excludes the leaves of its left subtree from its half (an 8-bit mask).
/// The leaf reached is the leftmost one of the picked half not excluded: every leaf left of it is in
/// the left subtree of a node on the path that went right, and no node excludes it.
struct ShallowForest: Sendable {
    static let maxDepth = 4

    let featureCount: Int
    let treeCount: Int
    let table: ThresholdTable

    /// The deepest tree's depth (0 when no tree splits: then every row's sum is the same).
    let depth: Int

    // Walk layout.
    /// Per tree, 9 records of 4 UInt16 (`walkRecordSize` in all; 8 bytes, so a record's address is
    /// one x86 addressing mode). Record 0: the root and its two children (as 4 · threshold id + place,
    /// see the walk). Record 1 + c, for each code c = 4·d0 + 2·d1 + d2 of those three decisions: the
    /// level-2 node they lead to and its two children, then where that node's 8 entries start in `walkLeaf`.
    let walkNode: [UInt16]
    /// Per tree, 32 leaf values (times the learning rate): for level-2 node q (0...3), at q · 8 + c for
    /// each code c of its three decisions, the leaf they lead to.
    let walkLeaf: [Double]

    // Bitvector layout (unused when no tree splits).
    /// Splits tree by tree: the root, its left subtree's splits, its right subtree's splits.
    /// Each is `segment << 4 | position` (position 0...14 in a complete depth-4 tree).
    let splitInfo: [Int32]
    /// Per split: its threshold's rank in its segment plus 1 (≤ 255, as a segment holds ≤ 255 keys), in
    /// all 16 lanes, xor 0x80 so that a signed byte comparison orders 0...255 as unsigned.
    let splitRank: [SIMD16<Int8>]
    /// Per tree: where its left subtree's splits end, and where its right subtree's splits end.
    let treeLeftEnd: [Int32]
    let treeEnd: [Int32]
    /// Per position 1...14: the leaves of its left subtree, as bits of its half (leaves 0–7 or 8–15).
    let leftMask: [SIMD16<Int8>]
    /// 16 values a tree, at tree · 16 + `leafCode` of the leaf's position.
    let codedLeaf: [Double]

    static let walkRecordSize = 36

    /// The code of a node's and its two children's decisions, 4·d0 + 2·d1 + d2, picks one of the
    /// node's 4 grandchildren: d0 picks the child, whose decision (d1 or d2) picks its child.
    static func grandchild(_ code: Int) -> Int {
        let d0 = code >> 2, d1 = (code >> 1) & 1, d2 = code & 1
        return 2 * d0 + (d0 == 0 ? d1 : d2)
    }
    /// The walk layout holds 4 · threshold id + 0...2 in a UInt16.
    static let maxKeyCount = 1 << 14

    /// Both layouts index leaves and thresholds with UInt16: at most 4096 trees (16 leaves each)
    /// and 16384 thresholds (4 bytes of decisions each).
    static let maxTreeCount = 4096

    /// nil when a tree is deeper than `maxDepth`, or there are too many trees or thresholds for UInt16 indices.
    init?(trees: [DecisionTree], featureCount: Int, leafScale: Double?) {
        let deepest = trees.map(\.depth).max() ?? 0
        guard deepest <= Self.maxDepth, trees.count <= Self.maxTreeCount else { return nil }
        let table = ThresholdTable(trees: trees, featureCount: featureCount)
        guard table.paddedKeyCount <= Self.maxKeyCount else { return nil }
        let scale: (Double) -> Double = { value in leafScale.map { $0 * value } ?? value }
        self.featureCount = featureCount
        self.treeCount = trees.count
        self.table = table
        self.depth = deepest

        var walkNode = [UInt16](), walkLeaf = [Double]()
        var info = [Int32](), ranks = [SIMD16<Int8>](), leftEnds = [Int32](), ends = [Int32](), codedLeaf = [Double]()
        for tree in trees {
            let (nodes, leaves) = Self.walkRecords(tree, table, scale)
            walkNode += nodes
            walkLeaf += leaves
            let (splits, leftEnd, coded) = Self.bitvectorSplits(tree, table, scale)
            for (i, r) in splits {
                info.append(i)
                ranks.append(r)
            }
            leftEnds.append(Int32(info.count - splits.count + leftEnd))
            ends.append(Int32(info.count))
            codedLeaf += coded
        }
        self.walkNode = walkNode
        self.walkLeaf = walkLeaf
        self.splitInfo = info
        self.splitRank = ranks
        self.treeLeftEnd = leftEnds
        self.treeEnd = ends
        self.codedLeaf = codedLeaf
        // A position's left subtree: the first half of the leaves under it (bits of the low or high byte).
        self.leftMask = (0..<15).map { slot in
            guard slot > 0 else { return SIMD16(repeating: 0) }
            let under = CompleteTree.leaves(under: slot, depth: Self.maxDepth)
            let bits = ((1 << (under.count / 2)) - 1) << (under.lowerBound % 8)
            return SIMD16(repeating: Int8(truncatingIfNeeded: bits))
        }
    }

    /// One tree's `walkRecordSize` entries of `walkNode` and 32 of `walkLeaf`.
    private static func walkRecords(_ tree: DecisionTree, _ table: ThresholdTable,
                                    _ scale: (Double) -> Double) -> (nodes: [UInt16], leaves: [Double]) {
        // The complete depth-4 tree: padding's ids (0) do not matter (`CompleteTree`).
        let complete = tree.complete(depth: maxDepth)
        let heap = complete.internalNodes.map { node in
            node.map { UInt16(table.id(feature: tree.feature[$0], threshold: tree.threshold[$0])) } ?? 0
        }
        let heapLeaf = complete.leaves.map { scale(tree.value[$0]) }
        // A node's entry is 4·id + place: the byte of its decision that weighs it for its place in the code.
        var nodes = [UInt16](repeating: 0, count: walkRecordSize), leaves = [Double](repeating: 0, count: 32)
        nodes[0] = 4 * heap[0]
        nodes[1] = 4 * heap[1] + 1
        nodes[2] = 4 * heap[2] + 2
        for code in 0..<8 {
            let quarter = grandchild(code), node = 3 + quarter
            nodes[4 + 4 * code] = 4 * heap[node]
            nodes[5 + 4 * code] = 4 * heap[2 * node + 1] + 1
            nodes[6 + 4 * code] = 4 * heap[2 * node + 2] + 2
            nodes[7 + 4 * code] = UInt16(quarter * 8)
            for quarter in 0..<4 {
                leaves[quarter * 8 + code] = heapLeaf[4 * quarter + grandchild(code)]
            }
        }
        return (nodes, leaves)
    }

    /// One tree's splits for `splitInfo`/`splitRank` in the order the batch loop takes them (the root,
    /// then the left half's, then the right half's), where the left half's end, and its 16 `codedLeaf` values.
    private static func bitvectorSplits(_ tree: DecisionTree, _ table: ThresholdTable, _ scale: (Double) -> Double)
        -> (splits: [(Int32, SIMD16<Int8>)], leftEnd: Int, coded: [Double]) {
        var halves: [[(node: Int, slot: Int)]] = [[], []]
        var coded = [Double](repeating: 0, count: 16)
        var pending = [(node: 0, slot: 0, half: 0)]
        while let (node, slot, half) = pending.popLast() {
            if tree.isLeaf(node) {
                for position in CompleteTree.leaves(under: slot, depth: maxDepth) { coded[leafCode(position)] = scale(tree.value[node]) }
                continue
            }
            if slot > 0 { halves[half].append((node, slot)) }
            pending.append((tree.childrenRight[node], 2 * slot + 2, slot == 0 ? 1 : half))
            pending.append((tree.childrenLeft[node], 2 * slot + 1, slot == 0 ? 0 : half))
        }
        // A lone leaf has no root test: all 16 leaf positions hold it, so any test will do.
        var splits = [tree.isLeaf(0) ? (0, SIMD16(repeating: 0)) : split(tree, 0, slot: 0, table)]
        splits += halves[0].map { split(tree, $0.node, slot: $0.slot, table) }
        let leftEnd = splits.count
        splits += halves[1].map { split(tree, $0.node, slot: $0.slot, table) }
        return (splits, leftEnd, coded)
    }

    private static func split(_ tree: DecisionTree, _ node: Int, slot: Int, _ table: ThresholdTable) -> (Int32, SIMD16<Int8>) {
        let id = table.id(feature: tree.feature[node], threshold: tree.threshold[node])
        let (segment, rank) = table.segment(ofKey: id)
        return (Int32(segment << 4 | slot), SIMD16(repeating: Int8(bitPattern: UInt8(rank + 1) ^ 0x80)))
    }

    /// The 8-bit de Bruijn sequence 00011101: for a one-hot byte 2^k, (2^k · 0x1D mod 256) >> 5
    /// differs for each k in 0...7, which the batch loop computes with 16-bit multiplies.
    static let deBruijn: UInt16 = 0x1D

    /// Where leaf `position` (0...15) of a complete depth-4 tree is stored: its half times 8, plus the
    /// de Bruijn code of its place in the half.
    static func leafCode(_ position: Int) -> Int {
        let inHalf = UInt16(1) << UInt16(position % 8)
        return position / 8 * 8 + Int(((inHalf &* deBruijn) & 0xFF) >> 5)
    }
}
