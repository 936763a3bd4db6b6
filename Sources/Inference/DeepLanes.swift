import CTreeKernels

/// `InterleavedForest`'s trees up to 8 deep laid out for `ctk_deep_lanes_add` (DeepLanes.c): blocks of up
/// to 512 rows on bit lanes, every node of a tree decided for all of them at once, on AVX2. Used for many
/// rows where AVX-512 does not run (`chosen`): there a tree walk, scalar or gathering, costs about 4
/// cycles a level a row (AMD Zen 3).
///
/// Exactness: a node decides as `InterleavedForest`'s does. Its decision line is its feature's and its
/// threshold's, as the same `CompiledForest.orderKey` (the threshold rounded down to Float): the rows whose
/// input key is above it, missing values (key `Int32.max`) among them unless the split sends them left,
/// which then has a line of its own without them. Each tree is complete at its own depth: a leaf above it
/// fills its padded subtree, so the padding nodes' outcomes do not matter. Leaf values are
/// `InterleavedForest`'s (Floats for float32 sums), added in tree order.
/// A class, so that copies of the forest share it.
final class DeepLanes: Sendable {
    static let maxDepth = 8
    /// A node's slot is its line's byte offset, a UInt32.
    static let maxLines = Int(UInt32.max) / (blockRows / 8)
    /// `ctk_deep_lanes_add` runs on this CPU (AVX2): the layout is built (tests run it wherever it runs).
    static let runs = ctk_deep_lanes_available() != 0
    /// Where `InterleavedForest` gives it many rows: AVX2 without AVX-512 (AVX-512's walks were not measured
    /// against it). On an AMD Zen 3, XGBoost's 200 trees of depth 8 at 4096 rows: 3.0 µs a row walked,
    /// 0.35–0.45 on these lanes; at 100 rows 3.0 and 0.7–0.8 (InferenceBench).
    static let chosen = runs && InterleavedForest.bestInstructionSet == 1
    /// Rows a block of the kernel.
    static let blockRows = Int(ctk_deep_lanes_block)

    let treeCount: Int
    let featureCount: Int
    /// Per raw score, its trees' positions here: the forest's trees are ordered by the score they add to,
    /// each score's in the forest's order.
    let outputTrees: [Range<Int>]
    /// Per tree its depth (0...8), its nodes' decision lines' byte offsets in heap order, its leaf values left to right.
    let depths: [UInt8]
    let slots: [UInt32]
    /// Per tree, where its slots and its leaf values start (a slice of trees starts there).
    let treeSlot: [Int]
    let treeValue: [Int]
    let values: [Double]
    /// The leaf values as Floats for float32 sums (then the kernel adds these, on Floats); else empty.
    let values32: [Float]
    /// The decision lines (a block's decisions of one test, `blockRows` bits), per feature f from
    /// featureLines[f]: first its thermometer, one line a distinct threshold key of f, ascending (the rows
    /// above it, a missing value's key `Int32.max` included), up to thermometerEnd[f]; then, one a key of a
    /// split sending missing values left, its thermometer line without the missing rows.
    let featureLines: [Int32]
    let thermometerEnd: [Int32]
    /// Per line: a thermometer line's key; a missing-left line's thermometer line (else 0).
    let lineKey: [Int32]
    let lineSource: [Int32]
    /// Per feature with 1 to `searchedUpTo` thermometer lines (n keys), where its search keys start in
    /// `searchKeys`, and their levels L (1–4, 16^L ≥ n); for others (decided by compares) levels 0 and
    /// start 0. The keys padded with `Int32.max` to n + 32 (P), after L − 1 levels of splitters, coarsest
    /// first: level k (k = L − 1 … 1) holds P[16^k · i + 16^k − 1], the last key of each group of 16^k, for
    /// i < (n >> 4k) + 32.
    let searchStart: [Int32]
    let searchLevels: [Int32]
    let searchKeys: [Int32]
    /// Whether any feature with keys is decided by compares (more keys than `searchedUpTo`).
    var comparedFeatures: Bool {
        searchLevels.indices.contains { searchLevels[$0] == 0 && thermometerEnd[$0] > featureLines[$0] }
    }
    /// A rank is 15 bits (the kernel's 16th marks a missing key); four steps of 16 keys find it.
    static let searchedUpTo = 32767

    /// nil unless the kernel runs here and the trees fit: one value a leaf, at most `maxDepth` deep, at
    /// most `maxLines` decision lines. `scale` gives a leaf's value as
    /// `InterleavedForest` holds it. `searchedUpTo` (tests lower it) is the most keys a searched feature has.
    init?(_ ensemble: TreeEnsemble, trees: [DecisionTree], scale: (Double) -> Double, searchedUpTo: Int = DeepLanes.searchedUpTo) {
        guard Self.runs, !trees.isEmpty, trees.allSatisfy({ $0.valueWidth == 1 && $0.depth <= Self.maxDepth }) else { return nil }
        // The trees by raw score, each score's in the forest's order (a slice of them adds to one score).
        let order = trees.indices.sorted { (ensemble.treeOutput[$0], $0) < (ensemble.treeOutput[$1], $1) }
        var outputTrees = [Range<Int>](repeating: 0..<0, count: ensemble.outputCount)
        for (position, t) in order.enumerated() {
            let k = ensemble.treeOutput[t]
            outputTrees[k] = outputTrees[k].isEmpty ? position ..< position + 1 : outputTrees[k].lowerBound ..< position + 1
        }
        self.outputTrees = outputTrees
        /// A node's test.
        struct Test: Hashable {
            let feature: Int, missingLeft: Bool, key: Int32
        }
        var nodeTests = [Test?](), values = [Double](), depths = [UInt8]()
        for tree in order.map({ trees[$0] }) {
            let complete = tree.complete(depth: tree.depth)
            let tests = complete.internalNodes.map { node in
                node.map { Test(feature: tree.feature[$0], missingLeft: ensemble.acceptsMissing && tree.missingGoesLeft[$0],
                                key: CompiledForest.orderKey(CompiledForest.floatRoundedDown(tree.threshold[$0]))) }
            }
            let leaves = complete.leaves.map { scale(tree.value[$0]) }
            depths.append(UInt8(complete.depth))
            nodeTests += tests
            values += leaves
        }
        let used = Set(nodeTests.compactMap { $0 })
        let keysOf = Dictionary(grouping: used, by: \.feature).mapValues { Set($0.map(\.key)).sorted() }
        var line = [Test: Int]()
        var featureLines = [Int32](), thermometerEnd = [Int32](), lineKey = [Int32](), lineSource = [Int32]()
        var searchStart = [Int32](), searchLevels = [Int32](), searchKeys = [Int32]()
        for f in 0..<ensemble.featureCount {
            featureLines.append(Int32(lineKey.count))
            let keys = keysOf[f] ?? []
            let first = lineKey.count
            for (i, key) in keys.enumerated() {
                line[Test(feature: f, missingLeft: false, key: key)] = first + i
                lineKey.append(key)
                lineSource.append(0)
            }
            thermometerEnd.append(Int32(lineKey.count))
            for key in keys where used.contains(Test(feature: f, missingLeft: true, key: key)) {
                line[Test(feature: f, missingLeft: true, key: key)] = lineKey.count
                lineSource.append(Int32(line[Test(feature: f, missingLeft: false, key: key)]!))
                lineKey.append(key)
            }
            if keys.isEmpty || keys.count > Swift.min(searchedUpTo, Self.searchedUpTo) {
                searchStart.append(0)
                searchLevels.append(0)
            } else {
                let levels = keys.count <= 16 ? 1 : keys.count <= 256 ? 2 : keys.count <= 4096 ? 3 : 4
                let padded = keys + [Int32](repeating: .max, count: 32)
                searchStart.append(Int32(searchKeys.count))
                searchLevels.append(Int32(levels))
                for k in stride(from: levels - 1, through: 1, by: -1) {
                    let group = 1 << (4 * k)
                    searchKeys += (0 ..< (keys.count >> (4 * k)) + 32).map { i in
                        group * i + group - 1 < keys.count ? keys[group * i + group - 1] : .max
                    }
                }
                searchKeys += padded
            }
        }
        featureLines.append(Int32(lineKey.count))
        guard lineKey.count <= Self.maxLines else { return nil }
        // Padding nodes read line 0, which the kernel always writes.
        slots = nodeTests.map { $0.map { UInt32(Self.blockRows / 8 * line[$0]!) } ?? 0 }
        self.featureLines = featureLines
        self.thermometerEnd = thermometerEnd
        self.lineKey = lineKey
        self.lineSource = lineSource
        self.searchStart = searchStart
        self.searchLevels = searchLevels
        self.searchKeys = searchKeys
        treeCount = trees.count
        featureCount = ensemble.featureCount
        self.depths = depths
        var treeSlot = [0], treeValue = [0]
        for depth in depths.dropLast() {
            treeSlot.append(treeSlot.last! + (1 << depth) - 1)
            treeValue.append(treeValue.last! + 1 << depth)
        }
        self.treeSlot = treeSlot
        self.treeValue = treeValue
        self.values = values
        values32 = ensemble.accumulation == .float32 ? values.map { Float($0) } : []
    }

    /// This layout as the kernel's `ctk_deep_lanes`, with a block's scratch, for `body` only.
    func withKernel<T>(_ body: (inout Kernel) -> T) -> T {
        depths.withUnsafeBufferPointer { depths in
        slots.withUnsafeBufferPointer { slots in
        values.withUnsafeBufferPointer { values in
        values32.withUnsafeBufferPointer { values32 in
        featureLines.withUnsafeBufferPointer { featureLines in
        thermometerEnd.withUnsafeBufferPointer { thermometerEnd in
        lineKey.withUnsafeBufferPointer { lineKey in
        lineSource.withUnsafeBufferPointer { lineSource in
        searchStart.withUnsafeBufferPointer { searchStart in
        searchLevels.withUnsafeBufferPointer { searchLevels in
        searchKeys.withUnsafeBufferPointer { searchKeys in
            let forest = ctk_deep_lanes(depths: depths.baseAddress, slots: slots.baseAddress, values: values.baseAddress,
                                        values32: values32.isEmpty ? nil : values32.baseAddress,
                                        featureLines: featureLines.baseAddress, thermometerEnd: thermometerEnd.baseAddress,
                                        lineKey: lineKey.baseAddress, lineSource: lineSource.baseAddress,
                                        searchStart: searchStart.baseAddress, searchLevels: searchLevels.baseAddress,
                                        searchKeys: searchKeys.baseAddress,
                                        treeCount: Int64(treeCount), featureCount: Int64(featureCount), lineCount: Int64(lineKey.count))
            // A block's decisions (64 bytes a line: 320 KiB for 5,000 lines) and its keys, sums and leaves:
            // the heap's when large.
            var size = forest
            return withUnsafeTemporaryAllocation(byteCount: Int(ctk_deep_lanes_scratch(&size)), alignment: 32) { scratch in
                var kernel = Kernel(forest: forest, scratch: scratch.baseAddress!, treeSlot: treeSlot, treeValue: treeValue,
                                    outputTrees: outputTrees)
                return body(&kernel)
            }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        }
    }

    /// The kernel's forest and a block's scratch, borrowed for one `withKernel` call.
    struct Kernel {
        var forest: ctk_deep_lanes
        let scratch: UnsafeMutableRawPointer
        let treeSlot: [Int]
        let treeValue: [Int]
        let outputTrees: [Range<Int>]

        /// The decisions of `features` for a block of `count` rows (1...`blockRows`) of input keys; `add`
        /// needs every feature's.
        mutating func decide(_ inputKeys: UnsafePointer<Int32>, _ count: Int, features: Range<Int>) {
            ctk_deep_lanes_decide(&forest, inputKeys, Int64(count), Int64(features.lowerBound), Int64(features.count), scratch)
        }

        /// Adds the leaf values of `trees` (positions in this layout's order: raw score k's are
        /// `outputTrees[k]`) in tree order to `acc[r]` for the `count` rows last decided; for float32 sums
        /// `acc[r]` holds a Float and gets one.
        mutating func add(_ trees: Range<Int>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
            // The slice's trees: the forest's pointers advanced to its first tree (the kernel reaches a tree
            // only through them), its decision lines the same.
            var slice = forest
            slice.depths += trees.lowerBound
            slice.slots += treeSlot[trees.lowerBound]
            slice.values += treeValue[trees.lowerBound]
            if slice.values32 != nil { slice.values32 += treeValue[trees.lowerBound] }
            slice.treeCount = Int64(trees.count)
            ctk_deep_lanes_add(&slice, Int64(count), acc, scratch)
        }
    }
}
