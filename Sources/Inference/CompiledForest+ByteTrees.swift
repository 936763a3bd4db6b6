import CTreeKernels

/// The complete layout of trees at most 8 deep on byte lanes, for the kernels that decide one heap
/// position of 32 trees for one row with one permutation and one compare: trees at most 4 deep padded
/// to depth 4 (`ctk_shallow_bytes_add`, ShallowBytes.c, on 256-bit vectors: AVX-512 VBMI and BITALG, or
/// AVX2): the few-rows path of shallow forests (the reference model's), before `AcrossTrees`, and
/// without AVX-512 every call's (`CompiledForest.bytesTakeEveryCall`); deeper trees at their own depth,
/// 5–8 (`ctk_deep_bytes_add`, DeepBytes.c, AVX2): the few-rows path of deeper boosting where AVX-512 does
/// not run (`EnsemblePredictor.fewRows`).
///
/// Exactness: an input key's rank among its feature's distinct threshold keys (`ThresholdTable.key`:
/// each threshold rounded down to Float) decides every node of that feature as the key does:
/// `key <= k_j` iff at most j keys are below it (see `RankEncoder`). A rank is a byte, so a feature's
/// keys are cut into slots of at most 255 (deeper layouts only; shallow ones need a slot a feature, which
/// their row lanes read as features): key j of a feature is key j − 255s of its slot s, and the input is
/// above it iff its rank in that slot is above j − 255s, as every key of the slots before is below j.
/// Trees shallower than the layout are padded: a leaf above the layout's depth fills its whole padded
/// subtree, so the padding nodes' tests do not matter, and the kernels' paths still land in that subtree.
/// Float32 sums (XGBoost's, `float32Sums`): the leaf values are the Floats XGBoost holds, and the kernels
/// add them on Floats in tree order from the sum they are given (a Float), so the sums are
/// `InterleavedForest`'s and XGBoost's.
/// A class, so that the few-rows path retains one reference per call rather than each of its arrays.
final class ByteTrees: Sendable {
    /// Rank slots of the deeper layouts and leaf sets (the kernels look a row's ranks up in up to four 16-byte
    /// tables: `slotByte`).
    static let maxSlots = 64
    /// Rank slots at depth 4, a slot a feature (two tables; VBMI's permutation reads 5 bits of a slot byte).
    static let maxShallowSlots = 32
    /// A rank is one byte: at most 255 keys a slot.
    static let maxKeysPerSlot = 255
    static let blockTrees = 32
    /// Trees up to this deep are padded to it, for `ctk_shallow_bytes_add` and row lanes.
    static let shallowDepth = 4
    /// Deeper trees on byte lanes: their cost doubles a level (DeepBytes.c), and depth 8 is already half the walks'.
    static let maxDepth = 8
    /// Deeper trees of at most this many leaves are laid out as leaf sets (one bit a leaf, LeafSets.c).
    static let maxLeafSetLeaves = 32
    /// Trees of at most 32 leaves this deep or deeper go to leaf sets rather than the complete layout: their
    /// cost follows the leaves, the complete layout's doubles a level (AMD Zen 3, InferenceBench, 200 trees
    /// on 20 features at 2 rows, ns a row: LightGBM's 31 leaves at most 8 deep 1,385 complete, 1,165 as
    /// leaf sets; XGBoost's depth 7, 64 leaves and more, 751 complete).
    static let leafSetsFromDepth = 8
    /// The kernel's best build on this CPU (`ctk_byte_lanes`: 2 AVX-512 VBMI, 1 AVX2, 0 none). The deeper
    /// layouts' kernel is AVX2's at either.
    static let bestInstructionSet = Int(ctk_byte_lanes())
    /// `EnsemblePredictor` gives few rows of trees 5–8 deep to the deeper layouts: only where AVX-512 does not
    /// run (there the walks gather, QuickScorer takes batches, and these layouts are unmeasured).
    static let deepChosen = bestInstructionSet > 0 && CompiledForest.bytesTakeEveryCall
    /// Calls of fewer rows go to the deeper layouts (`deepChosen`); from here on `InterleavedForest`, whose
    /// blocks of rows on bit lanes (`DeepLanes`) cost about as much a row at 48 rows and less from 56 on
    /// (AMD Zen 3, InferenceBench, best of 4 alternating runs, ns a row at 40 / 48 / 56 / 64 rows, bit lanes
    /// against these: XGBoost's 200 trees of depth 6 1,106 / 862 / 859 / 449 against 428 / 430 / 432 / 469,
    /// of depth 8 1,589 / 1,271 / 1,076 / 973 against 1,320 / 1,336 / 1,343 / 1,254; scikit-learn's 300
    /// trees of depth 6 809 / 677 / 604 / 487 against 806 / 593 / 596 / 607).
    static let deepRowsBelow = 48

    let treeCount: Int
    /// The raw scores the trees add to: tree t to raw score t mod `outputCount` (`sums(of:…)` says why).
    let outputCount: Int
    let featureCount: Int
    /// The layout's depth: 4 for every forest at most 4 deep, else the deepest tree's (5–8); 0 for leaf sets.
    let depth: Int
    /// Per block of 32 trees, per heap position p (0 ..< 2^depth − 1), per tree j:
    /// [((2^depth − 1) · block + p) · 32 + j]: the node's slot as `slotByte` encodes it.
    let nodeFeature: [UInt8]
    /// The node's threshold's index among its slot's keys, xor 0x80 (the kernel compares signed bytes).
    let nodeRank: [UInt8]
    /// 2^depth leaf values a tree (left to right; the complete layout's, repeated when shallower).
    let values: [Double]
    /// The same values as Floats when the sums are float32 (then the kernel adds these, on Floats); else empty.
    let values32: [Float]
    /// Per slot its keys ascending, padded to 16 with `Int32.max` (at depth 4, `ThresholdTable.keys`);
    /// the slot of each group of 16; the feature of each slot.
    let keys: [Int32]
    let groupFeature: [UInt8]
    let slotFeature: [Int32]
    /// Where the layout routes missing values (not empty), per slot 1 when its splits send them left (a
    /// missing input ranks first there, and last in the others).
    let slotMissingLeft: [UInt8]
    /// The layout sends a missing value (NaN) where each split says; else right at every split, as ranks do.
    var routesMissing: Bool { !slotMissingLeft.isEmpty }
    /// Per slot, its groups' last keys, 16 (`Int32.max` past its groups); and its first group, then `groupCount`.
    let splitters: [Int32]
    let slotGroup: [Int32]
    /// Leaf sets only (`depth` 0): node slots a tree, and per slot the leaves a row sent right there cannot
    /// reach, one bit a leaf, as four byte planes of 32 trees (`ctk_byte_trees.nodeClear`); else 0 and empty.
    let positions: Int
    let nodeClear: [UInt8]
    /// The row-lane layout (`ctk_row_lanes`, for `addRows`) where the CPU runs it and the layout is 4 deep,
    /// else empty: per tree 16 node slots (each the byte offset of its threshold key's decisions: 32 times
    /// the key's index among the forest's), and its leaf values as byte planes.
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
    /// `outputCount` (`sums(of:…)`) above 1 only deeper than 4 (depth 4's kernel and row lanes add to one sum).
    init?(trees: [DecisionTree], depth: Int, featureCount: Int, nodeFeature: [Int32], nodeThreshold: [Int32], leafValue: [Double],
          float32Sums: Bool = false, routesMissing: Bool = false, outputCount: Int = 1) {
        let layoutDepth = max(depth, Self.shallowDepth)
        guard Self.bestInstructionSet > 0, depth >= 1, depth <= Self.maxDepth, !trees.isEmpty,
              outputCount == 1 || (layoutDepth > Self.shallowDepth && Self.fitsOutputs(outputCount, trees: trees.count)) else { return nil }
        // Depth 4's kernel ranks a row against every key (ranks_of), which does not route missing values.
        let routes = routesMissing && layoutDepth > Self.shallowDepth
        let table = ThresholdTable(trees: trees, featureCount: featureCount)
        guard let slots = Slots(table, aSlotAFeature: layoutDepth == Self.shallowDepth,
                                sides: Slots.sides(trees, featureCount: featureCount, routesMissing: routes)) else { return nil }
        let positions = (1 << depth) - 1, layoutPositions = (1 << layoutDepth) - 1, leaves = 1 << layoutDepth
        let blocks = (trees.count + Self.blockTrees - 1) / Self.blockTrees
        var features = [UInt8](repeating: 0, count: blocks * layoutPositions * Self.blockTrees)
        var ranks = [UInt8](repeating: 0x80, count: features.count)
        var values = [Double](repeating: 0, count: trees.count * leaves)
        // Padding positions keep slot 0 and rank 0: their outcomes do not matter (as above).
        let rowLanes = Self.rowLanesRun && layoutDepth == Self.shallowDepth
        var rowNodes = rowLanes ? [UInt32](repeating: 0, count: trees.count * 16) : []
        for t in 0..<trees.count {
            // Which split (if any) is at each position, for the side its missing values go to.
            let complete = routes ? trees[t].complete(depth: depth) : nil
            for node in 0..<positions {
                let feature = Int(nodeFeature[t * positions + node])
                let start = table.featureStart[feature], count = table.featureKeyCount[feature]
                // The count of keys below the node's: its index for a real split, some count for padding.
                let index = table.keys[start ..< start + count].firstIndex { $0 >= nodeThreshold[t * positions + node] }.map { $0 - start } ?? count
                let slotByte = ((t / Self.blockTrees) * layoutPositions + node) * Self.blockTrees + t % Self.blockTrees
                // A padding node may have no key at its index (or its feature none at all, or no slot on a side):
                // any slot will do.
                let split = complete.map { $0.internalNodes[node] }
                let padding = count == 0 || split.map { $0 == nil } ?? false
                let missingLeft = split.flatMap { $0 }.map { trees[t].missingGoesLeft[$0] } ?? false
                let (slot, rank) = padding ? (0, 0) : slots.place(feature: feature, index: min(index, count - 1), missingLeft: missingLeft)
                features[slotByte] = Self.slotByte(slot)
                ranks[slotByte] = UInt8(rank) ^ 0x80
                // A padding node's index may be its feature's key count (even 0 of 0): it reads the forest's
                // first key instead, whose decisions the kernel always writes.
                if rowLanes && index < count { rowNodes[t * 16 + node] = UInt32(32 * (start + index)) }
            }
            for leaf in 0..<leaves { values[t * leaves + leaf] = leafValue[t << depth + leaf >> (layoutDepth - depth)] }
        }
        treeCount = trees.count
        self.outputCount = outputCount
        self.featureCount = featureCount
        self.depth = layoutDepth
        self.nodeFeature = features
        self.nodeRank = ranks
        self.values = values
        values32 = float32Sums ? values.map { Float($0) } : []
        self.rowNodes = rowNodes
        rowTables = rowLanes ? Self.rowPlanes(values: values, float32Sums: float32Sums) : []
        keys = slots.keys
        groupFeature = slots.groupSlot
        slotFeature = slots.slotFeature
        slotGroup = slots.slotGroup + [Int32(slots.groupSlot.count)]
        splitters = slots.splitters
        self.positions = 0
        nodeClear = []
        slotMissingLeft = routes ? slots.slotMissingLeft : []
    }

    /// Trees of at most `maxLeafSetLeaves` leaves, of any depth, as leaf sets (`ctk_leaf_sets_add`, LeafSets.c):
    /// each tree's internal nodes in preorder in node slots, its leaves numbered left to right, values 32 a
    /// tree. `leafValue(t, node)` is tree t's value at leaf `node` (scaled, or a Float's, as the sums want).
    /// nil where the kernel does not run or the trees do not fit (more leaves, more than 64 rank slots, or only leaves).
    init?(leafSetsOf trees: [DecisionTree], featureCount: Int, float32Sums: Bool, routesMissing: Bool = false,
          outputCount: Int = 1, leafValue: (Int, Int) -> Double) {
        guard Self.bestInstructionSet > 0, !trees.isEmpty, trees.contains(where: { $0.nodeCount > 1 }),
              trees.allSatisfy({ $0.leafCount <= Self.maxLeafSetLeaves }), Self.fitsOutputs(outputCount, trees: trees.count) else { return nil }
        let table = ThresholdTable(trees: trees, featureCount: featureCount)
        guard let slots = Slots(table, aSlotAFeature: false, sides: Slots.sides(trees, featureCount: featureCount, routesMissing: routesMissing))
        else { return nil }
        let positions = trees.map(\.leafCount).max()! - 1
        let blocks = (trees.count + Self.blockTrees - 1) / Self.blockTrees
        var features = [UInt8](repeating: 0, count: blocks * positions * Self.blockTrees)
        var ranks = [UInt8](repeating: 0x80, count: features.count)
        // Padding slots clear nothing, so their outcomes do not matter.
        var clear = [UInt8](repeating: 0, count: 4 * features.count)
        var values = [Double](repeating: 0, count: trees.count * 32)
        for (t, tree) in trees.enumerated() {
            var slot = 0, leaf = 0
            // Preorder; a left subtree's leaves are the ones numbered while it is visited.
            func visit(_ node: Int) {
                if tree.isLeaf(node) {
                    values[t * 32 + leaf] = leafValue(t, node)
                    leaf += 1
                    return
                }
                let at = ((t / Self.blockTrees) * positions + slot) * Self.blockTrees + t % Self.blockTrees
                slot += 1
                let feature = tree.feature[node], key = ThresholdTable.key(tree.threshold[node])
                let start = table.featureStart[feature]
                let index = table.keys[start ..< start + table.featureKeyCount[feature]].firstIndex(of: key)! - start
                let (rankSlot, rank) = slots.place(feature: feature, index: index, missingLeft: routesMissing && tree.missingGoesLeft[node])
                features[at] = Self.slotByte(rankSlot)
                ranks[at] = UInt8(rank) ^ 0x80
                let first = leaf
                visit(tree.childrenLeft[node])
                // Byte k of the mask in plane k of the slot's four (`at` is the slot's first tree's byte plus j).
                let cleared = UInt32(truncatingIfNeeded: (UInt64(1) << leaf) - (UInt64(1) << first))
                let j = t % Self.blockTrees, planes = (at - j) * 4
                for k in 0..<4 { clear[planes + k * Self.blockTrees + j] = UInt8(truncatingIfNeeded: cleared >> (8 * k)) }
                visit(tree.childrenRight[node])
            }
            visit(0)
        }
        treeCount = trees.count
        self.outputCount = outputCount
        self.featureCount = featureCount
        depth = 0
        nodeFeature = features
        nodeRank = ranks
        self.values = values
        values32 = float32Sums ? values.map { Float($0) } : []
        rowNodes = []
        rowTables = []
        keys = slots.keys
        groupFeature = slots.groupSlot
        slotFeature = slots.slotFeature
        slotGroup = slots.slotGroup + [Int32(slots.groupSlot.count)]
        splitters = slots.splitters
        self.positions = positions
        nodeClear = clear
        slotMissingLeft = routesMissing ? slots.slotMissingLeft : []
    }

    /// A node's slot byte, what `rank_of_slot` (ByteRanks.h) reads: bits 0–3 the slot's place in its table
    /// of 16; bit 7 set from slot 16 on (the AVX2 builds' lookup of slots 0–15 reads it as zero, that of
    /// 16–31 sees it cleared), bit 6 from slot 32 on (it picks tables 2–3's lookup over 0–1's); bits 0–4 the
    /// slot below 32 (VBMI's permutation, at depth 4, reads those).
    static func slotByte(_ slot: Int) -> UInt8 { UInt8(slot | (slot & 16) << 3 | (slot & 32) << 1) }

    /// A forest's threshold keys as rank slots: each feature's keys in runs of at most 255, each run padded to
    /// groups of 16.
    private struct Slots {
        var keys = [Int32](), groupSlot = [UInt8](), slotFeature = [Int32](), slotGroup = [Int32](), slotMissingLeft = [UInt8]()
        /// Per feature, its first slot, and its first slot for splits that send a missing value left.
        var firstSlot = [Int](), firstLeftSlot = [Int]()

        /// nil when more than `maxSlots` slots would be needed (`maxShallowSlots` with `aSlotAFeature`), or,
        /// with `aSlotAFeature`, when a feature has more than 255 keys (every feature then has one slot, keys
        /// or none, and the keys are the table's).
        /// `sides`: per feature, whether splits of it send a missing value left, right, or both; a
        /// feature's keys then fill a run of slots for each side (a missing value ranks last in a right-hand
        /// slot, first in a left-hand one). nil: every split sends it right.
        init?(_ table: ThresholdTable, aSlotAFeature: Bool, sides: [(left: Bool, right: Bool)]? = nil) {
            for feature in 0..<table.featureCount {
                let start = table.featureStart[feature], count = table.featureKeyCount[feature]
                if aSlotAFeature && count > ByteTrees.maxKeysPerSlot { return nil }
                let runs = aSlotAFeature ? 1 : (count + ByteTrees.maxKeysPerSlot - 1) / ByteTrees.maxKeysPerSlot
                let side = sides?[feature] ?? (left: false, right: true)
                for left in [false, true] where left ? side.left : side.right {
                    if left { firstLeftSlot.append(slotFeature.count) } else { firstSlot.append(slotFeature.count) }
                    for run in 0..<runs {
                        let slot = slotFeature.count
                        guard slot < (aSlotAFeature ? ByteTrees.maxShallowSlots : ByteTrees.maxSlots) else { return nil }
                        slotFeature.append(Int32(feature))
                        slotMissingLeft.append(left ? 1 : 0)
                        slotGroup.append(Int32(groupSlot.count))
                        let first = start + run * ByteTrees.maxKeysPerSlot, end = min(first + ByteTrees.maxKeysPerSlot, start + count)
                        let padded = (end - first + ThresholdTable.groupSize - 1) / ThresholdTable.groupSize * ThresholdTable.groupSize
                        keys += table.keys[first ..< end]
                        keys += repeatElement(ThresholdTable.paddingKey, count: padded - (end - first))
                        groupSlot += repeatElement(UInt8(slot), count: padded / ThresholdTable.groupSize)
                    }
                }
                if !side.right { firstSlot.append(-1) }
                if !side.left { firstLeftSlot.append(-1) }
            }
        }

        /// Per slot, its groups' last keys, 16 (`Int32.max` past its groups).
        var splitters: [Int32] {
            var splitters = [Int32](repeating: ThresholdTable.paddingKey, count: 16 * slotFeature.count)
            for (g, slot) in groupSlot.enumerated() { splitters[16 * Int(slot) + g - Int(slotGroup[Int(slot)])] = keys[16 * g + 15] }
            return splitters
        }

        /// The slot holding key `index` of `feature` for a split sending a missing value left or not, and the
        /// key's index in it.
        func place(feature: Int, index: Int, missingLeft: Bool = false) -> (slot: Int, rank: Int) {
            ((missingLeft ? firstLeftSlot : firstSlot)[feature] + index / ByteTrees.maxKeysPerSlot, index % ByteTrees.maxKeysPerSlot)
        }

        /// Per feature, the sides its splits send a missing value to (`routesMissing`), or nil (every one right).
        static func sides(_ trees: [DecisionTree], featureCount: Int, routesMissing: Bool) -> [(left: Bool, right: Bool)]? {
            guard routesMissing else { return nil }
            var sides = [(left: Bool, right: Bool)](repeating: (false, false), count: featureCount)
            for tree in trees {
                for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
                    if tree.missingGoesLeft[node] { sides[tree.feature[node]].left = true } else { sides[tree.feature[node]].right = true }
                }
            }
            return sides
        }
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

    /// The most raw scores one layout adds to (`outputCount`): the kernels keep each row's sums on their stack.
    static let maxOutputs = Int(ctk_max_byte_outputs)

    /// Whether `trees` trees can add to `outputs` raw scores in turns: each raw score the same count of them.
    static func fitsOutputs(_ outputs: Int, trees: Int) -> Bool { outputs >= 1 && outputs <= maxOutputs && trees % outputs == 0 }

    /// The byte layout of one raw score's trees (each with one value a leaf): leaf sets for trees of at most 32
    /// leaves from depth 8 on, else complete at their depth up to 8; or nil where the kernels do not run or the
    /// trees do not fit (deeper than 8 with more than 32 leaves, more than 64 rank slots, or only leaves): float32 sums
    /// (XGBoost's: each value rounded to Float, each addition on Floats), or float64 sums of the values
    /// times `leafScale` (scikit-learn's gradient boosting multiplies each value so before adding it).
    /// With `outputCount` K > 1, the trees of K raw scores, taken in turns (tree t adds to raw score t mod K), in
    /// one layout deeper than 4 (nil at depth 4): a row is then ranked once for all K, where a layout each ranked
    /// it K times (a quarter of the 10-class histogram boosting's time on digits), and its K chains of additions
    /// interleave.
    static func sums(of trees: [DecisionTree], featureCount: Int, float32: Bool, leafScale: Double?, routesMissing: Bool = false,
                     outputCount: Int = 1) -> ByteTrees? {
        let depth = trees.map(\.depth).max() ?? 0
        guard Self.bestInstructionSet > 0, depth >= 1, trees.allSatisfy({ $0.valueWidth == 1 }) else { return nil }
        let scale = { (value: Double) in float32 ? Double(Float(value)) : leafScale.map { $0 * value } ?? value }
        // Both layouts rank in the same slots: where leaf sets do not fit them, neither does the complete layout.
        if depth >= Self.leafSetsFromDepth && trees.allSatisfy({ $0.leafCount <= Self.maxLeafSetLeaves }) {
            return ByteTrees(leafSetsOf: trees, featureCount: featureCount, float32Sums: float32, routesMissing: routesMissing,
                             outputCount: outputCount) { t, node in
                scale(trees[t].value[node])
            }
        }
        guard depth <= Self.maxDepth else { return nil }
        let layout = CompiledForest.completeLayout(trees, depth: depth, scale: scale)
        return ByteTrees(trees: trees, depth: depth, featureCount: featureCount, nodeFeature: layout.features,
                         nodeThreshold: layout.thresholds, leafValue: layout.leaves, float32Sums: float32, routesMissing: routesMissing,
                         outputCount: outputCount)
    }

    /// Adds every tree's leaf value in tree order to `acc[r]` for `count` rows of input keys
    /// (`featureCount` a row; with several raw scores, tree t's to `acc[outputCount · r + t % outputCount]`);
    /// for float32 sums each sum holds a Float and gets one. The pointers are
    /// borrowed for the call. `instructionSet` (1...`bestInstructionSet`; tests lower it) picks the build
    /// of depth 4's kernel (the deeper layouts' is AVX2's).
    func add(_ inputKeys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>,
             instructionSet: Int = ByteTrees.bestInstructionSet) {
        precondition(instructionSet >= 1 && instructionSet <= Self.bestInstructionSet)
        withKernelForest { forest in
            if depth == 0 {
                ctk_leaf_sets_add(forest, inputKeys, Int64(count), acc)
            } else if depth > Self.shallowDepth {
                ctk_deep_bytes_add(forest, inputKeys, Int64(count), acc)
            } else {
                ctk_shallow_bytes_add(forest, inputKeys, Int64(count), acc, Int32(instructionSet))
            }
        }
    }

    /// This layout as the kernels' `ctk_byte_trees`, its arrays borrowed for `body` only.
    @inline(__always)
    private func withKernelForest(_ body: (UnsafePointer<ctk_byte_trees>) -> Void) {
        nodeFeature.withUnsafeBufferPointer { features in
        nodeRank.withUnsafeBufferPointer { ranks in
        values.withUnsafeBufferPointer { values in
        values32.withUnsafeBufferPointer { values32 in
        keys.withUnsafeBufferPointer { keys in
        groupFeature.withUnsafeBufferPointer { groupFeature in
        slotFeature.withUnsafeBufferPointer { slotFeature in
        splitters.withUnsafeBufferPointer { splitters in
        slotGroup.withUnsafeBufferPointer { slotGroup in
        nodeClear.withUnsafeBufferPointer { nodeClear in
        slotMissingLeft.withUnsafeBufferPointer { slotMissingLeft in
            var forest = ctk_byte_trees(nodeFeature: features.baseAddress, nodeRank: ranks.baseAddress, values: values.baseAddress,
                                        values32: values32.isEmpty ? nil : values32.baseAddress,
                                        keys: keys.baseAddress, groupFeature: groupFeature.baseAddress,
                                        slotFeature: slotFeature.baseAddress, splitters: splitters.baseAddress,
                                        slotGroup: slotGroup.baseAddress, slotMissingLeft: slotMissingLeft.isEmpty ? nil : slotMissingLeft.baseAddress,
                                        groupCount: Int64(groupFeature.count),
                                        slotCount: Int64(slotFeature.count), treeCount: Int64(treeCount),
                                        featureCount: Int64(featureCount), depth: Int64(depth),
                                        nodeClear: nodeClear.isEmpty ? nil : nodeClear.baseAddress, positions: Int64(positions),
                                        outputCount: Int64(outputCount))
            body(&forest)
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
        if onRows < count { add(inputKeys + onRows * featureCount, count - onRows, acc + onRows * outputCount) }
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
