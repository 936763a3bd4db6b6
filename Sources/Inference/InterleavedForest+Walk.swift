import CTreeKernels
import Glibc

/// The walks of `InterleavedForest`. Pointers are borrowed from the caller's buffers and this
/// class's arrays for one call and never kept (the C kernels keep none either).
extension InterleavedForest {
    /// The instruction set the walks use (`ctk_best_isa`: 2 AVX-512, 1 AVX2, 0 the Swift walk).
    static let bestInstructionSet = Int(ctk_best_isa())
    /// Whether, with AVX-512, the walks that route missing values gather 256 bits at a time, and many
    /// rows' walks of deep trees go on 256-bit vectors (AMD Zen 4; `ctk_prefers_narrow_gathers`).
    static let prefersNarrowGathers = ctk_prefers_narrow_gathers() != 0

    /// Reads `rowCount * featureCount` Doubles at `rows` (already rank-encoded for float64 models),
    /// writes `rowCount * outputCount` raw scores, row-major, at `out`. `instructionSet` (at most
    /// `bestInstructionSet`; tests lower it) picks the walk, and `narrowGathers` (tests set both)
    /// whether AVX-512 walks gather 256 bits at a time (as `prefersNarrowGathers` says).
    /// `evaluationsPerSlice` (tests lower it) sizes the slices between which many rows' walks pause.
    /// `onDeepLanes` (tests set it) gives many rows to `deepLanes` instead of the walks, where it is built.
    func predict(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>,
                 instructionSet: Int = InterleavedForest.bestInstructionSet,
                 narrowGathers: Bool = InterleavedForest.prefersNarrowGathers,
                 evaluationsPerSlice: Int = InterleavedForest.evaluationsPerSlice,
                 onDeepLanes: Bool = DeepLanes.chosen) {
        guard rowCount > 0 else { return }
        precondition(instructionSet <= Self.bestInstructionSet)
        let block = Swift.min(rowCount, blockRows)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: block * featureCount) { keys in
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * Self.lanes) { lanes in
        nodes.withUnsafeBufferPointer { nodeBuffer in
        packed.withUnsafeBufferPointer { packedBuffer in
        values.withUnsafeBufferPointer { valueBuffer in
        roots.withUnsafeBufferPointer { rootBuffer in
        depths.withUnsafeBufferPointer { depthBuffer in
        treeOutput.withUnsafeBufferPointer { outputBuffer in
        valueRow.withUnsafeBufferPointer { valueRowBuffer in
        rowValues.withUnsafeBufferPointer { rowValueBuffer in
            // The kernels' view of this forest: pointers into this object's arrays, valid for this call.
            var kernelForest = ctk_forest(
                packed: packedBuffer.baseAddress.map { $0 + 2 * packedShift }, featureBits: Int32(featureBits),
                roots: rootBuffer.baseAddress, depths: depthBuffer.baseAddress, treeOutput: outputBuffer.baseAddress, values: valueBuffer.baseAddress,
                treeCount: Int64(treeCount), featureCount: Int64(featureCount), outputCount: Int64(outputCount),
                valueWidth: Int64(valueWidth), idle: idle, routesMissing: routesMissing ? 1 : 0,
                float32Sums: float32Sums ? 1 : 0,
                valueRow: valueRow.isEmpty ? nil : valueRowBuffer.baseAddress, rowValues: rowValueBuffer.baseAddress.map { $0 + rowShift },
                rowStride: Int64(rowStride), narrowGathers: narrowGathers ? 1 : 0)
            let walk = Walk(nodes: nodeBuffer.baseAddress!, values: valueBuffer.baseAddress!,
                            keys: keys.baseAddress!, featureCount: featureCount, outputCount: outputCount,
                            valueWidth: valueWidth, float32Sums: float32Sums, lanes: lanes.baseAddress!)
            var start = 0
            while start < rowCount {
                let count = Swift.min(block, rowCount - start)
                let source = rows + start * featureCount
                let acc = out + start * outputCount
                // Few rows of a few trees leave most SIMD lanes idle: the Swift walk does better then.
                let kernels = instructionSet > 0 && !packed.isEmpty
                    && (count >= Self.rowMajorBelow || treeCount >= Self.kernelTreesFrom)
                // A lone tree's AVX-512 walk reads the values and makes the keys of those it reads only,
                // and writes each row's sums from the base itself.
                if kernels && count >= Self.rowMajorBelow && instructionSet == 2 && treeCount == 1 {
                    kernelForest.routesMissing = routesMissing ? 1 : 0
                    base.withUnsafeBufferPointer { ctk_add_rows_of_lone_tree(&kernelForest, source, Int64(count), $0.baseAddress!, acc) }
                } else {
                    Self.fill(acc, rowCount: count, with: base)
                    // Each block's keys decide: without a missing value they walk without routing, a few
                    // instructions less a level.
                    let missing = ctk_input_keys(source, Int64(count * featureCount), keys.baseAddress!) != 0
                    kernelForest.routesMissing = routesMissing && missing ? 1 : 0
                    switch (kernels, count < Self.rowMajorBelow) {
                    case (true, true): ctk_add_trees_of_each_row(&kernelForest, keys.baseAddress!, Int64(count), acc, Int32(instructionSet))
                    case (true, false) where onDeepLanes && deepLanes != nil:
                        addOnDeepLanes(keys.baseAddress!, count, acc, evaluationsPerSlice: evaluationsPerSlice)
                    case (true, false):
                        inSlices(rowCount: count, evaluationsPerSlice: evaluationsPerSlice) { trees in
                            // The kernels reach a tree only through roots, depths and treeOutput (nodes
                            // and leaves by absolute index): offset, they are the slice's forest.
                            var slice = kernelForest
                            slice.roots += trees.lowerBound
                            slice.depths += trees.lowerBound
                            slice.treeOutput += trees.lowerBound
                            slice.treeCount = Int64(trees.count)
                            ctk_add_rows_of_each_tree(&slice, keys.baseAddress!, Int64(count), acc, Int32(instructionSet))
                        }
                    case (false, true): addTreesOfEachRow(walk, count, acc)
                    case (false, false):
                        inSlices(rowCount: count, evaluationsPerSlice: evaluationsPerSlice) { addRowsOfEachTree(walk, count, acc, trees: $0) }
                    }
                }
                if let divisors { Self.divide(acc, rowCount: count, by: divisors) }
                start += count
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

    /// Adds every tree's leaf values in tree order to the raw scores of `count` rows of input keys on
    /// `deepLanes` (which must be built): blocks of rows, each decided once, a feature at a time, then its
    /// trees 32 at a time (fewer where `evaluationsPerSlice` says so), the CPU offered between steps
    /// (`Pacer`). With several raw scores, each score's trees add to a column of the block's sums.
    private func addOnDeepLanes(_ keys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>, evaluationsPerSlice: Int) {
        let treesAStep = Swift.max(1, Swift.min(32, evaluationsPerSlice / Swift.min(count, DeepLanes.blockRows)))
        let outputs = outputCount, features = featureCount
        var pacer = Pacer()
        deepLanes?.withKernel { kernel in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: outputs > 1 ? DeepLanes.blockRows : 0) { column in
            var first = 0
            while first < count {
                let rows = Swift.min(DeepLanes.blockRows, count - first)
                for feature in 0..<features {
                    kernel.decide(keys + first * features, rows, features: feature ..< feature + 1)
                    pacer.step()
                }
                for (k, trees) in kernel.outputTrees.enumerated() {
                    let sums = outputs == 1 ? acc + first : column.baseAddress!
                    for r in 0 ..< (outputs == 1 ? 0 : rows) { sums[r] = acc[(first + r) * outputs + k] }
                    for tree in stride(from: trees.lowerBound, to: trees.upperBound, by: treesAStep) {
                        kernel.add(tree ..< Swift.min(trees.upperBound, tree + treesAStep), rows, sums)
                        pacer.step()
                    }
                    for r in 0 ..< (outputs == 1 ? 0 : rows) { acc[(first + r) * outputs + k] = sums[r] }
                }
                first += rows
            }
        }
        }
    }

    /// Each of `rowCount` rows' raw scores set to `base`. (With a lone tree this loop costs as much as
    /// the walk when written with checked arithmetic and array indexing.)
    @inline(__always)
    private static func fill(_ acc: UnsafeMutablePointer<Double>, rowCount: Int, with base: [Double]) {
        base.withUnsafeBufferPointer { base in
            let width = base.count
            if width == 1 { return acc.update(repeating: base[0], count: rowCount) }
            // The first row, then copies of what is filled so far (memcpy's speed, not a loop per value).
            let total = rowCount &* width
            guard total > 0 else { return }
            acc.update(from: base.baseAddress!, count: width)
            var filled = width
            while filled < total {
                let step = Swift.min(filled, total &- filled)
                (acc + filled).update(from: acc, count: step)
                filled &+= step
            }
        }
    }

    /// Each of `rowCount` rows' raw scores divided by its output's divisor (averaged forests).
    @inline(__always)
    private static func divide(_ acc: UnsafeMutablePointer<Double>, rowCount: Int, by divisors: [Double]) {
        divisors.withUnsafeBufferPointer { divisors in
            let width = divisors.count
            for r in 0..<rowCount {
                for k in 0..<width { acc[r &* width &+ k] /= divisors[k] }
            }
        }
    }

    /// Few rows: each row's trees, 16 walks at once, their leaves then added in tree order.
    private func addTreesOfEachRow(_ walk: Walk, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        for r in 0..<count {
            var first = 0
            while first < treeCount {
                let lanes = Swift.min(Self.lanes, treeCount - first)
                for j in 0..<lanes {
                    walk.lanes[j] = roots[first + j]
                    walk.lanes[Self.lanes + j] = Int32(r * featureCount)
                }
                walk.run(lanes, rounds: Int(depths[first ..< first + lanes].max()!), missing: routesMissing)
                for j in 0..<lanes {
                    walk.add(leaf: walk.lanes[j], to: acc + r * outputCount + Int(treeOutput[first + j]))
                }
                first += lanes
            }
        }
    }

    /// Many rows' walks tree by tree, `add` called for consecutive ranges of trees of at most
    /// `evaluationsPerSlice` walks (trees × rows), and of at most about `sliceNanoseconds` each, with
    /// the CPU offered to other threads between them (see `evaluationsPerSlice`). Each row's leaves are
    /// still added in tree order.
    private func inSlices(rowCount: Int, evaluationsPerSlice: Int, _ add: (Range<Int>) -> Void) {
        let mostTrees = Swift.max(1, evaluationsPerSlice / rowCount)
        var treesPerSlice = mostTrees
        var first = 0
        while first < treeCount {
            let end = Swift.min(treeCount, first + treesPerSlice)
            let start = Self.monotonicNanoseconds()
            add(first..<end)
            // The next slice's trees from this one's time a tree: a slower CPU's slices hold the core
            // no longer than a fast one's (a slice that was preempted only comes out shorter).
            let took = Swift.max(1, Self.monotonicNanoseconds() - start)
            treesPerSlice = Swift.min(mostTrees, Swift.max(1, Self.sliceNanoseconds * (end - first) / took))
            first = end
            if first < treeCount { sched_yield() }
        }
    }

    /// Offers the CPU to other threads (`sched_yield`) at the first step after about `sliceNanoseconds`
    /// (as `inSlices`), for work in steps of varying cost: deep lanes' decisions of a feature (~10,000
    /// keys' lines of a large scikit-learn forest: 0.1–0.2 ms; a few keys': microseconds) and their
    /// trees, 32 at a time (~0.16 ms for the heavy model's 512 rows), with one clock across a call's
    /// blocks. (A block's decisions in one step took 2.4 ms for the heavy model; `make bench-heavy`'s
    /// /healthz p99 with the server pinned was 3.0 ms then, 1.2–3.2 in five runs since: this machine's
    /// spread, as the walks' 0.8–3.3 in stop 26.)
    struct Pacer {
        private var sliceStart = InterleavedForest.monotonicNanoseconds()

        mutating func step() {
            guard InterleavedForest.monotonicNanoseconds() - sliceStart > InterleavedForest.sliceNanoseconds else { return }
            sched_yield()
            sliceStart = InterleavedForest.monotonicNanoseconds()
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds (a vDSO call, no system call).
    static func monotonicNanoseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }

    /// Many rows: each of `trees` for 16 rows at once; each row's leaves are added in tree order.
    private func addRowsOfEachTree(_ walk: Walk, _ count: Int, _ acc: UnsafeMutablePointer<Double>, trees: Range<Int>) {
        for t in trees {
            let root = roots[t], output = Int(treeOutput[t]), depth = Int(depths[t])
            var first = 0
            while first < count {
                let lanes = Swift.min(Self.lanes, count - first)
                for j in 0..<lanes {
                    walk.lanes[j] = root
                    walk.lanes[Self.lanes + j] = Int32((first + j) * featureCount)
                }
                walk.run(lanes, rounds: depth, missing: routesMissing)
                for j in 0..<lanes {
                    walk.add(leaf: walk.lanes[j], to: acc + (first + j) * outputCount + output)
                }
                first += lanes
            }
        }
    }

    /// The borrowed pointers of one `predict` call. `lanes` holds 16 current nodes, then 16 offsets
    /// of the lanes' rows in `keys`.
    struct Walk {
        let nodes: UnsafePointer<SIMD4<Int32>>
        let values: UnsafePointer<Double>
        let keys: UnsafePointer<Int32>
        let featureCount: Int
        let outputCount: Int
        let valueWidth: Int
        let float32Sums: Bool
        let lanes: UnsafeMutablePointer<Int32>

        /// Moves each of the first `count` lanes down one level per round until every lane is at a leaf:
        /// `rounds` rounds (the deepest lane's tree depth) when that is small, else until a round where
        /// no lane moved. The lanes' loads do not depend on each other, so they overlap.
        @inline(__always)
        func run(_ count: Int, rounds: Int, missing: Bool) {
            let fixed = rounds <= InterleavedForest.fixedRoundsUpTo
            switch (missing, fixed) {
            case (false, true): run(count, rounds: rounds, routingMissing: false, checkingMoves: false)
            case (false, false): run(count, rounds: rounds, routingMissing: false, checkingMoves: true)
            case (true, true): run(count, rounds: rounds, routingMissing: true, checkingMoves: false)
            case (true, false): run(count, rounds: rounds, routingMissing: true, checkingMoves: true)
            }
        }

        @inline(__always)
        private func run(_ count: Int, rounds: Int, routingMissing: Bool, checkingMoves: Bool) {
            let rowOffset = lanes + InterleavedForest.lanes
            var moved: Int32
            var round = 0
            repeat {
                moved = 0
                round += 1
                for j in 0..<count {
                    let node = lanes[j]
                    let record = nodes[Int(node)]
                    var feature = record[0]
                    var missingLeft = false
                    if routingMissing {
                        let flipped = feature >> 31  // −1 when the feature is stored as ~feature
                        feature ^= flipped
                        missingLeft = flipped != 0
                    }
                    let key = keys[Int(rowOffset[j]) &+ Int(feature)]
                    var right = key > record[1]
                    if routingMissing { right = right && !(missingLeft && key == Int32.max) }
                    let next = right ? record[3] : record[2]
                    if checkingMoves { moved |= next ^ node }
                    lanes[j] = next
                }
            } while checkingMoves ? moved != 0 : round < rounds
        }

        /// Adds a leaf's values to a row's raw scores from `out` on.
        @inline(__always)
        func add(leaf: Int32, to out: UnsafeMutablePointer<Double>) {
            if float32Sums {
                let source = values + Int(leaf) &* valueWidth
                for c in 0..<valueWidth { out[c] = Double(Float(out[c]) + Float(source[c])) }
            } else if valueWidth == 1 {
                out[0] += values[Int(leaf)]
            } else {
                let source = values + Int(leaf) &* valueWidth
                for c in 0..<valueWidth { out[c] += source[c] }
            }
        }
    }
}
