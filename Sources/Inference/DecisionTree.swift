/// One tree in scikit-learn's `tree_` array layout, the form model files carry.
///
/// Node 0 is the root. An internal node sends a row left iff `x[feature] <= threshold` (x cast to
/// Float first for scikit-learn's trees, see `TreeEnsemble.InputPrecision`), and a missing value (NaN)
/// left iff `missingGoesLeft`. A leaf has both children -1 (scikit-learn also sets its feature and
/// threshold to -2); `value` holds `valueWidth` numbers per node (node-major), and a leaf's are what
/// the tree adds: a regression tree's mean target, or a classifier tree's class fractions.
public struct DecisionTree: Sendable, Equatable {
    public var childrenLeft: [Int]
    public var childrenRight: [Int]
    public var feature: [Int]
    public var threshold: [Double]
    public var value: [Double]
    public var missingGoesLeft: [Bool]
    public var valueWidth: Int
    /// Per node, its category set when the split is categorical (gradient-boosting libraries' files);
    /// nil when every split is numeric. See `CategorySplit`.
    public var categorySplits: [CategorySplit?]?
    /// Per node, whether a value within ±`CategorySplit.zeroMargin` of zero is routed as missing
    /// (LightGBM's missing type "Zero"); nil when no node does.
    public var zeroIsMissing: [Bool]?

    /// scikit-learn's markers: `TREE_LEAF` for children, `TREE_UNDEFINED` for a leaf's feature/threshold.
    static let leafChild = -1
    static let undefined = -2

    /// `missingGoesLeft` nil: a missing value goes right everywhere (as `NaN <= threshold` is false).
    public init(childrenLeft: [Int], childrenRight: [Int], feature: [Int], threshold: [Double], value: [Double],
                missingGoesLeft: [Bool]? = nil, valueWidth: Int = 1) {
        self.childrenLeft = childrenLeft
        self.childrenRight = childrenRight
        self.feature = feature
        self.threshold = threshold
        self.value = value
        self.missingGoesLeft = missingGoesLeft ?? [Bool](repeating: false, count: childrenLeft.count)
        self.valueWidth = valueWidth
        self.categorySplits = nil
        self.zeroIsMissing = nil
    }

    /// Whether a split needs more than `x <= threshold` and `missingGoesLeft`: only the walk
    /// (`TreeWalk`) decides these, the compiled layouts do not.
    public var hasSpecialSplits: Bool { categorySplits != nil || zeroIsMissing != nil }

    public var nodeCount: Int { childrenLeft.count }

    /// The number of its leaves (a walk of its nodes).
    var leafCount: Int { (0..<nodeCount).count { isLeaf($0) } }

    /// This tree with one number per node: column `k` of its values.
    func column(_ k: Int) -> DecisionTree {
        guard valueWidth > 1 else { return self }
        let values = (0..<nodeCount).map { value[$0 * valueWidth + k] }
        return DecisionTree(childrenLeft: childrenLeft, childrenRight: childrenRight, feature: feature,
                            threshold: threshold, value: values, missingGoesLeft: missingGoesLeft)
    }

    /// The leaf a row reaches, testing `x[feature] <= threshold` with `x` as given (the caller casts),
    /// and sending NaN by `missingGoesLeft`.
    func leaf(_ row: UnsafePointer<Double>) -> Int {
        var node = 0
        while childrenLeft[node] != Self.leafChild {
            let x = row[feature[node]]
            let left = x.isNaN ? missingGoesLeft[node] : x <= threshold[node]
            node = left ? childrenLeft[node] : childrenRight[node]
        }
        return node
    }

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
