import CTreeKernels

/// Lets the compiled layouts, which compare Float keys, decide float64 splits exactly
/// (HistGradientBoosting compares `x <= threshold` on Doubles).
///
/// Per feature, the distinct thresholds sorted ascending: t₀ < t₁ < … . A threshold becomes its index
/// j, an input x the count of thresholds below it, c(x). Then `x <= t_j` iff `c(x) <= j`: if t_j < x,
/// so are t₀…t_j (c ≥ j + 1); otherwise no t_i with i ≥ j is below x (c ≤ j). Both numbers are small
/// integers, exact as Floats, so a layout comparing `Double(Float(c)) <= Double(j)` decides as the
/// original test. A NaN input stays NaN (such rows are walked on the original trees).
struct RankEncoder: Sendable {
    /// Per feature, its split thresholds ascending, without repeats.
    let thresholds: [[Double]]
    /// The same, flat (feature f's at `flatThresholds[featureStart[f] ..< featureStart[f + 1]]`), for
    /// the C encoding (`ctk_rank_encode`).
    let flatThresholds: [Double]
    let featureStart: [Int64]

    init(trees: [DecisionTree], featureCount: Int) {
        var sets = [Set<Double>](repeating: [], count: featureCount)
        for tree in trees {
            for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
                // +0 and −0 are one threshold: the test cannot tell them apart.
                sets[tree.feature[node]].insert(tree.threshold[node] + 0)
            }
        }
        thresholds = sets.map { $0.sorted() }
        flatThresholds = thresholds.flatMap { $0 }
        var start: [Int64] = [0]
        for list in thresholds { start.append(start.last! + Int64(list.count)) }
        featureStart = start
    }

    /// The tree with each threshold replaced by its index among its feature's thresholds.
    func encode(_ tree: DecisionTree) -> DecisionTree {
        var encoded = tree
        for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
            let list = thresholds[tree.feature[node]]
            encoded.threshold[node] = Double(Self.countBelow(tree.threshold[node] + 0, list))
        }
        return encoded
    }

    /// Writes each row's counts in place of its values (`count` rows of `thresholds.count` values).
    /// The pointers are borrowed for the call.
    func encode(_ rows: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
        flatThresholds.withUnsafeBufferPointer { sorted in
            featureStart.withUnsafeBufferPointer { start in
                ctk_rank_encode(rows, Int64(count), Int64(thresholds.count), sorted.baseAddress, start.baseAddress!, out)
            }
        }
    }

    /// How many elements of the ascending `list` are below `x` (a binary search).
    @inline(__always)
    static func countBelow(_ x: Double, _ list: [Double]) -> Int {
        var low = 0, high = list.count
        while low < high {
            let middle = (low + high) >> 1
            if list[middle] < x { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
