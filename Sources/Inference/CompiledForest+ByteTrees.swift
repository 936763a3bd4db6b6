import CTreeKernels

/// The complete layout of trees at most 4 deep on byte lanes, for the kernel that decides one heap
/// position of 32 trees for one row with one permutation and one compare (`ctk_shallow_bytes_add`,
/// ShallowBytes.c, on 256-bit vectors: AVX-512 VBMI and BITALG, or AVX2): the few-rows path of shallow
/// forests (the reference model's), before `AcrossTrees`, and without AVX-512 every call's
/// (`CompiledForest.bytesTakeEveryCall`).
///
/// Exactness: an input key's rank among its feature's distinct threshold keys (`ThresholdTable.key`:
/// each threshold rounded down to Float) decides every node of that feature as the key does:
/// `key <= k_j` iff at most j keys are below it (see `RankEncoder`). Trees shallower than 4 are
/// padded to depth 4: a leaf above depth 4 fills its whole padded subtree, so the padding nodes'
/// tests (feature 0, rank 0) do not matter, and QuickScorer's rule still lands in that subtree.
/// Float32 sums (XGBoost's, `float32(trees:featureCount:)`): the leaf values are the Floats XGBoost
/// holds, and the kernel adds them on Floats in tree order from the sum it is given (a Float), so the
/// sums are `InterleavedForest`'s and XGBoost's.
/// A class, so that the few-rows path retains one reference per call rather than each of its arrays.
final class ByteTrees: Sendable {
    static let maxFeatures = 32
    /// A rank is one byte: at most 255 keys a feature.
    static let maxKeysPerFeature = 255
    static let blockTrees = 32
    static let positions = 15
    /// The kernel's best build on this CPU (`ctk_byte_lanes`: 2 AVX-512 VBMI, 1 AVX2, 0 none).
    static let bestInstructionSet = Int(ctk_byte_lanes())

    let treeCount: Int
    let featureCount: Int
    /// Per block of 32 trees, per heap position p (0...14), per tree j: [(15 · block + p) · 32 + j].
    let nodeFeature: [UInt8]
    /// The node's threshold's index among its feature's keys, xor 0x80 (the kernel compares signed bytes).
    let nodeRank: [UInt8]
    /// 16 leaf values a tree (depth-4 leaves, left to right; the complete layout's, repeated when shallower).
    let values: [Double]
    /// The same values as Floats when the sums are float32 (then the kernel adds these, on Floats); else empty.
    let values32: [Float]
    /// `ThresholdTable.keys` (per feature its distinct keys ascending, padded to 16 with `Int32.max`),
    /// and the feature of each group of 16.
    let keys: [Int32]
    let groupFeature: [UInt8]
    /// The row-lane layout (`ctk_row_lanes`, for `addRows`) where the CPU runs it, else empty: per tree 16
    /// node slots (each the byte offset of its threshold key's decisions: 32 times the key's index among
    /// the forest's), and its leaf values as byte planes.
    let rowNodes: [UInt32]
    let rowTables: [Int32]
    /// Rows a block of `addRows`.
    static let rowBlock = 32
    /// `ctk_row_lanes_add` runs on this CPU (AVX2): the layout is built (tests run it wherever it runs).
    static let rowLanesRun = ctk_row_lanes_available() != 0
    /// `addOnEitherLanes` gives rows to the row lanes: only where AVX-512 does not run. There QuickScorer
    /// takes the larger calls (0.12 µs a row at 4096 rows on AMD Zen 4, against ~0.16 for row lanes on a
    /// Zen 3, whose clock is about as fast), and row lanes are unmeasured.
    static let rowLanesChosen = rowLanesRun && CompiledForest.bytesTakeEveryCall

    /// nil unless the kernel runs on this CPU and the forest fits it. `nodeFeature`, `nodeThreshold`
    /// (keys) and `leafValue` are `CompiledForest`'s complete layout of depth `depth`.
    /// `float32Sums`: every leaf value is already an exact Float, and the sums are to be added in float32.
    init?(trees: [DecisionTree], depth: Int, featureCount: Int, nodeFeature: [Int32], nodeThreshold: [Int32], leafValue: [Double],
          float32Sums: Bool = false) {
        guard Self.bestInstructionSet > 0, depth >= 1, depth <= ShallowForest.maxDepth,
              featureCount <= Self.maxFeatures, !trees.isEmpty else { return nil }
        let table = ThresholdTable(trees: trees, featureCount: featureCount)
        guard table.featureKeyCount.allSatisfy({ $0 <= Self.maxKeysPerFeature }) else { return nil }
        let positions = (1 << depth) - 1
        let blocks = (trees.count + Self.blockTrees - 1) / Self.blockTrees
        var features = [UInt8](repeating: 0, count: blocks * Self.positions * Self.blockTrees)
        var ranks = [UInt8](repeating: 0x80, count: features.count)
        var values = [Double](repeating: 0, count: trees.count * 16)
        // Padding positions keep key 0: their outcomes do not matter (as above).
        let rowLanes = Self.rowLanesRun
        var rowNodes = rowLanes ? [UInt32](repeating: 0, count: trees.count * 16) : []
        for t in 0..<trees.count {
            // Positions from `positions` on stay (feature 0, rank 0): padding, whose tests do not matter.
            for node in 0..<positions {
                let feature = Int(nodeFeature[t * positions + node])
                let start = table.featureStart[feature]
                let featureKeys = table.keys[start ..< start + table.featureKeyCount[feature]]
                // The count of keys below the node's: its index for a real split, some byte for padding.
                let rank = featureKeys.firstIndex { $0 >= nodeThreshold[t * positions + node] }.map { $0 - start } ?? featureKeys.count
                let slot = ((t / Self.blockTrees) * Self.positions + node) * Self.blockTrees + t % Self.blockTrees
                // Bit 7 from feature 16 on: the AVX2 build's first lookup (of ranks 0–15) reads it as
                // zero, its second (of 16–31) sees it cleared; VBMI's permutation reads bits 0–4 only.
                features[slot] = UInt8(feature | (feature & 16) << 3)
                ranks[slot] = UInt8(rank) ^ 0x80
                // A padding node's rank may be its feature's key count (even 0 of 0): it reads the forest's
                // first key instead, whose decisions the kernel always writes.
                if rowLanes && rank < table.featureKeyCount[feature] { rowNodes[t * 16 + node] = UInt32(32 * (start + rank)) }
            }
            for leaf in 0..<16 { values[t * 16 + leaf] = leafValue[t << depth + leaf >> (4 - depth)] }
        }
        treeCount = trees.count
        self.featureCount = featureCount
        self.nodeFeature = features
        self.nodeRank = ranks
        self.values = values
        values32 = float32Sums ? values.map { Float($0) } : []
        self.rowNodes = rowNodes
        rowTables = rowLanes ? Self.rowPlanes(values: values, float32Sums: float32Sums) : []
        keys = table.keys
        var groupFeature = [UInt8]()
        for f in 0..<featureCount {
            let groups = (table.featureStart[f + 1] - table.featureStart[f]) / ThresholdTable.groupSize
            groupFeature += repeatElement(UInt8(f), count: groups)
        }
        self.groupFeature = groupFeature
    }

    /// `ctk_row_lanes`' planes from 16 leaf values a tree: plane k holds byte k of each value (a Double's,
    /// or for float32 sums a Float's), leaf l's at byte l (the kernel broadcasts them to both halves of
    /// a 256-bit lookup).
    private static func rowPlanes(values: [Double], float32Sums: Bool) -> [Int32] {
        let width = float32Sums ? 4 : 8
        var planes = [Int32]()
        planes.reserveCapacity(values.count / 16 * width * 4)
        for tree in stride(from: 0, to: values.count, by: 16) {
            let bits = (0..<16).map { v in
                float32Sums ? UInt64(Float(values[tree + v]).bitPattern) : values[tree + v].bitPattern
            }
            for k in 0..<width {
                let bytes = bits.map { UInt32(truncatingIfNeeded: $0 >> (8 * k)) & 0xFF }
                let words = (0..<4).map { Int32(bitPattern: bytes[4 * $0] | bytes[4 * $0 + 1] << 8 | bytes[4 * $0 + 2] << 16 | bytes[4 * $0 + 3] << 24) }
                planes += words
            }
        }
        return planes
    }

    /// The byte layout of trees whose leaf values are summed in float32 (XGBoost's: each value rounded to
    /// Float, each addition on Floats), or nil where the kernel does not run or the trees do not fit
    /// (deeper than 4, more than 32 features or 255 thresholds a feature, or only leaves).
    static func float32(trees: [DecisionTree], featureCount: Int) -> ByteTrees? {
        let depth = trees.map(\.depth).max() ?? 0
        guard Self.bestInstructionSet > 0, depth >= 1, depth <= ShallowForest.maxDepth,
              trees.allSatisfy({ $0.valueWidth == 1 }) else { return nil }
        let layout = CompiledForest.completeLayout(trees, depth: depth) { Double(Float($0)) }
        return ByteTrees(trees: trees, depth: depth, featureCount: featureCount, nodeFeature: layout.features,
                         nodeThreshold: layout.thresholds, leafValue: layout.leaves, float32Sums: true)
    }

    /// Adds every tree's leaf value in tree order to `acc[r]` for `count` rows of input keys
    /// (`featureCount` a row); for float32 sums `acc[r]` holds a Float and gets one. The pointers are
    /// borrowed for the call. `instructionSet` (1...`bestInstructionSet`; tests lower it) picks the build.
    func add(_ inputKeys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>,
             instructionSet: Int = ByteTrees.bestInstructionSet) {
        precondition(instructionSet >= 1 && instructionSet <= Self.bestInstructionSet)
        withKernelForest { forest in ctk_shallow_bytes_add(forest, inputKeys, Int64(count), acc, Int32(instructionSet)) }
    }

    /// This layout as both kernels' `ctk_shallow_bytes`, its arrays borrowed for `body` only.
    @inline(__always)
    private func withKernelForest(_ body: (UnsafePointer<ctk_shallow_bytes>) -> Void) {
        nodeFeature.withUnsafeBufferPointer { features in
        nodeRank.withUnsafeBufferPointer { ranks in
        values.withUnsafeBufferPointer { values in
        values32.withUnsafeBufferPointer { values32 in
        keys.withUnsafeBufferPointer { keys in
        groupFeature.withUnsafeBufferPointer { groupFeature in
            var forest = ctk_shallow_bytes(nodeFeature: features.baseAddress, nodeRank: ranks.baseAddress, values: values.baseAddress,
                                           values32: values32.isEmpty ? nil : values32.baseAddress,
                                           keys: keys.baseAddress, groupFeature: groupFeature.baseAddress,
                                           groupCount: Int64(groupFeature.count), treeCount: Int64(treeCount),
                                           featureCount: Int64(featureCount))
            body(&forest)
        }
        }
        }
        }
        }
        }
    }

    /// Where row lanes run, a call's last rows past its whole blocks of 32 go to them too (the block padded)
    /// from this many on: a padded block costs about what the trees' lanes cost for 16 rows (reference
    /// model on an AMD Zen 3, InferenceBench, ns a row at 16 rows: 340-470 against 356-510; at 20:
    /// 256-380 against 500).
    static let rowLanesFrom = 16

    /// `addOnEitherLanes` gives rows to the row lanes.
    var takesRows: Bool { Self.rowLanesChosen && !rowNodes.isEmpty }

    /// Adds every tree's leaf value in tree order to `acc[r]` for `count` rows of input keys (as `add`), on
    /// the layout that suits the count: whole blocks of 32 rows (and a last partial block of 16 rows or
    /// more) on row lanes where they are chosen (`rowLanesChosen`), the rest on the trees' lanes.
    func addOnEitherLanes(_ inputKeys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        let rest = count % Self.rowBlock
        let onRows = takesRows ? count - (rest >= Self.rowLanesFrom ? 0 : rest) : 0
        if onRows > 0 { addRows(inputKeys, onRows, acc) }
        if onRows < count { add(inputKeys + onRows * featureCount, count - onRows, acc + onRows) }
    }

    /// `add`'s sums on row lanes (`ctk_row_lanes_add`): 32 rows at a time, a tree at a time, for many rows.
    /// Needs the row-lane layout (`rowNodes` not empty).
    func addRows(_ inputKeys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        precondition(!rowNodes.isEmpty)
        withKernelForest { forest in
        rowNodes.withUnsafeBufferPointer { rowNodes in
        rowTables.withUnsafeBufferPointer { rowTables in
            var lanes = ctk_row_lanes(nodes: rowNodes.baseAddress, tables: rowTables.baseAddress)
            // A block's decisions: 32 KiB or less for most forests (26 KiB for the reference model's 52 groups).
            withUnsafeTemporaryAllocation(byteCount: groupFeature.count * 16 * 32, alignment: 32) { scratch in
                ctk_row_lanes_add(forest, &lanes, inputKeys, Int64(count), acc, scratch.baseAddress)
            }
        }
        }
        }
    }
}
