/// The trees of a `TreeModel` laid out for fast, exact prediction: flat arrays, no per-node objects.
///
/// Exactness: scikit-learn casts each input to Float (round to nearest) and goes left iff
/// `Double(x) <= threshold`. A threshold is stored as the largest Float not above it, which decides
/// every Float input the same way, and that Float as its `orderKey`: an Int32 ordered as the Floats
/// are, so a node's test is an integer comparison the compiler turns into branch-free arithmetic
/// (a float comparison it turns into a branch, which mispredicts on half the nodes). Leaf values are
/// added to the row's sum tree by tree in scikit-learn's order, already multiplied by the learning
/// rate as scikit-learn multiplies them, so the sums match bit for bit.
///
/// Shallow trees (depth ≤ `maxCompleteDepth`, e.g. the reference model's depth 4) are padded to complete
/// binary trees of one depth D: node i has children 2i+1 and 2i+2, so descending is D branch-free steps
/// and leaves sit in one array. Deeper trees (random forests) keep scikit-learn's child links.
/// Forests of depth ≤ 4 (the reference model's) are predicted by a `ShallowForest` instead.
///
/// A class, so that copying a `TreeModel` (the server copies it out of a lock for each request)
/// retains one reference rather than each of its thirty arrays.
final class CompiledForest: Sendable {
    static let maxCompleteDepth = 8
    /// Rows handled together: each tree's nodes are read once per block while they are in cache.
    static let blockRows = 64

    let featureCount: Int
    let treeCount: Int
    /// Starting value of every row's sum (gradient boosting's init; 0 for forests and trees).
    let base: Double
    /// Forests divide the sum of their trees by the tree count.
    let averaged: Bool
    /// D for the complete layout, nil for the linked layout.
    let depth: Int?
    /// Per node: feature index. Complete layout: treeCount × (2^D − 1); linked: all nodes, −1 for leaves.
    let nodeFeature: [Int32]
    /// Per node: the `orderKey` of the threshold rounded down to Float.
    let nodeThreshold: [Int32]
    /// Complete layout: treeCount × 2^D leaf values; linked: per node value (used at leaves).
    let leafValue: [Double]
    /// Linked layout only: absolute child indices, and each tree's root.
    let nodeLeft: [Int32]
    let nodeRight: [Int32]
    let roots: [Int32]
    /// The layouts that predict instead, when the trees are shallow enough (depth ≤ 4).
    let shallow: ShallowForest?
    /// The few-rows paths of shallow forests: on byte lanes where the CPU has AVX-512 VBMI, else 16
    /// trees on 32-bit lanes on AVX-512 CPUs (nil elsewhere).
    let bytes: ByteTrees?
    let across: AcrossTrees?

    /// `completeDepthLimit` is the deepest tree padded to a complete layout (tests lower it to reach the
    /// linked one); `shallowLayout: false` keeps shallow forests on the complete layout (tests compare them).
    init(trees: [DecisionTree], featureCount: Int, base: Double, leafScale: Double?, averaged: Bool,
         completeDepthLimit: Int = maxCompleteDepth, shallowLayout: Bool = true) {
        self.featureCount = featureCount
        self.treeCount = trees.count
        self.base = base
        self.averaged = averaged
        let scale: (Double) -> Double = { value in leafScale.map { $0 * value } ?? value }
        let deepest = trees.map(\.depth).max() ?? 0
        shallow = shallowLayout && deepest <= completeDepthLimit ? ShallowForest(trees: trees, featureCount: featureCount, leafScale: leafScale) : nil
        if deepest <= min(completeDepthLimit, Self.maxCompleteDepth) {
            let (features, thresholds, leaves) = Self.completeLayout(trees, depth: deepest, scale: scale)
            depth = deepest
            across = shallow == nil ? nil : AcrossTrees(depth: deepest, treeCount: trees.count, featureCount: featureCount,
                                                        nodeFeature: features, nodeThreshold: thresholds)
            bytes = shallow == nil ? nil : ByteTrees(trees: trees, depth: deepest, featureCount: featureCount,
                                                     nodeFeature: features, nodeThreshold: thresholds, leafValue: leaves)
            nodeFeature = features
            nodeThreshold = thresholds
            leafValue = leaves
            nodeLeft = []
            nodeRight = []
            roots = []
        } else {
            var features = [Int32](), thresholds = [Int32](), values = [Double]()
            var left = [Int32](), right = [Int32](), roots = [Int32]()
            for tree in trees {
                let offset = features.count
                roots.append(Int32(offset))
                for node in 0..<tree.nodeCount {
                    let leaf = tree.isLeaf(node)
                    features.append(leaf ? -1 : Int32(tree.feature[node]))
                    thresholds.append(leaf ? 0 : Self.orderKey(Self.floatRoundedDown(tree.threshold[node])))
                    values.append(scale(tree.value[node]))
                    left.append(leaf ? -1 : Int32(offset + tree.childrenLeft[node]))
                    right.append(leaf ? -1 : Int32(offset + tree.childrenRight[node]))
                }
            }
            depth = nil
            bytes = nil
            across = nil
            nodeFeature = features
            nodeThreshold = thresholds
            leafValue = values
            nodeLeft = left
            nodeRight = right
            self.roots = roots
        }
    }

    /// Trees padded to complete trees of depth `depth` (≥ every tree's, `CompleteTree`): per tree its
    /// 2^depth − 1 nodes' features and threshold keys in heap order (padding's 0 and 0), and its 2^depth
    /// leaf values (after `scale`).
    static func completeLayout(_ trees: [DecisionTree], depth deepest: Int, scale: (Double) -> Double)
        -> (features: [Int32], thresholds: [Int32], leaves: [Double]) {
        let internalCount = (1 << deepest) - 1
        var features = [Int32](repeating: 0, count: trees.count * internalCount)
        var thresholds = [Int32](repeating: 0, count: trees.count * internalCount)
        var leaves = [Double](repeating: 0, count: trees.count << deepest)
        for (t, tree) in trees.enumerated() {
            let complete = tree.complete(depth: deepest)
            for (position, node) in complete.internalNodes.enumerated() {
                guard let node else { continue }
                features[t * internalCount + position] = Int32(tree.feature[node])
                thresholds[t * internalCount + position] = Self.orderKey(Self.floatRoundedDown(tree.threshold[node]))
            }
            for (position, node) in complete.leaves.enumerated() { leaves[t << deepest + position] = scale(tree.value[node]) }
        }
        return (features, thresholds, leaves)
    }

    /// The largest Float that is ≤ `threshold`: for every Float x, `x <= result` iff `Double(x) <= threshold`.
    static func floatRoundedDown(_ threshold: Double) -> Float {
        let nearest = Float(threshold)
        return Double(nearest) > threshold ? nearest.nextDown : nearest
    }

    /// An Int32 whose signed order is the order of the Floats: for non-NaN a and b,
    /// `a <= b` iff `orderKey(a) <= orderKey(b)`. Negative floats have their magnitude bits flipped
    /// so larger magnitudes sort lower; −0 is first turned into +0 (adding 0 does that), as they are equal.
    @inline(__always)
    static func orderKey(_ value: Float) -> Int32 {
        let bits = Int32(bitPattern: (value + 0).bitPattern)
        return bits ^ ((bits >> 31) & 0x7FFF_FFFF)
    }

    /// The key of an input value after scikit-learn's cast to Float. NaN gets the largest key, above
    /// every threshold's, so it goes right at every node as `NaN <= threshold` (false) sends it.
    @inline(__always)
    static func inputKey(_ value: Double) -> Int32 {
        let single = Float(value)
        return single.isNaN ? Int32.max : orderKey(single)
    }
}
