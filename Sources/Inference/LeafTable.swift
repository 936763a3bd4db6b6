/// A single-tree classifier's answers per leaf, worked out once at load: each leaf's label index and
/// probability row. Predicting is then a walk to the leaf and one table lookup per row. (Probabilities
/// of a `probabilities` link skip the table: the trees' sums are the answer, written in one pass.)
///
/// Why: a lone tree's raw scores are a function of its leaf alone, and so are the probabilities and
/// label made from them; computing them per row (three sums, a link, an argmax with unpredictable
/// branches) cost about as much as the walk. Each entry is computed by the same operations on the
/// same numbers as the per-row path (`TreeWalk.score`'s sum, the link, the decision), so it is the
/// same Double, bit for bit.
///
/// The walk: a copy of the tree whose nodes carry their own index as their one value, compiled like
/// any ensemble (same splits, missing-value routing and input precision), so its raw score is the
/// leaf's node index (0 + n, exact).
final class LeafTable: Sendable {
    let leafOf: EnsemblePredictor
    let classCount: Int
    /// Per node (only leaves' are read): the label index.
    let labels: [Int]
    /// Per node (only leaves' are read): `classCount` probabilities.
    let probabilities: [Double]

    /// Nil unless the ensemble is a classifier of one float64-summed tree feeding every raw score.
    init?(_ ensemble: TreeEnsemble) {
        guard ensemble.isClassifier, ensemble.trees.count == 1, ensemble.accumulation == .float64,
              ensemble.treeOutput == [0], ensemble.trees[0].valueWidth == ensemble.outputCount,
              ensemble.trees[0].nodeCount < 1 << 24 else { return nil }
        let tree = ensemble.trees[0]
        let k = ensemble.outputCount, c = ensemble.probabilityCount
        let decision = ensemble.decision ?? .argmaxProbability
        var labels = [Int](repeating: 0, count: tree.nodeCount)
        var probabilities = [Double](repeating: 0, count: tree.nodeCount * c)
        var raw = [Double](repeating: 0, count: k)
        for node in 0..<tree.nodeCount where tree.isLeaf(node) {
            for o in 0..<k {
                // TreeWalk.score for one tree: base, plus the scaled leaf value, over a count of 1 if averaged.
                let value = tree.value[node * k + o]
                var sum = ensemble.base[o]
                sum += ensemble.leafScale.map { $0 * value } ?? value
                raw[o] = ensemble.averaged ? sum / Double(1) : sum
            }
            raw.withUnsafeBufferPointer { raw in
                probabilities.withUnsafeMutableBufferPointer { p in
                    let row = p.baseAddress! + node * c
                    ensemble.link.probabilities(raw.baseAddress!, outputCount: k, sumOrder: ensemble.sumOrder, into: row)
                    labels[node] = decision.classIndex(raw: raw.baseAddress!, outputCount: k,
                                                       probabilities: UnsafePointer(row), classCount: c)
                }
            }
        }
        var walk = tree
        walk.value = (0..<tree.nodeCount).map { Double($0) }
        walk.valueWidth = 1
        leafOf = EnsemblePredictor(TreeEnsemble(
            estimator: ensemble.estimator, featureCount: ensemble.featureCount, featureNames: nil,
            inputPrecision: ensemble.inputPrecision, acceptsMissing: ensemble.acceptsMissing, base: [0], trees: [walk]))
        classCount = c
        self.labels = labels
        self.probabilities = probabilities
    }

    /// Writes each row's leaf (its node index) at `leaves`.
    private func leaves(_ rows: UnsafePointer<Double>, rowCount: Int, _ body: (UnsafePointer<Double>) -> Void) {
        // Scratch owned by this call, freed when it returns.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: rowCount) { leaves in
            leafOf.raw(rows, rowCount: rowCount, into: leaves.baseAddress!)
            body(UnsafePointer(leaves.baseAddress!))
        }
    }

    func writeLabels(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Int>) {
        leaves(rows, rowCount: rowCount) { leaves in
            labels.withUnsafeBufferPointer { labels in
                for r in 0..<rowCount { out[r] = labels[Int(leaves[r])] }
            }
        }
    }

    func writeProbabilities(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        let c = classCount
        leaves(rows, rowCount: rowCount) { leaves in
            probabilities.withUnsafeBufferPointer { table in
                // A loop, not `update(from:count:)`: a call to memmove per row of a few values cost more.
                for r in 0..<rowCount {
                    let source = table.baseAddress! + Int(leaves[r]) * c, row = out + r * c
                    for j in 0..<c { row[j] = source[j] }
                }
            }
        }
    }
}
