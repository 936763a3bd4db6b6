import CTreeKernels

/// The prediction loops. The module's pointer use is here, in ShallowForest+Walk.swift,
/// ShallowForest+Batch.swift and `ThresholdTable.decide`; every pointer is borrowed from an array or
/// buffer for the duration of one `predict` call and never escapes it.
extension CompiledForest {
    /// Reads `rowCount * featureCount` Doubles at `rows`, writes `rowCount` predictions at `out`.
    /// `useBytes: false` skips the byte-lane path, `useAcross: false` the 32-bit-lane one, where they exist
    /// (tests compare every few-rows path; with both false few rows go to `ShallowForest`'s walk).
    func predict(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>,
                 useBytes: Bool = true, useAcross: Bool = true) {
        if let bytes = bytes.map(Unmanaged.passUnretained), useBytes, rowCount < Self.byteRowsBelow || Self.bytesTakeEveryCall {
            // Lent without a retain: this object's constant `bytes` keeps it alive through the call.
            bytes._withUnsafeGuaranteedRef { predictOnBytes($0, rows, rowCount: rowCount, into: out) }
        } else if let shallow {
            predictShallow(shallow, rows, rowCount: rowCount, into: out, useBytes: useBytes, useAcross: useAcross)
        } else {
            predictRowByRow(rows, rowCount: rowCount, into: out)
        }
    }

    /// From this many rows on, a pass of the bitvector layout costs less than walking the trees: a pass
    /// costs about the same for 1 or 64 rows, and as much as walking 16 to 24 rows on the reference
    /// model (`make bench-inference` measures both paths).
    static let minimumBatchRows = 20

    /// Calls of fewer rows go to the byte-lane layout when there is one: it costs the same per row up to
    /// here, less than the bitvector layout's pass and, on the reference model, less than QuickScorer's
    /// pass of 32 rows (~356 ns a row against 453 at 20 rows, 378 at 24, 363 at 25; 349 at 26, 337 at 27).
    static let byteRowsBelow = 26

    /// Where QuickScorer cannot run (CPUs without AVX-512), calls of every size go to the byte layouts: a
    /// pass of the bitvector layout costs as much for 26 rows as for 64, and a full one about what the
    /// trees' lanes cost (reference model on an AMD Zen 3, InferenceBench, ns a row: 960-1,500 at 26 and 32
    /// rows against 440-600 on bytes at 2-25; 445-475 at 64 either way). Row lanes (RowLanes.c, AVX2)
    /// then take their blocks of 32 rows: ~160 ns a row there at 64 and 4096 rows.
    static let bytesTakeEveryCall = InterleavedForest.bestInstructionSet < 2

    /// Rows whose keys `predictOnBytes` makes at a time (here and in `EnsemblePredictor`'s): 8 blocks of
    /// row lanes, so that the keys' buffer is small (on the stack, in the L1 cache) for any call.
    static let byteChunkRows = 256

    /// Rows in passes of 64: each pass's inputs become keys once, then go to the bitvector layout, or,
    /// when fewer than `minimumBatchRows` rows are left, to the walk.
    private func predictShallow(_ forest: ShallowForest, _ rows: UnsafePointer<Double>, rowCount: Int,
                                into out: UnsafeMutablePointer<Double>, useBytes: Bool, useAcross: Bool) {
        let pass = ShallowForest.rowsPerPass
        let (binCount, codeCount) = forest.scratchVectors()
        let batches = forest.depth > 0 && rowCount >= Self.minimumBatchRows
        // Sized to the rows, so that a few rows' buffers fit the stack (past 1 KiB they may be malloc'ed).
        let passRows = min(pass, rowCount)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: passRows * featureCount) { keys in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: passRows) { sums in
        withUnsafeTemporaryAllocation(of: SIMD16<Int8>.self, capacity: batches ? binCount : 0) { bins in
        withUnsafeTemporaryAllocation(of: SIMD8<UInt16>.self, capacity: batches ? codeCount : 0) { leaves in
            var start = 0
            while start < rowCount {
                let count = min(pass, rowCount - start)
                let source = rows + start * featureCount
                ctk_input_keys(source, Int64(count * featureCount), keys.baseAddress!)
                for r in 0..<count { sums[r] = base }
                if batches && count >= Self.minimumBatchRows {
                    forest.addInBatch(keys.baseAddress!, count, sums.baseAddress!, bins: bins.baseAddress!, leaves: leaves.baseAddress!)
                } else if let bytes, useBytes {
                    bytes.add(keys.baseAddress!, count, sums.baseAddress!)
                } else if let across, useAcross {
                    across.add(keys.baseAddress!, count, sums.baseAddress!, values: leafValue, treeCount: treeCount, featureCount: featureCount)
                } else {
                    forest.addByWalking(keys.baseAddress!, count, sums.baseAddress!)
                }
                let divisor = Double(treeCount)
                for r in 0..<count { out[start + r] = averaged ? sums[r] / divisor : sums[r] }
                start += count
            }
        }
        }
        }
        }
    }

    /// Rows on the byte-lane layouts: the keys, then the kernels (row lanes for blocks of 32 where they run,
    /// the trees' lanes for the rest).
    private func predictOnBytes(_ bytes: ByteTrees, _ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        let chunk = min(rowCount, Self.byteChunkRows)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunk * featureCount) { keys in
            var start = 0
            while start < rowCount {
                let count = min(chunk, rowCount - start), sums = out + start
                ctk_input_keys(rows + start * featureCount, Int64(count * featureCount), keys.baseAddress!)
                for r in 0..<count { sums[r] = base }
                bytes.addOnEitherLanes(keys.baseAddress!, count, sums)
                if averaged {
                    let divisor = Double(treeCount)
                    for r in 0..<count { sums[r] /= divisor }
                }
                start += count
            }
        }
    }

    private func predictRowByRow(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        let block = Self.blockRows
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: block * featureCount) { xs in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: block) { sums in
                var start = 0
                while start < rowCount {
                    let count = min(block, rowCount - start)
                    let source = rows + start * featureCount
                    ctk_input_keys(source, Int64(count * featureCount), xs.baseAddress!)
                    for r in 0..<count { sums[r] = base }
                    let x = UnsafePointer(xs.baseAddress!)
                    let acc = sums.baseAddress!
                    if let depth {
                        addCompleteTrees(depth: depth, x, count, acc)
                    } else {
                        addLinkedTrees(x, count, acc)
                    }
                    let divisor = Double(treeCount)
                    for r in 0..<count { out[start + r] = averaged ? acc[r] / divisor : acc[r] }
                    start += count
                }
            }
        }
    }

    /// Dispatches on D so each loop below is compiled with a constant depth and fully unrolled.
    private func addCompleteTrees(depth: Int, _ x: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        switch depth {
        case 0: addComplete(depth: 0, x, count, acc)
        case 1: addComplete(depth: 1, x, count, acc)
        case 2: addComplete(depth: 2, x, count, acc)
        case 3: addComplete(depth: 3, x, count, acc)
        case 4: addComplete(depth: 4, x, count, acc)
        case 5: addComplete(depth: 5, x, count, acc)
        case 6: addComplete(depth: 6, x, count, acc)
        case 7: addComplete(depth: 7, x, count, acc)
        default: addComplete(depth: 8, x, count, acc)
        }
    }

    @inline(__always)
    private func addComplete(depth: Int, _ x: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        let internalCount = (1 << depth) - 1
        let stride = featureCount
        let trees = treeCount
        nodeFeature.withUnsafeBufferPointer { featureBuffer in
        nodeThreshold.withUnsafeBufferPointer { thresholdBuffer in
        leafValue.withUnsafeBufferPointer { leafBuffer in
            let features0 = featureBuffer.baseAddress!
            let thresholds0 = thresholdBuffer.baseAddress!
            let leaves0 = leafBuffer.baseAddress! - internalCount
            @inline(__always) func leaf(_ row: UnsafePointer<Int32>, _ features: UnsafePointer<Int32>, _ thresholds: UnsafePointer<Int32>) -> Int {
                var i = 0
                for _ in 0..<depth {
                    // Left child 2i+1 if x <= threshold, else right child 2i+2: the sign of the
                    // 64-bit difference (−1 when x > threshold) picks it without a branch.
                    let difference = Int64(thresholds[i]) &- Int64(row[Int(features[i])])
                    i = 2 &* i &+ 1 &- Int(difference >> 63)
                }
                return i
            }
            // Rows two at a time, their sums in registers: each row's trees must be added in order,
            // but the two rows' additions (and all descents) are independent and overlap.
            var r = 0
            while r + 1 < count {
                let rowA = x + r &* stride, rowB = rowA + stride
                var sumA = acc[r], sumB = acc[r + 1]
                var features = features0, thresholds = thresholds0, leaves = leaves0
                for _ in 0..<trees {
                    sumA += leaves[leaf(rowA, features, thresholds)]
                    sumB += leaves[leaf(rowB, features, thresholds)]
                    features += internalCount
                    thresholds += internalCount
                    leaves += internalCount + 1
                }
                acc[r] = sumA
                acc[r + 1] = sumB
                r += 2
            }
            if r < count {
                let row = x + r &* stride
                var sum = acc[r]
                var features = features0, thresholds = thresholds0, leaves = leaves0
                for _ in 0..<trees {
                    sum += leaves[leaf(row, features, thresholds)]
                    features += internalCount
                    thresholds += internalCount
                    leaves += internalCount + 1
                }
                acc[r] = sum
            }
        }
        }
        }
    }

    private func addLinkedTrees(_ x: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        nodeFeature.withUnsafeBufferPointer { features in
        nodeThreshold.withUnsafeBufferPointer { thresholds in
        leafValue.withUnsafeBufferPointer { values in
        nodeLeft.withUnsafeBufferPointer { left in
        nodeRight.withUnsafeBufferPointer { right in
            for root in roots {
                for r in 0..<count {
                    let row = x + r &* featureCount
                    var node = Int(root)
                    while features[node] >= 0 {
                        node = Int(row[Int(features[node])] <= thresholds[node] ? left[node] : right[node])
                    }
                    acc[r] += values[node]
                }
            }
        }
        }
        }
        }
        }
    }
}
