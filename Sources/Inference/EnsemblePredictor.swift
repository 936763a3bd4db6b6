/// A `TreeEnsemble` compiled for prediction, in one of two layouts:
/// - shallow ensembles (every tree at most `ShallowForest.maxDepth` deep, like the reference model and
///   most gradient boosting): one `CompiledForest` per raw score, each holding the trees (W = 1) that
///   add to it, in order, predicted by `ShallowForest`'s walk and bitvector layouts;
/// - deeper ones (forests, histogram boosting), and float32 sums (XGBoost) whatever their depth: one
///   `InterleavedForest` for every raw score at once, which walks 16 trees or rows at a time and
///   routes missing values itself.
/// Float32 sums of shallow trees at fewer than `QuickScorerForest.minimumRows` rows go to `ByteTrees`
/// (one per raw score, 32 trees at once on byte lanes) where the CPU has AVX-512 VBMI and the trees fit,
/// and so do trees 5–8 deep at fewer than `ByteTrees.deepRowsBelow` rows, and trees of at most 32 leaves
/// deeper than 8 at every count, where it has AVX2 but not AVX-512.
/// Whatever the layout, batches of `QuickScorerForest.minimumRows` rows or more (`CompiledForest.byteRowsBelow`
/// when the per-output forests have byte lanes) go to `QuickScorerForest` when it can hold the trees (at
/// most 64 leaves each, an AVX-512 CPU).
/// The compiled layouts decide `Double(Float(x)) <= threshold`; float64 models reach them through a
/// `RankEncoder`. In the shallow layout, rows with a missing value (NaN) are walked on the original
/// trees instead, which route NaN by each split's `missingGoesLeft`: its threshold table has one key
/// order and cannot.
///
/// A class, so that copies of a `TreeModel` share it.
final class EnsemblePredictor: Sendable {
    enum Layout: Sendable {
        /// Per raw score when every tree is shallow enough for `ShallowForest`, else interleaved.
        case automatic
        case perOutput
        case interleaved
    }

    let ensemble: TreeEnsemble
    /// The per-output layout (empty when `interleaved` predicts).
    let forests: [CompiledForest]
    let interleaved: InterleavedForest?
    /// The batch layout (from `QuickScorerForest.minimumRows` rows on) when every tree has at most 64
    /// leaves and the CPU has AVX-512; it routes missing values and adds float32 sums itself.
    let quickScorer: QuickScorerForest?
    /// From this many rows on `quickScorer` predicts: `QuickScorerForest.minimumRows`, or, when the
    /// per-output forests have the byte-lane layout, from where it stops (`CompiledForest.byteRowsBelow`):
    /// it costs less per row than QuickScorer's smallest pass below that.
    let quickScorerRows: Int
    let ranks: RankEncoder?
    /// Per raw score, the few-rows byte layout of float32 sums of shallow forests (XGBoost's), or of forests
    /// 5–8 deep or of at most 32 leaves (`ByteTrees.deepChosen`), or nil. Calls with a missing value among
    /// their rows go to `interleaved` unless the layouts route it (`fewRowsRouteMissing`).
    let fewRows: [ByteTrees]?
    /// Every `fewRows` layout routes missing values as the splits say (the deeper ones, where the ensemble
    /// accepts them): rows holding one stay on them.
    let fewRowsRouteMissing: Bool
    /// Calls of fewer rows go to `fewRows`; `Int.max` when they all give blocks of rows to row lanes (AVX2
    /// without AVX-512, where QuickScorer does not run) or are leaf sets. On an AMD Zen 3, XGBoost's 500
    /// trees of depth 4 cost 4.0-6.3 µs a row on `interleaved` from 16 rows on, 0.28-0.62 on the byte
    /// layout; HistGradientBoostingRegressor's 200 trees of 31 leaves 3.7 at 48 rows, 1.0 on leaf sets.
    let fewRowsBelow: Int
    /// Per raw score k, the trees adding to it and the column of their values: (tree, column).
    let contributions: [[(tree: Int, column: Int)]]
    /// Set when the compiled layouts cannot decide the ensemble (categorical splits, zero as missing):
    /// then every row is walked, and `forests` is empty.
    let walk: TreeWalk?

    init(_ ensemble: TreeEnsemble, layout: Layout = .automatic) {
        self.ensemble = ensemble
        var contributions = [[(tree: Int, column: Int)]](repeating: [], count: ensemble.outputCount)
        for (t, tree) in ensemble.trees.enumerated() {
            for column in 0..<tree.valueWidth { contributions[ensemble.treeOutput[t] + column].append((t, column)) }
        }
        self.contributions = contributions
        let ranks = ensemble.inputPrecision == .float64 ? RankEncoder(trees: ensemble.trees, featureCount: ensemble.featureCount) : nil
        self.ranks = ranks
        walk = TreeWalk.isNeeded(for: ensemble) ? TreeWalk(ensemble) : nil
        let shallow = ensemble.trees.allSatisfy { $0.depth <= ShallowForest.maxDepth }
        quickScorer = walk == nil && layout == .automatic
            ? QuickScorerForest(ensemble, trees: ensemble.trees.map { ranks?.encode($0) ?? $0 }) : nil
        let deepOnBytes = !shallow && ByteTrees.deepChosen && ensemble.trees.allSatisfy {
            $0.depth <= ByteTrees.maxDepth || $0.leafCount <= ByteTrees.maxLeafSetLeaves
        }
        fewRows = walk == nil && layout == .automatic && ((ensemble.accumulation == .float32 && shallow) || deepOnBytes)
            ? Self.byteTrees(ensemble, contributions: contributions, ranks: ranks) : nil
        // Row lanes, and leaf sets of trees deeper than 8 (which bit lanes do not take), cost less a row than
        // the walks at every count.
        let deeperThanLanes = ensemble.trees.contains { $0.depth > ByteTrees.maxDepth }
        let everyCall = fewRows?.allSatisfy { $0.takesRows || ($0.depth == 0 && deeperThanLanes) } ?? false
        fewRowsRouteMissing = fewRows?.allSatisfy(\.routesMissing) ?? false
        fewRowsBelow = everyCall ? Int.max : shallow ? QuickScorerForest.minimumRows : ByteTrees.deepRowsBelow
        if walk != nil {
            interleaved = nil
            forests = []
            quickScorerRows = QuickScorerForest.minimumRows
            return
        }
        // Only the interleaved layout adds in float32.
        if layout == .interleaved || (layout == .automatic && !shallow) || ensemble.accumulation == .float32 {
            interleaved = InterleavedForest(ensemble, trees: ensemble.trees.map { ranks?.encode($0) ?? $0 })
            forests = []
            quickScorerRows = QuickScorerForest.minimumRows
            return
        }
        interleaved = nil
        forests = contributions.enumerated().map { k, parts in
            let trees = parts.map { part in
                let tree = ensemble.trees[part.tree].column(part.column)
                return ranks?.encode(tree) ?? tree
            }
            return CompiledForest(trees: trees, featureCount: ensemble.featureCount, base: ensemble.base[k],
                                  leafScale: ensemble.leafScale, averaged: ensemble.averaged)
        }
        quickScorerRows = forests.allSatisfy { $0.bytes != nil } ? CompiledForest.byteRowsBelow : QuickScorerForest.minimumRows
    }

    var outputCount: Int { ensemble.outputCount }
    var featureCount: Int { ensemble.featureCount }

    /// Writes `rowCount * outputCount` raw scores (row-major) for `rowCount` rows.
    func raw(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        guard rowCount > 0 else { return }
        if let walk { return walk.raw(rows, rowCount: rowCount, into: out) }
        let outputs = outputCount
        // Rows with a missing value go to the interleaved layout, which routes it, unless the byte layouts
        // route it themselves: depth 4's would need the walk after them, which costs more than the
        // interleaved walk alone.
        let onBytes = fewRows != nil && rowCount < fewRowsBelow
            && (fewRowsRouteMissing || !(ensemble.acceptsMissing && Self.anyMissing(rows, count: rowCount * featureCount)))
        withUnsafeTemporaryAllocation(of: Double.self, capacity: ranks == nil ? 0 : rowCount * featureCount) { encoded in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: outputs > 1 ? rowCount : 0) { column in
            var input = rows
            // Optional chaining, not `if let`: binding copies the encoder (a struct of arrays), which
            // costs a retain and a release of each array per call (a tenth of a 2-row call's overhead).
            if ranks != nil {
                ranks?.encode(rows, count: rowCount, into: encoded.baseAddress!)
                input = UnsafePointer(encoded.baseAddress!)
            }
            if let quickScorer, rowCount >= quickScorerRows {
                quickScorer.predict(input, rowCount: rowCount, into: out)
            } else if let fewRows, onBytes {
                predictOnBytes(fewRows, input, rowCount: rowCount, into: out)
            } else if let interleaved {
                interleaved.predict(input, rowCount: rowCount, into: out)
            } else if outputs == 1 {
                // `forests` (this object's constant) keeps the forest alive through the call, so it is
                // lent without the retain and release a plain call costs (measurable at 1-2 rows).
                Unmanaged.passUnretained(forests[0])._withUnsafeGuaranteedRef { $0.predict(input, rowCount: rowCount, into: out) }
            } else {
                for k in 0..<outputs {
                    forests[k].predict(input, rowCount: rowCount, into: column.baseAddress!)
                    for r in 0..<rowCount { out[r &* outputs &+ k] = column[r] }
                }
            }
        }
        }
        // On bytes, either no row has a missing value or none is accepted.
        let routedMissing = onBytes || interleaved != nil || (quickScorer != nil && rowCount >= quickScorerRows)
        if ensemble.acceptsMissing && !routedMissing { walkRowsWithMissing(rows, rowCount: rowCount, into: out) }
    }

    /// Recomputes the raw scores of the rows that hold a NaN, on the original trees.
    private func walkRowsWithMissing(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        let n = featureCount
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { cast in
            for r in 0..<rowCount {
                let row = rows + r * n
                guard Self.anyMissing(row, count: n) else { continue }
                for f in 0..<n {
                    cast[f] = ensemble.inputPrecision == .float32 ? Double(Float(row[f])) : row[f]
                }
                walk(UnsafePointer(cast.baseAddress!), into: out + r * outputCount)
            }
        }
    }

    /// One row's raw scores by walking every tree: the same sums in the same order as the layouts.
    func walk(_ row: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let trees = ensemble.trees
        var leaves = [Int](repeating: -1, count: trees.count)
        for k in 0..<outputCount {
            if ensemble.accumulation == .float32 {
                var sum = Float(ensemble.base[k])
                for (t, column) in contributions[k] { sum += Float(trees[t].value[trees[t].leaf(row) * trees[t].valueWidth + column]) }
                out[k] = Double(sum)
                continue
            }
            var sum = ensemble.base[k]
            for (t, column) in contributions[k] {
                if leaves[t] < 0 { leaves[t] = trees[t].leaf(row) }
                let value = trees[t].value[leaves[t] * trees[t].valueWidth + column]
                sum += ensemble.leafScale.map { $0 * value } ?? value
            }
            out[k] = ensemble.averaged ? sum / Double(contributions[k].count) : sum
        }
    }
}
