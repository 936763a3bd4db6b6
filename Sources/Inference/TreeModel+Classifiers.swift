/// A classifier's two answers, `predict` (label indices) and `predict_proba`, written straight into
/// the arrays returned: the trees' raw scores go to one flat buffer, then one tight loop over the
/// rows makes labels or probabilities from it, with nothing allocated or dispatched per row.
extension TreeModel {
    /// Each row's label as an index into `classes`, as scikit-learn's `predict` picks it.
    public func predictClasses(_ rows: [Double], rowCount: Int) -> [Int] {
        precondition(isClassifier && rows.count == rowCount * featureCount, "a classifier and rowCount * featureCount values")
        guard rowCount > 0 else { return [] }
        let decision = ensemble.decision ?? .argmaxProbability
        let k = ensemble.outputCount, c = ensemble.probabilityCount
        return [Int](unsafeUninitializedCapacity: rowCount) { labels, initialized in
            defer { initialized = rowCount }
            if let leafTable {
                return rows.withUnsafeBufferPointer { leafTable.writeLabels($0.baseAddress!, rowCount: rowCount, into: labels.baseAddress!) }
            }
            // The raw scores: a scratch buffer owned by this closure, freed when it returns.
            withUnsafeTemporaryAllocation(of: Double.self, capacity: rowCount * k) { raw in
                rows.withUnsafeBufferPointer { writeRawScores($0, rowCount: rowCount, into: raw) }
                let raw = UnsafePointer(raw.baseAddress!)
                if decision == .argmaxProbability && !linkCopiesRawScores {
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: rowCount * c) { p in
                        writeProbabilities(raw, rowCount: rowCount, into: p.baseAddress!)
                        for r in 0..<rowCount { labels[r] = TreeEnsemble.Decision.firstLargest(p.baseAddress! + r * c, c) }
                    }
                } else {
                    // The other decisions read raw scores only; a copying link's probabilities are the raw scores.
                    for r in 0..<rowCount {
                        labels[r] = decision.classIndex(raw: raw + r * k, outputCount: k, probabilities: raw + r * k, classCount: c)
                    }
                }
            }
        }
    }

    /// `rowCount × classes.count` probabilities, row-major, as scikit-learn's `predict_proba`.
    public func predictProbabilities(_ rows: [Double], rowCount: Int) -> [Double] {
        precondition(isClassifier && rows.count == rowCount * featureCount, "a classifier and rowCount * featureCount values")
        guard rowCount > 0 else { return [] }
        let k = ensemble.outputCount, c = ensemble.probabilityCount
        return [Double](unsafeUninitializedCapacity: rowCount * c) { p, initialized in
            rows.withUnsafeBufferPointer { rows in
                // A copying link first: the trees' sums land in the answer in one pass, which measured
                // faster than a lone tree's table (a second pass over the rows' leaves).
                if linkCopiesRawScores {
                    writeRawScores(rows, rowCount: rowCount, into: p)
                } else if let leafTable {
                    leafTable.writeProbabilities(rows.baseAddress!, rowCount: rowCount, into: p.baseAddress!)
                } else {
                    // The raw scores: a scratch buffer owned by this closure, freed when it returns.
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: rowCount * k) { raw in
                        writeRawScores(rows, rowCount: rowCount, into: raw)
                        writeProbabilities(UnsafePointer(raw.baseAddress!), rowCount: rowCount, into: p.baseAddress!)
                    }
                }
            }
            initialized = rowCount * c
        }
    }

    /// Whether the probabilities are the raw scores themselves (a tree or forest classifier's class
    /// fractions, link `probabilities`): then they are written where the raw scores would be.
    private var linkCopiesRawScores: Bool {
        ensemble.link == .probabilities && ensemble.outputCount == ensemble.probabilityCount
    }

    private func writeRawScores(_ rows: UnsafeBufferPointer<Double>, rowCount: Int, into raw: UnsafeMutableBufferPointer<Double>) {
        predictor.raw(rows.baseAddress!, rowCount: rowCount, into: raw.baseAddress!)
    }

    private func writeProbabilities(_ raw: UnsafePointer<Double>, rowCount: Int, into p: UnsafeMutablePointer<Double>) {
        let k = ensemble.outputCount, c = ensemble.probabilityCount
        let link = ensemble.link, sumOrder = ensemble.sumOrder
        for r in 0..<rowCount { link.probabilities(raw + r * k, outputCount: k, sumOrder: sumOrder, into: p + r * c) }
    }
}
