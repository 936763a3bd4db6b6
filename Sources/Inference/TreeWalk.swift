/// Raw scores by walking every tree for every row: the predictor for what the compiled layouts do
/// not decide — categorical splits, LightGBM's "zero is missing" — and so the reference for all split
/// kinds and for float32 sums (XGBoost's, which `InterleavedForest` also adds). It adds leaves per raw score in file order, as both libraries do.
///
/// The trees are flattened into one node array (`Node`, 24 bytes, children as global indices, a
/// leaf's value in the threshold's place), so a walk touches no Swift arrays of arrays.
struct TreeWalk: Sendable {
    struct Node: Sendable {
        /// Threshold at a split; the leaf's value at a leaf.
        var threshold: Double
        var feature: Int32
        /// −1 at a leaf.
        var left: Int32
        var right: Int32
        /// Index into `categorySplits`, or −1 for a numeric split.
        var category: Int32 = -1
        var missingGoesLeft: Bool
        var zeroIsMissing: Bool
    }

    let ensemble: TreeEnsemble
    let nodes: [Node]
    let categorySplits: [CategorySplit]
    /// Per raw score k, the roots (indices into `nodes`) of the trees adding to it, in file order.
    let rootsOf: [[Int]]

    init(_ ensemble: TreeEnsemble) {
        self.ensemble = ensemble
        var nodes = [Node](), splits = [CategorySplit]()
        var roots = [Int]()
        for tree in ensemble.trees {
            let offset = nodes.count
            roots.append(offset)
            for n in 0..<tree.nodeCount {
                let leaf = tree.isLeaf(n)
                var node = Node(threshold: leaf ? tree.value[n * tree.valueWidth] : tree.threshold[n], feature: Int32(tree.feature[n]),
                                left: leaf ? -1 : Int32(offset + tree.childrenLeft[n]), right: leaf ? -1 : Int32(offset + tree.childrenRight[n]),
                                missingGoesLeft: tree.missingGoesLeft[n], zeroIsMissing: tree.zeroIsMissing?[n] ?? false)
                if !leaf, let split = tree.categorySplits?[n] {
                    node.category = Int32(splits.count)
                    splits.append(split)
                }
                nodes.append(node)
            }
        }
        var rootsOf = [[Int]](repeating: [], count: ensemble.outputCount)
        for (t, output) in ensemble.treeOutput.enumerated() { rootsOf[output].append(roots[t]) }
        self.nodes = nodes
        self.categorySplits = splits
        self.rootsOf = rootsOf
    }

    /// Whether an ensemble needs this path.
    static func isNeeded(for ensemble: TreeEnsemble) -> Bool {
        ensemble.trees.contains { $0.hasSpecialSplits }
    }

    /// Writes `rowCount * outputCount` raw scores (row-major).
    func raw(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        let n = ensemble.featureCount, outputs = ensemble.outputCount
        let castToFloat = ensemble.inputPrecision == .float32
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { cast in
            nodes.withUnsafeBufferPointer { nodes in
                let row = cast.baseAddress!
                for r in 0..<rowCount {
                    let input = rows + r * n
                    for f in 0..<n { row[f] = castToFloat ? Double(Float(input[f])) : input[f] }
                    for k in 0..<outputs { out[r * outputs + k] = score(UnsafePointer(row), nodes.baseAddress!, output: k) }
                }
            }
        }
    }

    @inline(__always)
    private func score(_ row: UnsafePointer<Double>, _ nodes: UnsafePointer<Node>, output k: Int) -> Double {
        let roots = rootsOf[k]
        switch ensemble.accumulation {
        case .float32:
            // XGBoost: margin = float(base), then margin += leaf in float, tree by tree.
            var sum = Float(ensemble.base[k])
            for root in roots { sum += Float(nodes[leaf(root, row, nodes)].threshold) }
            return Double(sum)
        case .float64:
            var sum = ensemble.base[k]
            for root in roots {
                let value = nodes[leaf(root, row, nodes)].threshold
                sum += ensemble.leafScale.map { $0 * value } ?? value
            }
            return ensemble.averaged ? sum / Double(roots.count) : sum
        }
    }

    /// The leaf `row` reaches from `root`: NaN (and, at "zero is missing" nodes, anything within
    /// `CategorySplit.zeroMargin` of 0) goes by `missingGoesLeft`; a categorical node asks its set;
    /// a numeric one tests `x <= threshold`.
    @inline(__always)
    private func leaf(_ root: Int, _ row: UnsafePointer<Double>, _ nodes: UnsafePointer<Node>) -> Int {
        var i = root
        while nodes[i].left >= 0 {
            let node = nodes[i]
            let x = row[Int(node.feature)]
            let left: Bool
            if x.isNaN || (node.zeroIsMissing && abs(x) <= CategorySplit.zeroMargin) {
                left = node.missingGoesLeft
            } else if node.category >= 0 {
                left = categorySplits[Int(node.category)].goesLeft(x)
            } else {
                left = x <= node.threshold
            }
            i = Int(left ? node.left : node.right)
        }
        return i
    }
}
