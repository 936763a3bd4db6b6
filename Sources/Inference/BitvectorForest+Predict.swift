/// The batch loop of `BitvectorForest`. Pointers are borrowed from the caller's buffers and this
/// struct's arrays for one call and never kept.
extension BitvectorForest {
    /// Scratch a pass needs: bins (featureCount × 4 vectors) and leaf codes (treeCount × 4 vectors).
    func scratchVectors() -> (bins: Int, codes: Int) {
        (featureCount * 4, treeCount * 4)
    }

    /// Adds every tree's leaf value, in tree order, to `acc[r]` for the `count` (≤ 32) rows of input
    /// keys at `keys` (row-major, `featureCount` per row).
    func addTrees(_ keys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>,
                  bins: UnsafeMutablePointer<SIMD8<Int16>>, codes: UnsafeMutablePointer<SIMD8<UInt16>>) {
        fillBins(keys, count, UnsafeMutableRawPointer(bins).assumingMemoryBound(to: Int16.self))
        findLeaves(bins, codes)
        addLeaves(UnsafeRawPointer(codes).assumingMemoryBound(to: UInt16.self), count, acc)
    }

    /// bins[f · 32 + r] = how many of feature f's thresholds are below row r's value (padding rows: 0).
    private func fillBins(_ keys: UnsafePointer<Int32>, _ count: Int, _ bins: UnsafeMutablePointer<Int16>) {
        thresholdKeys.withUnsafeBufferPointer { all in
            for f in 0..<featureCount {
                let sorted = all.baseAddress! + thresholdStart[f]
                let n = thresholdStart[f + 1] - thresholdStart[f]
                for r in 0..<Self.rowsPerPass {
                    guard r < count, n > 0 else {
                        bins[f * Self.rowsPerPass + r] = 0
                        continue
                    }
                    let key = Int64(keys[r &* featureCount &+ f])
                    // Branch-free lower bound: the sign of the difference is the comparison.
                    var base = 0, length = n
                    while length > 1 {
                        let half = length >> 1
                        base &+= half & Int((Int64(sorted[base &+ half]) &- key) >> 63)
                        length &-= half
                    }
                    base &+= Int(UInt64(bitPattern: Int64(sorted[base]) &- key) >> 63)
                    bins[f * Self.rowsPerPass + r] = Int16(truncatingIfNeeded: base)
                }
            }
        }
    }

    /// codes[t · 4 + v], lane l = tree t's leaf (as tree · 16 + de Bruijn code) for row 8v + l.
    private func findLeaves(_ bins: UnsafePointer<SIMD8<Int16>>, _ codes: UnsafeMutablePointer<SIMD8<UInt16>>) {
        nodeInfo.withUnsafeBufferPointer { info in
        nodeRank.withUnsafeBufferPointer { ranks in
        leftMask.withUnsafeBufferPointer { masks in
        treeNodeEnd.withUnsafeBufferPointer { ends in
            let none = SIMD8<UInt16>(repeating: 0)
            var k = 0
            for t in 0..<treeCount {
                var excluded0 = none, excluded1 = none, excluded2 = none, excluded3 = none
                let end = Int(ends[t])
                while k < end {
                    let node = Int(info[k])
                    let rank = ranks[k]
                    let mask = masks[node & 15]
                    let row = bins + (node >> 4) &* 4
                    // A row whose bin is above the rank goes right: its left subtree's leaves are out.
                    excluded0 |= none.replacing(with: mask, where: row[0] .> rank)
                    excluded1 |= none.replacing(with: mask, where: row[1] .> rank)
                    excluded2 |= none.replacing(with: mask, where: row[2] .> rank)
                    excluded3 |= none.replacing(with: mask, where: row[3] .> rank)
                    k &+= 1
                }
                let offset = SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: t &* Self.leafCount))
                @inline(__always) func leafCode(_ excluded: SIMD8<UInt16>) -> SIMD8<UInt16> {
                    let remaining = ~excluded
                    let lowest = remaining & (none &- remaining)
                    return ((lowest &* SIMD8(repeating: Self.deBruijn)) &>> 12) &+ offset
                }
                codes[t &* 4] = leafCode(excluded0)
                codes[t &* 4 &+ 1] = leafCode(excluded1)
                codes[t &* 4 &+ 2] = leafCode(excluded2)
                codes[t &* 4 &+ 3] = leafCode(excluded3)
            }
        }
        }
        }
        }
    }

    /// Adds the leaf values tree by tree; four rows at a time so their additions overlap.
    private func addLeaves(_ codes: UnsafePointer<UInt16>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        leafValue.withUnsafeBufferPointer { leafBuffer in
            let leaves = leafBuffer.baseAddress!
            let stride = Self.rowsPerPass
            var r = 0
            while r + 4 <= count {
                var s0 = acc[r], s1 = acc[r + 1], s2 = acc[r + 2], s3 = acc[r + 3]
                var c = codes + r
                for _ in 0..<treeCount {
                    s0 += leaves[Int(c[0])]
                    s1 += leaves[Int(c[1])]
                    s2 += leaves[Int(c[2])]
                    s3 += leaves[Int(c[3])]
                    c += stride
                }
                acc[r] = s0
                acc[r + 1] = s1
                acc[r + 2] = s2
                acc[r + 3] = s3
                r += 4
            }
            while r < count {
                var s = acc[r]
                var c = codes + r
                for _ in 0..<treeCount {
                    s += leaves[Int(c[0])]
                    c += stride
                }
                acc[r] = s
                r += 1
            }
        }
    }
}
