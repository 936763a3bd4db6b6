/// A tree laid out complete at a fixed depth D, the layout of every kernel that decides a level's nodes at
/// once (`CompiledForest`'s complete layout, `ShallowForest`'s walk records, `DeepLanes`): heap positions
/// 0 ..< 2^D − 1 for the internal nodes (position p's children at 2p + 1 and 2p + 2), then 2^D leaves,
/// left to right.
///
/// A leaf above depth D fills its padded subtree: the positions below it hold no node, and every leaf
/// position below it holds it. So whichever way a padding position's test sends a row, the row reaches
/// that leaf's value, and the kernels may give padding any test.
struct CompleteTree {
    let depth: Int
    /// Per heap position, the tree's internal node there, or nil for padding.
    let internalNodes: [Int?]
    /// Per leaf position, left to right, the tree's leaf that a row reaching it has reached.
    let leaves: [Int]

    /// The leaf positions under heap position `position` of a complete tree of depth `depth`, left to right.
    static func leaves(under position: Int, depth: Int) -> Range<Int> {
        var level = 0
        while (2 << level) - 1 <= position { level += 1 }
        let span = 1 << (depth - level)
        let first = (position + 1 - (1 << level)) * span
        return first ..< first + span
    }
}

extension DecisionTree {
    /// This tree complete at `depth` (at least its own: an internal node at `depth` or below traps).
    func complete(depth: Int) -> CompleteTree {
        var internalNodes = [Int?](repeating: nil, count: (1 << depth) - 1)
        var leaves = [Int](repeating: 0, count: 1 << depth)
        var stack = [(node: 0, position: 0)]
        while let (node, position) = stack.popLast() {
            if isLeaf(node) {
                for leaf in CompleteTree.leaves(under: position, depth: depth) { leaves[leaf] = node }
                continue
            }
            // Checked here rather than by `self.depth`, which would walk the tree a second time.
            precondition(position < internalNodes.count, "a tree deeper than \(depth)")
            internalNodes[position] = node
            stack.append((childrenLeft[node], 2 * position + 1))
            stack.append((childrenRight[node], 2 * position + 2))
        }
        return CompleteTree(depth: depth, internalNodes: internalNodes, leaves: leaves)
    }
}
