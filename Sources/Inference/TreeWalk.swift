/// Raw scores by walking every tree for every row: the predictor for what the compiled layouts do
/// not decide — float32 sums (XGBoost), categorical splits, LightGBM's "zero is missing" — and so the
/// reference for all split kinds. It adds leaves per raw score in file order, as both libraries do.
struct TreeWalk: Sendable {
    let ensemble: TreeEnsemble
    /// Per raw score k, the trees adding to it, in file order (each tree adds one value).
    let treesOf: [[Int]]

    init(_ ensemble: TreeEnsemble) {
        self.ensemble = ensemble
        var treesOf = [[Int]](repeating: [], count: ensemble.outputCount)
        for (t, output) in ensemble.treeOutput.enumerated() { treesOf[output].append(t) }
        self.treesOf = treesOf
    }

    /// Whether an ensemble needs this path.
    static func isNeeded(for ensemble: TreeEnsemble) -> Bool {
        ensemble.accumulation == .float32 || ensemble.trees.contains { $0.hasSpecialSplits }
    }

    /// Writes `rowCount * outputCount` raw scores (row-major).
    func raw(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        let n = ensemble.featureCount, outputs = ensemble.outputCount
        let castToFloat = ensemble.inputPrecision == .float32
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { cast in
            let row = cast.baseAddress!
            for r in 0..<rowCount {
                let input = rows + r * n
                for f in 0..<n { row[f] = castToFloat ? Double(Float(input[f])) : input[f] }
                for k in 0..<outputs { out[r * outputs + k] = score(UnsafePointer(row), output: k) }
            }
        }
    }

    @inline(__always)
    private func score(_ row: UnsafePointer<Double>, output k: Int) -> Double {
        let trees = ensemble.trees
        switch ensemble.accumulation {
        case .float32:
            // XGBoost: margin = float(base), then margin += leaf in float, tree by tree.
            var sum = Float(ensemble.base[k])
            for t in treesOf[k] { sum += Float(trees[t].value[Self.leaf(trees[t], row)]) }
            return Double(sum)
        case .float64:
            var sum = ensemble.base[k]
            for t in treesOf[k] {
                let value = trees[t].value[Self.leaf(trees[t], row)]
                sum += ensemble.leafScale.map { $0 * value } ?? value
            }
            return ensemble.averaged ? sum / Double(treesOf[k].count) : sum
        }
    }

    /// The leaf `row` reaches: NaN (and, at "zero is missing" nodes, anything within
    /// `CategorySplit.zeroMargin` of 0) goes by `missingGoesLeft`; a categorical node asks its set;
    /// a numeric one tests `x <= threshold`.
    @inline(__always)
    static func leaf(_ tree: DecisionTree, _ row: UnsafePointer<Double>) -> Int {
        var node = 0
        while tree.childrenLeft[node] != DecisionTree.leafChild {
            let x = row[tree.feature[node]]
            let left: Bool
            if x.isNaN || (tree.zeroIsMissing?[node] == true && abs(x) <= CategorySplit.zeroMargin) {
                left = tree.missingGoesLeft[node]
            } else if let split = tree.categorySplits?[node] {
                left = split.goesLeft(x)
            } else {
                left = x <= tree.threshold[node]
            }
            node = left ? tree.childrenLeft[node] : tree.childrenRight[node]
        }
        return node
    }
}
