/// The batch loop of `BitvectorForest`. Pointers are borrowed from the caller's buffers and this
/// struct's arrays for one call and never kept.
extension BitvectorForest {
    /// Scratch a pass needs: bins (featureCount × 8 vectors) and leaf codes (treeCount × 8 vectors).
    func scratchVectors() -> (bins: Int, codes: Int) {
        (featureCount * Self.vectorsPerPass, treeCount * Self.vectorsPerPass)
    }

    /// Adds every tree's leaf value, in tree order, to `acc[r]` for the `count` (≤ 64) rows of input
    /// keys at `keys` (row-major, `featureCount` per row).
    func addTrees(_ keys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>,
                  bins: UnsafeMutablePointer<SIMD8<Int16>>, codes: UnsafeMutablePointer<SIMD8<UInt16>>) {
        fillBins(keys, count, UnsafeMutableRawPointer(bins).assumingMemoryBound(to: Int16.self))
        findLeaves(bins, codes)
        addLeaves(UnsafeRawPointer(codes).assumingMemoryBound(to: UInt16.self), count, acc)
    }

    /// bins[f · 64 + r] = how many of feature f's thresholds are below row r's value (padding rows: 0).
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

    /// codes[t · 8 + v], lane l = tree t's leaf (as tree · 16 + de Bruijn code) for row 8v + l.
    private func findLeaves(_ bins: UnsafePointer<SIMD8<Int16>>, _ codes: UnsafeMutablePointer<SIMD8<UInt16>>) {
        nodeInfo.withUnsafeBufferPointer { info in
        nodeRank.withUnsafeBufferPointer { ranks in
        leftMask.withUnsafeBufferPointer { masks in
        treeNodeEnd.withUnsafeBufferPointer { ends in
            let none = SIMD8<UInt16>(repeating: 0)
            var k = 0
            for t in 0..<treeCount {
                var e0 = none, e1 = none, e2 = none, e3 = none, e4 = none, e5 = none, e6 = none, e7 = none
                let end = Int(ends[t])
                while k < end {
                    let node = Int(info[k])
                    let rank = ranks[k]
                    let mask = masks[node & 15]
                    let row = bins + (node >> 4) &* 8
                    // A row whose bin is above the rank goes right: its left subtree's leaves are out.
                    e0 |= none.replacing(with: mask, where: row[0] .> rank)
                    e1 |= none.replacing(with: mask, where: row[1] .> rank)
                    e2 |= none.replacing(with: mask, where: row[2] .> rank)
                    e3 |= none.replacing(with: mask, where: row[3] .> rank)
                    e4 |= none.replacing(with: mask, where: row[4] .> rank)
                    e5 |= none.replacing(with: mask, where: row[5] .> rank)
                    e6 |= none.replacing(with: mask, where: row[6] .> rank)
                    e7 |= none.replacing(with: mask, where: row[7] .> rank)
                    k &+= 1
                }
                let offset = SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: t &* Self.leafCount))
                @inline(__always) func leafCode(_ excluded: SIMD8<UInt16>) -> SIMD8<UInt16> {
                    let remaining = ~excluded
                    let lowest = remaining & (none &- remaining)
                    return ((lowest &* SIMD8(repeating: Self.deBruijn)) &>> 12) &+ offset
                }
                let out = codes + t &* 8
                out[0] = leafCode(e0)
                out[1] = leafCode(e1)
                out[2] = leafCode(e2)
                out[3] = leafCode(e3)
                out[4] = leafCode(e4)
                out[5] = leafCode(e5)
                out[6] = leafCode(e6)
                out[7] = leafCode(e7)
            }
        }
        }
        }
        }
    }

    /// Adds the leaf values tree by tree, eight rows at a time with their sums in registers: each
    /// row's additions stay in tree order, and the eight rows' chains of additions overlap.
    private func addLeaves(_ codes: UnsafePointer<UInt16>, _ count: Int, _ acc: UnsafeMutablePointer<Double>) {
        leafValue.withUnsafeBufferPointer { leafBuffer in
            let leaves = leafBuffer.baseAddress!
            let stride = Self.rowsPerPass
            var r = 0
            while r + 8 <= count {
                var s0 = acc[r], s1 = acc[r + 1], s2 = acc[r + 2], s3 = acc[r + 3]
                var s4 = acc[r + 4], s5 = acc[r + 5], s6 = acc[r + 6], s7 = acc[r + 7]
                // Eight 16-bit codes in two 64-bit loads (little-endian: the first row in the low
                // bits), so fewer loads compete with the leaf loads.
                var c = UnsafeRawPointer(codes + r)
                for _ in 0..<treeCount {
                    let low = c.load(as: UInt64.self), high = c.load(fromByteOffset: 8, as: UInt64.self)
                    s0 += leaves[Int(truncatingIfNeeded: low & 0xFFFF)]
                    s1 += leaves[Int(truncatingIfNeeded: (low >> 16) & 0xFFFF)]
                    s2 += leaves[Int(truncatingIfNeeded: (low >> 32) & 0xFFFF)]
                    s3 += leaves[Int(truncatingIfNeeded: low >> 48)]
                    s4 += leaves[Int(truncatingIfNeeded: high & 0xFFFF)]
                    s5 += leaves[Int(truncatingIfNeeded: (high >> 16) & 0xFFFF)]
                    s6 += leaves[Int(truncatingIfNeeded: (high >> 32) & 0xFFFF)]
                    s7 += leaves[Int(truncatingIfNeeded: high >> 48)]
                    c += stride * 2
                }
                acc[r] = s0
                acc[r + 1] = s1
                acc[r + 2] = s2
                acc[r + 3] = s3
                acc[r + 4] = s4
                acc[r + 5] = s5
                acc[r + 6] = s6
                acc[r + 7] = s7
                r += 8
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
