import CTreeKernels

/// Forests on byte lanes per raw score, beside `InterleavedForest`: XGBoost's shallow forests (float32
/// sums, which `CompiledForest`'s byte path does not add) at a few rows (up to
/// `QuickScorerForest.minimumRows`), and, where QuickScorer cannot run but row lanes can (AVX2 without
/// AVX-512), every call; and, where AVX-512 does not run, forests of trees 5–8 deep (float64 or float32
/// sums) below `ByteTrees.deepRowsBelow` rows, and of trees of at most 32 leaves deeper than 8 at every count.
extension EnsemblePredictor {
    /// The byte layouts of every raw score, or nil when any of them cannot be built (the kernels do not run
    /// here, or the trees do not fit them): then `InterleavedForest` predicts every row count. Several raw
    /// scores with as many trees each share one layout (their trees in turns: `ByteTrees.sums`) where it
    /// fits, deeper than 4; else each has its own. Routing missing values takes a second run of slots for
    /// features whose splits send them both ways; where that is more than 64 slots, layouts without it still
    /// take the calls that hold none.
    static func byteTrees(_ ensemble: TreeEnsemble, contributions: [[(tree: Int, column: Int)]],
                          ranks: RankEncoder?) -> [ByteTrees]? {
        let layout = { (parts: [(tree: Int, column: Int)], outputs: Int, routes: Bool) -> ByteTrees? in
            let trees = parts.map { part in
                let tree = ensemble.trees[part.tree].column(part.column)
                return ranks?.encode(tree) ?? tree
            }
            return ByteTrees.sums(of: trees, featureCount: ensemble.featureCount, float32: ensemble.accumulation == .float32,
                                  leafScale: ensemble.leafScale, routesMissing: routes, outputCount: outputs)
        }
        let perScore = contributions.first?.count ?? 0
        let shareable = contributions.count > 1 && contributions.allSatisfy { $0.count == perScore }
            && ByteTrees.fitsOutputs(contributions.count, trees: perScore * contributions.count)
        let layouts = { (routes: Bool) -> [ByteTrees]? in
            if shareable, let shared = layout((0..<perScore).flatMap { t in contributions.map { $0[t] } }, contributions.count, routes) {
                return [shared]
            }
            var own = [ByteTrees]()
            for parts in contributions {
                guard let next = layout(parts, 1, routes) else { return nil }
                own.append(next)
            }
            return own.isEmpty ? nil : own
        }
        return layouts(ensemble.acceptsMissing) ?? (ensemble.acceptsMissing ? layouts(false) : nil)
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
        // Stack buffers for a chunk of rows, alive for this call only: its keys, and the sums of one layout's raw
        // scores (`width` a row: 1, or every raw score where they share the layout).
        let width = layouts.first?.outputCount ?? 1
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunk * featureCount) { keys in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: chunk * width) { sums in
            var start = 0
            while start < rowCount {
                let count = min(chunk, rowCount - start)
                ctk_input_keys(rows + start * featureCount, Int64(count * featureCount), keys.baseAddress!)
                for (l, layout) in layouts.enumerated() {
                    for c in 0..<width {
                        let k = l + c
                        let base = ensemble.accumulation == .float32 ? Double(Float(ensemble.base[k])) : ensemble.base[k]
                        for r in 0..<count { sums[r &* width &+ c] = base }
                    }
                    layout.addOnEitherLanes(keys.baseAddress!, count, sums.baseAddress!)
                    let divisor = Double(layout.treeCount / width)
                    for r in 0..<count {
                        for c in 0..<width {
                            let sum = sums[r &* width &+ c]
                            out[(start &+ r) &* outputs &+ l &+ c] = ensemble.averaged ? sum / divisor : sum
                        }
                    }
                }
                start += count
            }
        }
        }
    }
}
