import CTreeKernels

/// One or two rows (up to `QuickScorerForest.minimumRows`) of XGBoost's shallow forests on byte lanes:
/// float32 sums, which `CompiledForest`'s byte path (float64 sums) does not add.
extension EnsemblePredictor {
    /// One float32 `ByteTrees` per raw score, or nil when any of them cannot be built (the kernel does
    /// not run here, or the trees do not fit it): then `InterleavedForest` predicts every row count.
    static func float32ByteTrees(_ ensemble: TreeEnsemble, contributions: [[(tree: Int, column: Int)]],
                                 ranks: RankEncoder?) -> [ByteTrees]? {
        var layouts = [ByteTrees]()
        for parts in contributions {
            let trees = parts.map { part in
                let tree = ensemble.trees[part.tree].column(part.column)
                return ranks?.encode(tree) ?? tree
            }
            guard let layout = ByteTrees.float32(trees: trees, featureCount: ensemble.featureCount) else { return nil }
            layouts.append(layout)
        }
        return layouts.isEmpty ? nil : layouts
    }

    /// Whether any of `count` values is NaN.
    static func anyMissing(_ values: UnsafePointer<Double>, count: Int) -> Bool {
        var missing = false
        for i in 0..<count { missing = missing || values[i].isNaN }
        return missing
    }

    /// Raw scores of `rowCount` rows (row-major, `outputCount` a row) from the Float bases, each raw
    /// score's trees added on Floats. No row may hold a missing value when the ensemble accepts them: ranks
    /// send NaN right at every split, not where its split says (`raw` sends such rows elsewhere).
    func predictOnBytes(_ layouts: [ByteTrees], _ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        let outputs = outputCount
        // Stack buffers for a few rows, alive for this call only.
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: rowCount * featureCount) { keys in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: rowCount) { sums in
            ctk_input_keys(rows, Int64(rowCount * featureCount), keys.baseAddress!)
            for (k, layout) in layouts.enumerated() {
                let base = Double(Float(ensemble.base[k]))
                for r in 0..<rowCount { sums[r] = base }
                layout.add(keys.baseAddress!, rowCount, sums.baseAddress!)
                for r in 0..<rowCount { out[r &* outputs &+ k] = sums[r] }
            }
        }
        }
    }
}
