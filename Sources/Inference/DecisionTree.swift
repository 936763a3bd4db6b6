/// One regression tree in scikit-learn's `tree_` array layout, the form model files carry.
///
/// Node 0 is the root. An internal node sends a row left iff `Double(Float(x[feature])) <= threshold`.
/// A leaf has both children -1 (scikit-learn also sets its feature and threshold to -2); `value` holds
/// every node's mean target, and a leaf's is what the tree predicts.
public struct DecisionTree: Sendable, Equatable {
    public var childrenLeft: [Int]
    public var childrenRight: [Int]
    public var feature: [Int]
    public var threshold: [Double]
    public var value: [Double]

    /// scikit-learn's markers: `TREE_LEAF` for children, `TREE_UNDEFINED` for a leaf's feature/threshold.
    static let leafChild = -1
    static let undefined = -2

    public init(childrenLeft: [Int], childrenRight: [Int], feature: [Int], threshold: [Double], value: [Double]) {
        self.childrenLeft = childrenLeft
        self.childrenRight = childrenRight
        self.feature = feature
        self.threshold = threshold
        self.value = value
    }

    public var nodeCount: Int { value.count }

    @inline(__always)
    func isLeaf(_ node: Int) -> Bool { childrenLeft[node] == DecisionTree.leafChild }

    /// Depth of the deepest leaf (a lone root leaf has depth 0). Assumes a valid tree.
    var depth: Int {
        var deepest = 0
        var stack = [(node: 0, depth: 0)]
        while let (node, depth) = stack.popLast() {
            if isLeaf(node) {
                deepest = max(deepest, depth)
            } else {
                stack.append((childrenLeft[node], depth + 1))
                stack.append((childrenRight[node], depth + 1))
            }
        }
        return deepest
    }
}
