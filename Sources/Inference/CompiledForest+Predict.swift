/// The prediction loops. All pointer use of the Inference module is here; every pointer is borrowed
/// from an array or buffer for the duration of one `predict` call and never escapes it.
extension CompiledForest {
    /// Reads `rowCount * featureCount` Doubles at `rows`, writes `rowCount` predictions at `out`.
    func predict(_ rows: UnsafePointer<Double>, rowCount: Int, into out: UnsafeMutablePointer<Double>) {
        let block = Self.blockRows
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: block * featureCount) { xs in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: block) { sums in
                var start = 0
                while start < rowCount {
                    let count = min(block, rowCount - start)
                    let source = rows + start * featureCount
                    for i in 0..<(count * featureCount) { xs[i] = Self.inputKey(source[i]) }
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
        nodeFeature.withUnsafeBufferPointer { featureBuffer in
        nodeThreshold.withUnsafeBufferPointer { thresholdBuffer in
        leafValue.withUnsafeBufferPointer { leafBuffer in
            var features = featureBuffer.baseAddress!
            var thresholds = thresholdBuffer.baseAddress!
            var leaves = leafBuffer.baseAddress! - internalCount
            // Tree-major: the trees of one row must be added in order, but rows are independent,
            // so the adds of different rows overlap instead of waiting on each other.
            for _ in 0..<treeCount {
                for r in 0..<count {
                    let row = x + r &* stride
                    var i = 0
                    for _ in 0..<depth {
                        // Left child 2i+1 if x <= threshold, else right child 2i+2: the sign of the
                        // 64-bit difference (−1 when x > threshold) picks it without a branch.
                        let difference = Int64(thresholds[i]) &- Int64(row[Int(features[i])])
                        i = 2 &* i &+ 1 &- Int(difference >> 63)
                    }
                    acc[r] += leaves[i]
                }
                features += internalCount
                thresholds += internalCount
                leaves += internalCount + 1
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
