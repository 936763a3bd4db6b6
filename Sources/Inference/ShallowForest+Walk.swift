/// The tree walk of `ShallowForest`, for a few rows. Pointers are borrowed from the caller's buffers
/// and this struct's arrays for one call and never kept.
extension ShallowForest {
    /// Rows whose decisions are held at once (each row's take `table.paddedKeyCount` Int32s).
    static let walkBlockRows = 8

    /// Adds every tree's leaf value, in tree order, to `acc[r]` for `count` rows of input keys
    /// (row-major, `featureCount` per row).
    func addByWalking(_ keys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        guard treeCount > 0 else { return }
        // Padding nodes read decision 0; a forest without splits has no keys, so it reads 16 zeros.
        let stride = Swift.max(table.paddedKeyCount, ThresholdTable.groupSize)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.walkBlockRows * stride) { decisions in
            if table.paddedKeyCount == 0 { decisions.initialize(repeating: 0) }
            table.keys.withUnsafeBufferPointer { tableKeys in
                var start = 0
                while start < count {
                    let block = Swift.min(Self.walkBlockRows, count - start)
                    if let tableKeys = tableKeys.baseAddress {
                        for r in 0..<block {
                            table.decide(keys + (start + r) * featureCount, keys: tableKeys,
                                         into: decisions.baseAddress! + r * stride)
                        }
                    }
                    walk(UnsafePointer(decisions.baseAddress!), stride, block, acc + start)
                    start += block
                }
            }
        }
    }

    /// The walk takes two levels per step: it reads the decisions of a node and of both its children
    /// at once, which do not depend on each other. The chain of dependent loads through a tree is
    /// then two (record, decision) pairs long instead of four.
    private func walk(_ decisions: UnsafePointer<Int32>, _ stride: Int, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        walkNode.withUnsafeBufferPointer { nodeBuffer in
        walkLeaf.withUnsafeBufferPointer { leafBuffer in
            let nodes0 = nodeBuffer.baseAddress!, leaves0 = leafBuffer.baseAddress!
            let trees = treeCount
            /// The `walkLeaf` entry of the tree whose records start at `nodes`. A record holds 4·id + place
            /// for each of its three nodes, which reads the decision's weight (0, or 4, 2 or 1 for its place)
            /// in the code of the three decisions; the code indexes the next record or leaf directly.
            /// (No select: the compiler turns one into a branch, or into a load that waits for d0.)
            @inline(__always) func leaf(_ decision: UnsafePointer<UInt8>, _ nodes: UnsafePointer<UInt16>) -> Int {
                let a = Int(decision[Int(nodes[0])]) &+ Int(decision[Int(nodes[1])]) &+ Int(decision[Int(nodes[2])])
                let record = nodes + (4 &+ 4 &* a)
                let b = Int(decision[Int(record[0])]) &+ Int(decision[Int(record[1])]) &+ Int(decision[Int(record[2])])
                return Int(record[3]) &+ b
            }
            // Rows two at a time, their sums in registers: each row's trees must be added in order,
            // but the two rows' additions (and all descents) are independent and overlap.
            var r = 0
            while r + 1 < count {
                let rowA = UnsafeRawPointer(decisions + r &* stride).assumingMemoryBound(to: UInt8.self)
                let rowB = UnsafeRawPointer(decisions + (r &+ 1) &* stride).assumingMemoryBound(to: UInt8.self)
                var sumA = acc[r], sumB = acc[r + 1]
                var nodes = nodes0, leaves = leaves0
                for _ in 0..<trees {
                    sumA += leaves[leaf(rowA, nodes)]
                    sumB += leaves[leaf(rowB, nodes)]
                    nodes += Self.walkRecordSize
                    leaves += 32
                }
                acc[r] = sumA
                acc[r + 1] = sumB
                r += 2
            }
            if r < count {
                let row = UnsafeRawPointer(decisions + r &* stride).assumingMemoryBound(to: UInt8.self)
                var sum = acc[r]
                var nodes = nodes0, leaves = leaves0
                for _ in 0..<trees {
                    sum += leaves[leaf(row, nodes)]
                    nodes += Self.walkRecordSize
                    leaves += 32
                }
                acc[r] = sum
            }
        }
        }
    }
}
