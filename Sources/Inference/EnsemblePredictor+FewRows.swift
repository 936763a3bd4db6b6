import CTreeKernels

/// Forests on byte lanes per raw score, beside `InterleavedForest`: XGBoost's shallow forests (float32
/// sums, which `CompiledForest`'s byte path does not add) at a few rows (up to
/// `QuickScorerForest.minimumRows`), and, where QuickScorer cannot run but row lanes can (AVX2 without
/// AVX-512), every call; and, where AVX-512 does not run, forests of trees 5–8 deep (float64 or float32
/// sums) below `ByteTrees.deepRowsBelow` rows, and of trees of at most 32 leaves deeper than 8 at every count.
extension EnsemblePredictor {
    /// One `ByteTrees` per raw score, or nil when any of them cannot be built (the kernels do not run
    /// here, or the trees do not fit them): then `InterleavedForest` predicts every row count.
    static func byteTrees(_ ensemble: TreeEnsemble, contributions: [[(tree: Int, column: Int)]],
                          ranks: RankEncoder?) -> [ByteTrees]? {
        var layouts = [ByteTrees]()
        for parts in contributions {
            let trees = parts.map { part in
                let tree = ensemble.trees[part.tree].column(part.column)
                return ranks?.encode(tree) ?? tree
            }
            // Routing missing values takes a second run of slots for features whose splits send them both ways;
            // where that is more than 64 slots, the layout without it still takes the calls that hold none.
            let layout = { (routes: Bool) in
                ByteTrees.sums(of: trees, featureCount: ensemble.featureCount, float32: ensemble.accumulation == .float32,
                               leafScale: ensemble.leafScale, routesMissing: routes)
            }
            guard let layout = layout(ensemble.acceptsMissing) ?? (ensemble.acceptsMissing ? layout(false) : nil) else { return nil }
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

    /// Raw scores of `rowCount` rows (row-major, `outputCount` a row): each raw score's trees added in
    /// order to its base (float32 sums: on Floats from the Float base), averaged for forests. No row may
    /// hold a missing value when the ensemble accepts them unless every layout routes them (the deeper
    /// layouts do; depth 4's ranks send NaN right at every split: `raw` sends such rows elsewhere).
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
                    let base = ensemble.accumulation == .float32 ? Double(Float(ensemble.base[k])) : ensemble.base[k]
                    for r in 0..<count { sums[r] = base }
                    layout.addOnEitherLanes(keys.baseAddress!, count, sums.baseAddress!)
                    let divisor = Double(layout.treeCount)
                    for r in 0..<count { out[(start &+ r) &* outputs &+ k] = ensemble.averaged ? sums[r] / divisor : sums[r] }
                }
                start += count
            }
        }
        }
    }
}
