/// Every distinct threshold of a forest, grouped by feature and sorted: the index both fast layouts
/// of `ShallowForest` share.
///
/// A row's test at a node depends only on the row's value of the node's feature and the node's
/// threshold, so a row can answer all of them at once, before any tree: whether it goes right at every
/// node with threshold `id` (its value is above the threshold).
/// There are fewer distinct thresholds than nodes (876 for 7,263 splits in the reference model), and
/// answering them is a run of SIMD compares with no dependency between them.
///
/// Thresholds are kept as `CompiledForest.orderKey` of the threshold rounded down to Float, which
/// decides every input as scikit-learn's `Double(Float(x)) <= threshold` does (see `CompiledForest`).
struct ThresholdTable: Sendable {
    /// Decisions are computed 16 at a time, so each feature's run of keys is padded to a multiple of 16.
    static let groupSize = 16
    /// Padding keys: no input key is above them, so their decisions are 0 (and no node reads them).
    static let paddingKey = Int32.max
    /// The bitvector layout compares 8-bit bins, so a feature's keys are also cut into segments of at
    /// most 255: a row's bin in a segment (how many of its keys are below the row's key) is 0...255.
    static let segmentCapacity = 255

    let featureCount: Int
    /// Per feature f, its distinct keys ascending in `keys[featureStart[f] ..< featureStart[f] + featureKeyCount[f]]`,
    /// then padding up to `featureStart[f + 1]`.
    let keys: [Int32]
    let featureStart: [Int]
    let featureKeyCount: [Int]
    /// Segments: `keys[segmentStart[s] ..< segmentStart[s] + segmentKeyCount[s]]`, all of one feature.
    let segmentStart: [Int]
    let segmentKeyCount: [Int]
    /// Per feature f, its segments are `featureSegmentStart[f] ..< featureSegmentStart[f + 1]`.
    let featureSegmentStart: [Int]

    var paddedKeyCount: Int { keys.count }
    var segmentCount: Int { segmentStart.count }

    init(trees: [DecisionTree], featureCount: Int) {
        var keysByFeature = [Set<Int32>](repeating: [], count: featureCount)
        for tree in trees {
            for node in 0..<tree.nodeCount where !tree.isLeaf(node) {
                keysByFeature[tree.feature[node]].insert(Self.key(tree.threshold[node]))
            }
        }
        var keys = [Int32](), starts = [Int](), counts = [Int]()
        var segmentStart = [Int](), segmentCount = [Int](), featureSegments = [Int]()
        for set in keysByFeature {
            starts.append(keys.count)
            featureSegments.append(segmentStart.count)
            counts.append(set.count)
            for first in stride(from: 0, to: set.count, by: Self.segmentCapacity) {
                segmentStart.append(keys.count + first)
                segmentCount.append(min(Self.segmentCapacity, set.count - first))
            }
            keys += set.sorted()
            let padded = (set.count + Self.groupSize - 1) / Self.groupSize * Self.groupSize
            keys += repeatElement(Self.paddingKey, count: padded - set.count)
        }
        starts.append(keys.count)
        featureSegments.append(segmentStart.count)
        self.featureSegmentStart = featureSegments
        self.featureCount = featureCount
        self.keys = keys
        self.featureStart = starts
        self.featureKeyCount = counts
        self.segmentStart = segmentStart
        self.segmentKeyCount = segmentCount
    }

    /// The key a threshold is stored as.
    static func key(_ threshold: Double) -> Int32 {
        CompiledForest.orderKey(CompiledForest.floatRoundedDown(threshold))
    }

    /// The position of a split's threshold in `keys` (the split must be one of the table's trees').
    func id(feature: Int, threshold: Double) -> Int {
        let key = Self.key(threshold)
        let start = featureStart[feature]
        return keys[start ..< start + featureKeyCount[feature]].firstIndex(of: key)!
    }

    /// The segment holding key `id`, and the key's rank in it.
    func segment(ofKey id: Int) -> (segment: Int, rank: Int) {
        let segment = segmentStart.lastIndex { $0 <= id }!
        return (segment, id - segmentStart[segment])
    }

    /// A decision's 4 bytes when the row goes right: its weight in a code of three decisions in each
    /// of the 3 places it can take (4·d0 + 2·d1 + d2), so a walk adds codes up without shifting.
    static let rightDecision: Int32 = 0x0001_0204

    /// Writes one row's decisions: 4 bytes per key id (`rightDecision` or 0), right when the row's key of
    /// the feature of `keys[id]` is above it, for every id below `paddedKeyCount`. `rowKeys` holds
    /// `featureCount` input keys; `keys` is this table's `keys`. The pointers are borrowed for the call.
    func decide(_ rowKeys: UnsafePointer<Int32>, keys: UnsafePointer<Int32>, into decisions: UnsafeMutablePointer<Int32>) {
        for feature in 0..<featureCount {
            let value = SIMD16<Int32>(repeating: rowKeys[feature])
            var id = featureStart[feature]
            let end = featureStart[feature + 1]
            while id < end {
                let group = UnsafeRawPointer(keys + id).loadUnaligned(as: SIMD16<Int32>.self)
                let right = SIMD16<Int32>(repeating: 0).replacing(with: Self.rightDecision, where: group .< value)
                UnsafeMutableRawPointer(decisions + id).storeBytes(of: right, as: SIMD16<Int32>.self)
                id &+= Self.groupSize
            }
        }
    }
}
