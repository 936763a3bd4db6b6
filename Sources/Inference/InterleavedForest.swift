import CTreeKernels

/// A whole `TreeEnsemble` laid out for walking many trees or many rows at once: the layout for
/// ensembles whose trees are deeper than `ShallowForest` takes (random forests, histogram boosting,
/// gradient boosting deeper than 4), every raw score of a row in one pass.
///
/// Why: a tree walk is a chain of dependent loads, so one walk at a time leaves the CPU waiting on
/// each node (and, for a forest of deep trees much larger than the cache, on memory). Walking 16 at
/// once — 16 trees for one row when there are few rows, one tree for 16 rows when there are many —
/// keeps 16 independent chains in flight, and the leaves are then added in scikit-learn's order.
///
/// A node is 16 bytes, one load: its feature, its threshold as a `CompiledForest.orderKey` (the
/// threshold rounded down to Float, which decides every Float input as scikit-learn's
/// `Double(Float(x)) <= threshold` does), and its children's absolute indices (siblings side by side:
/// right = left + 1). On x86-64 the walks run in CTreeKernels, 128 lanes at once in AVX-512's registers
/// (a few rows' keys held in registers, and one-output models walking two rows at once), or with AVX2
/// alone 64, 8 at a time in general registers with scalar loads (cheaper there than AVX2's gathers);
/// elsewhere in Swift, 16 at once. A leaf points to itself
/// with a key no input key exceeds, so a finished walk stays put while the others go on. A split that
/// sends missing values left stores its feature as `~feature`; missing values have the key `Int32.max`
/// (`CompiledForest.inputKey`), above every threshold's key, so they go right at the other splits,
/// as scikit-learn sends them there.
///
/// Leaves hold `valueWidth` numbers (a forest classifier's class fractions, all raw scores at once),
/// already multiplied by the learning rate as scikit-learn multiplies them; tree t adds them to raw
/// scores `treeOutput[t] ..< treeOutput[t] + valueWidth`.
///
/// Many rows of trees up to 8 deep with one value a leaf adding to one raw score go to `DeepLanes`
/// instead where the CPU has AVX2 and not AVX-512: blocks of rows on bit lanes, no walk at all.
///
/// Float32 sums (XGBoost, `TreeEnsemble.Accumulation.float32`): the base and the leaf values are
/// stored as the Floats XGBoost holds, and each addition is done on Floats, tree by tree in file
/// order, so the sums are XGBoost's (the Doubles that hold them are always exact Floats).
final class InterleavedForest: Sendable {
    /// Walks in flight at once.
    static let lanes = 16
    /// Rows whose keys and sums are held together while every tree is walked for them: as many as
    /// `blockKeyBytes` of keys hold, from 256 to 4096. Each block reads the whole forest once, and a
    /// deep forest is megabytes: 4096 rows a block instead of 256 take a deep random forest of 100
    /// trees from 2.2 to 1.4 µs a row (`make bench-inference`).
    var blockRows: Int { Swift.max(256, Swift.min(4096, Self.blockKeyBytes / (4 * Swift.max(1, featureCount)))) }
    static let blockKeyBytes = 1 << 20
    /// Below this many rows a row's trees are walked 16 at a time; from it on, a tree's rows are.
    static let rowMajorBelow = 16
    /// Below this many rows, the SIMD kernels walk a row's trees only when there are this many.
    static let kernelTreesFrom = 32
    /// Many rows' walks go in slices of at most this many tree evaluations (trees × rows), ~0.3 ms at
    /// the ~6 ns a depth-8 tree's evaluation takes here, and offer the CPU (`sched_yield`) between
    /// slices. Why: a long call (2000 trees of depth 8 over 1000 rows: 14 ms) that the scheduler runs
    /// while another thread waits on the same core (its server's event loop, a client, a health probe)
    /// can keep the core until the next tick, 4 ms at 250 Hz: `perf sched` showed evserve's loop
    /// runnable for 3.9 ms behind a job thread. The p99 of /healthz polled beside a saturated heavy
    /// model with nothing pinned (bench/run_heavy.py, four alternating runs each) went from 2.30 to
    /// 0.47 ms with these slices, its rows/s unchanged (145,945 and 145,153); 25,000 measured 0.54 ms
    /// and cost 1–2 % a row at 4096 rows. When nothing else waits, a yield is one system call a slice.
    static let evaluationsPerSlice = 50_000
    /// And a slice lasts about this long at most (0.3 ms): on a CPU whose evaluations cost more, fewer
    /// of them. The AVX2 walks of this project's AMD Zen 3 machine took ~22 ns an evaluation (1.1 ms a
    /// slice of 50,000), and /healthz's p99 beside the saturated heavy model on one core was 3.2 ms.
    static let sliceNanoseconds = 300_000

    let featureCount: Int
    let outputCount: Int
    let valueWidth: Int
    let treeCount: Int
    let base: [Double]
    /// Whether each addition rounds to Float (XGBoost), not to Double.
    let float32Sums: Bool
    /// Per raw score: the divisor of its sum (its tree count) for averaged ensembles, nil otherwise.
    let divisors: [Double]?
    /// Whether any split sends missing values left (then the walk checks for them).
    let routesMissing: Bool
    /// Per node: (feature, or ~feature if missing values go left; threshold key; left; right). A leaf points
    /// to itself with feature 0, a padding slot between `chunkedOrder`'s chunks likewise with feature −1.
    let nodes: [SIMD4<Int32>]
    let roots: [Int32]
    /// The SIMD kernels' copy of `nodes`: per node, the word `feature | missingLeft << featureBits |
    /// (left − node) << (featureBits + 1)` and the threshold key, so that one 64-bit gather reads a
    /// node (see CTreeKernels.h). Empty when a feature index or a child's offset does not fit: then
    /// the Swift walk predicts.
    let packed: [Int32]
    /// Node i's record is at `packed[2 * (packedShift + i)]`: 64-byte aligned at node 0, so that
    /// `chunkedOrder`'s chunks are cache lines.
    let packedShift: Int
    let featureBits: Int
    /// A leaf of no tree, after all of them: where unused SIMD lanes wait.
    let idle: Int32
    /// Per tree, its depth: walks of trees at most `fixedRoundsUpTo` deep take exactly that many steps
    /// and skip checking whether any lane still moves (Int32: the SIMD kernels read them too).
    let depths: [Int32]
    static let fixedRoundsUpTo = Int(ctk_fixed_rounds_up_to)
    let treeOutput: [Int32]
    /// `valueWidth` numbers per node, node-major (only leaves' are read).
    let values: [Double]
    /// For leaves of several values (forest classifiers' class fractions): per node, its row of
    /// `rowValues`, which holds each distinct leaf's values once (empty otherwise). A fully grown
    /// classifier's leaves are mostly pure, so `values` is megabytes where `rowValues` is a few cache
    /// lines: the SIMD kernels add a forest classifier's leaves from it (CTreeKernels.h).
    let valueRow: [Int32]
    let rowValues: [Double]
    /// The doubles a row of `rowValues` takes: `valueWidth`, or 16 for rows of 9 to 16 class values
    /// (forest classifiers adding float64 sums), whose rows then each start a cache line
    /// (`rowValues[rowShift...]` is 64-byte aligned), so that the group additions' 64-byte loads of a
    /// row never straddle two lines (ExtraTreesClassifier on digits, 10 classes, at 4096 rows: 834 -> 813 ns a row).
    let rowStride: Int
    /// Where the first row of `rowValues` starts (0 unless rows are padded to a cache line).
    let rowShift: Int
    /// The same trees on byte lanes, for many rows where `DeepLanes.chosen` (nil where they do not fit it).
    let deepLanes: DeepLanes?

    /// `searchedUpTo` (tests lower it): `DeepLanes`' most keys a searched feature has.
    init(_ ensemble: TreeEnsemble, trees: [DecisionTree], searchedUpTo: Int = DeepLanes.searchedUpTo) {
        featureCount = ensemble.featureCount
        outputCount = ensemble.outputCount
        treeCount = trees.count
        float32Sums = ensemble.accumulation == .float32
        base = float32Sums ? ensemble.base.map { Double(Float($0)) } : ensemble.base
        valueWidth = trees.first?.valueWidth ?? 1
        var counts = [Int](repeating: 0, count: ensemble.outputCount)
        for (t, tree) in trees.enumerated() {
            for c in 0..<tree.valueWidth { counts[ensemble.treeOutput[t] + c] += 1 }
        }
        divisors = ensemble.averaged ? counts.map { Double($0) } : nil
        treeOutput = ensemble.treeOutput.map { Int32($0) }
        let float32Sums = self.float32Sums
        let scale: (Double) -> Double = { value in
            float32Sums ? Double(Float(value)) : ensemble.leafScale.map { $0 * value } ?? value
        }
        var nodes = [SIMD4<Int32>](), roots = [Int32](), values = [Double]()
        var routesMissing = false
        for tree in trees {
            let offset = Int32(nodes.count)
            roots.append(offset)
            // Each node's children side by side (right = left + 1), which the SIMD walk relies on: it
            // gathers the left child only; breadth first at the top, in cache-line chunks below it.
            let order = Self.chunkedOrder(tree, start: nodes.count)
            var place = [Int32](repeating: 0, count: tree.nodeCount)
            for (i, node) in order.enumerated() where node >= 0 { place[node] = offset + Int32(i) }
            for (i, node) in order.enumerated() {
                let me = offset + Int32(i)
                guard node >= 0 else {
                    // A padding slot: a leaf no walk reaches, feature −1 (`distinctRows` gives it no row).
                    nodes.append(SIMD4(-1, Int32.max, me, me))
                    values += repeatElement(0, count: tree.valueWidth)
                    continue
                }
                if tree.isLeaf(node) {
                    nodes.append(SIMD4(0, Int32.max, me, me))
                } else {
                    let feature = Int32(tree.feature[node])
                    let missingLeft = ensemble.acceptsMissing && tree.missingGoesLeft[node]
                    routesMissing = routesMissing || missingLeft
                    nodes.append(SIMD4(missingLeft ? ~feature : feature,
                                       CompiledForest.orderKey(CompiledForest.floatRoundedDown(tree.threshold[node])),
                                       place[tree.childrenLeft[node]], place[tree.childrenRight[node]]))
                }
                for c in 0..<tree.valueWidth { values.append(scale(tree.value[node * tree.valueWidth + c])) }
            }
        }
        // The leaf that idle SIMD lanes point to.
        idle = Int32(nodes.count)
        nodes.append(SIMD4(0, Int32.max, idle, idle))
        self.nodes = nodes
        self.roots = roots
        (packed, packedShift, featureBits) = Self.pack(nodes, featureCount: ensemble.featureCount)
        depths = trees.map { Int32($0.depth) }
        self.values = values
        self.routesMissing = routesMissing
        let padded = valueWidth > 8 && valueWidth <= 16 && valueWidth == outputCount && !float32Sums
        rowStride = padded ? 16 : valueWidth
        deepLanes = DeepLanes(ensemble, trees: trees, scale: scale, searchedUpTo: searchedUpTo)
        (valueRow, rowValues, rowShift) = valueWidth > 1
            ? Self.distinctRows(of: values, width: valueWidth, stride: rowStride, aligned: padded, nodes: nodes) : ([], [], 0)
    }

    /// Each leaf's row among the distinct rows of `width` values in `values` (compared bit for bit, so
    /// a row holds exactly the doubles of the leaves that use it); internal nodes, padding slots and the
    /// idle leaf get row 0. Rows are `stride` doubles apart (zeros after the values), from the returned shift on:
    /// with `aligned`, the first row starts 64-byte aligned in the array's buffer (a `let` array keeps
    /// its buffer; were it ever copied, only the alignment would be lost).
    static func distinctRows(of values: [Double], width: Int, stride: Int, aligned: Bool,
                             nodes: [SIMD4<Int32>]) -> ([Int32], [Double], Int) {
        var rowOf = [[UInt64]: Int32]()
        var valueRow = [Int32](repeating: 0, count: nodes.count)
        var rows = [ArraySlice(values.prefix(width))]
        for (i, node) in nodes.enumerated() where node[2] == Int32(i) && node[0] >= 0 && (i + 1) * width <= values.count {
            let leaf = values[(i * width)..<((i + 1) * width)]
            let bits = leaf.map(\.bitPattern)
            if let row = rowOf[bits] {
                valueRow[i] = row
            } else {
                let row = Int32(rows.count)
                rowOf[bits] = row
                rows.append(leaf)
                valueRow[i] = row
            }
        }
        var rowValues = [Double](repeating: 0, count: rows.count * stride + (aligned ? 7 : 0))
        let shift = aligned ? rowValues.withUnsafeBufferPointer { (64 - Int(bitPattern: $0.baseAddress) & 63) & 63 } / 8 : 0
        for (r, row) in rows.enumerated() {
            for (c, value) in row.enumerated() { rowValues[shift + r * stride + c] = value }
        }
        return (valueRow, rowValues, shift)
    }

    /// `packed`, `packedShift` and `featureBits` for `nodes`, or ([], 0, 0) when an offset does not fit its bits.
    static func pack(_ nodes: [SIMD4<Int32>], featureCount: Int) -> ([Int32], Int, Int) {
        var featureBits = 1
        while (1 << featureBits) < featureCount { featureBits += 1 }
        // The common width where it fits (every feature, and every left child's offset within the
        // limit below), so that the scalar walk's masks and shifts are constants: 3 to 10 % less a row
        // for deep trees at 2 and 4096 rows (InferenceBench on AMD Zen 3, alternating runs).
        let common = Int(CTK_COMMON_FEATURE_BITS)
        if featureBits <= common && nodes.indices.allSatisfy({ Int(nodes[$0][2]) - $0 < 1 << (31 - common) }) { featureBits = common }
        let deltaLimit = 1 << (31 - featureBits)
        // Room for the records and a shift of up to 7 records to the first 64-byte boundary of the buffer
        // (a `let` array keeps its buffer; were it ever copied, only the alignment would be lost).
        var packed = [Int32](repeating: 0, count: 2 * (nodes.count + 7))
        let shift = packed.withUnsafeBufferPointer { (64 - Int(bitPattern: $0.baseAddress) & 63) & 63 } / 8
        for (i, node) in nodes.enumerated() {
            guard node[1] != Int32.max || node[2] != Int32(i) else {
                packed[2 * (shift + i) + 1] = Int32.max  // a leaf: word 0
                continue
            }
            let feature = node[0] < 0 ? ~node[0] : node[0]
            // A threshold of Int32.max sends every key left, a missing one's (Int32.max) too, so its
            // missing bit changes nothing; it is left out, because walk_scalar (Walks.c) adds the bit to
            // the threshold, which must not wrap.
            let missingLeft = node[0] < 0 && node[1] != Int32.max
            let delta = Int(node[2]) - i
            guard delta > 0, delta < deltaLimit else { return ([], 0, 0) }
            let word = Int(feature) | (missingLeft ? 1 << featureBits : 0) | delta << (featureBits + 1)
            packed[2 * (shift + i)] = Int32(truncatingIfNeeded: word)
            packed[2 * (shift + i) + 1] = node[1]
        }
        return (packed, shift, featureBits)
    }

    /// Levels of a tree kept in breadth-first order (`chunkedOrder`): AVX-512's walks of one tree's rows hold
    /// its nodes of depth 0 to 5 in registers, which needs them to be its first 64 records (Walks.c).
    static let breadthFirstLevels = 6
    /// Records a chunk: 64 bytes.
    static let chunkRecords = 8

    /// The tree's nodes, each internal node's two children next to each other and after it: its first
    /// `breadthFirstLevels` levels breadth first, then the rest in chunks, each a pair of siblings and as
    /// many pairs below it as fit in the rest of the current cache line of `chunkRecords` slots (`start` is
    /// the tree's first slot in the forest, whose node 0 `packedShift` aligns), breadth first; the pairs that
    /// do not fit start chunks of their own. Breadth first all the way down, a deep tree's walk read a
    /// line a level past the first few; here a line holds a stretch of its path. The deep random forest of
    /// bench/inference_kinds.py: 8.7 lines a root-to-leaf path on average against 13.0 breadth first, for
    /// 0.01 % more slots (chunks that start a line each, padded, took 8.3 lines for 14 % more slots,
    /// which measured slower at 4096 rows: the trees and the rows' keys no longer fit L2). -1: a padding slot.
    static func chunkedOrder(_ tree: DecisionTree, start: Int) -> [Int] {
        var order = [0], depth = [0]
        var pending = [(Int, Int)]()  // sibling pairs below the breadth-first levels, in the order met
        var i = 0
        while i < order.count {
            let node = order[i]
            if !tree.isLeaf(node) {
                let pair = (tree.childrenLeft[node], tree.childrenRight[node])
                if depth[i] + 1 < breadthFirstLevels {
                    order += [pair.0, pair.1]
                    depth += [depth[i] + 1, depth[i] + 1]
                } else {
                    pending.append(pair)
                }
            }
            i += 1
        }
        var next = 0
        while next < pending.count {
            // The chunk fills what is left of the current line (a pair at least: else that slot is padding).
            var room = chunkRecords - (start + order.count) % chunkRecords
            if room < 2 {
                order += repeatElement(-1, count: room)
                room = chunkRecords
            }
            var chunk = [pending[next]]
            next += 1
            var k = 0
            while k < chunk.count {
                for node in [chunk[k].0, chunk[k].1] where !tree.isLeaf(node) {
                    let pair = (tree.childrenLeft[node], tree.childrenRight[node])
                    if 2 * (chunk.count + 1) <= room { chunk.append(pair) } else { pending.append(pair) }
                }
                k += 1
            }
            for pair in chunk { order += [pair.0, pair.1] }
        }
        return order
    }
}
