import Testing
@testable import Inference

@Suite struct CompleteTreeTests {
    /// Heap positions number a complete tree level by level; the leaves under a position are the
    /// contiguous run its subtree covers at the bottom level.
    @Test func leavesUnderAPositionAreItsSubtreesRun() {
        #expect(CompleteTree.leaves(under: 0, depth: 3) == 0..<8)
        #expect(CompleteTree.leaves(under: 1, depth: 3) == 0..<4)
        #expect(CompleteTree.leaves(under: 2, depth: 3) == 4..<8)
        #expect(CompleteTree.leaves(under: 5, depth: 3) == 4..<6)
        #expect(CompleteTree.leaves(under: 6, depth: 3) == 6..<8)
        // A leaf position is itself (positions 7 ..< 15 at depth 3).
        #expect(CompleteTree.leaves(under: 7, depth: 3) == 0..<1)
        #expect(CompleteTree.leaves(under: 14, depth: 3) == 7..<8)
        #expect(CompleteTree.leaves(under: 0, depth: 0) == 0..<1)
    }

    /// A leaf above the layout's depth fills its padded subtree: no node at the padding positions, and
    /// every leaf position below it holds it.
    @Test func aShallowLeafFillsItsPaddedSubtree() {
        // Root (node 0) splits: left is leaf 1; right (node 2) splits into leaves 3 and 4.
        let tree = DecisionTree(childrenLeft: [1, -1, 3, -1, -1], childrenRight: [2, -1, 4, -1, -1],
                                feature: [0, -2, 1, -2, -2], threshold: [0.5, -2, 2.0, -2, -2], value: [0, 1, 0, 2, 3])
        let two = tree.complete(depth: 2)
        #expect(two.internalNodes == [0, nil, 2])
        #expect(two.leaves == [1, 1, 3, 4])
        let three = tree.complete(depth: 3)
        #expect(three.internalNodes == [0, nil, 2, nil, nil, nil, nil])
        #expect(three.leaves == [1, 1, 1, 1, 3, 3, 4, 4])
        let lone = DecisionTree(childrenLeft: [-1], childrenRight: [-1], feature: [-2], threshold: [-2], value: [10])
        #expect(lone.complete(depth: 0).leaves == [0])
        #expect(lone.complete(depth: 2).leaves == [0, 0, 0, 0])
        #expect(lone.complete(depth: 2).internalNodes == [nil, nil, nil])
    }
}
