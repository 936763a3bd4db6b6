import CTreeKernels

/// XGBoost's shallow forests on byte lanes: a few rows (up to `QuickScorerForest.minimumRows`), and, where
/// QuickScorer cannot run but row lanes can (AVX2 without AVX-512), every call. Float32 sums, which
/// `CompiledForest`'s byte path (float64 sums) does not add.
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
        let chunk = min(rowCount, CompiledForest.byteChunkRows)
        // Stack buffers for a chunk of rows, alive for this call only.
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunk * featureCount) { keys in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: chunk) { sums in
            var start = 0
            while start < rowCount {
                let count = min(chunk, rowCount - start)
                ctk_input_keys(rows + start * featureCount, Int64(count * featureCount), keys.baseAddress!)
                for (k, layout) in layouts.enumerated() {
                    let base = Double(Float(ensemble.base[k]))
                    for r in 0..<count { sums[r] = base }
                    layout.addOnEitherLanes(keys.baseAddress!, count, sums.baseAddress!)
                    for r in 0..<count { out[(start &+ r) &* outputs &+ k] = sums[r] }
                }
                start += count
            }
        }
        }
    }
}
