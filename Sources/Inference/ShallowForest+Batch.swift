/// The batch loop of `ShallowForest`'s bitvector layout. Pointers are borrowed from the caller's
/// buffers and this struct's arrays for one call and never kept.
extension ShallowForest {
    /// Rows a pass handles: 4 vectors of 16 byte lanes, so each half's excluded-leaves vectors stay in
    /// registers (SSE2 has 16).
    static let rowsPerPass = 64
    static let vectorsPerPass = 4
    /// Trees whose leaves are found, then added, in turn: their leaf indices (8 KB) and values (8 KB)
    /// stay in the L1 cache between the two steps.
    static let treesPerBlock = 64

    /// Scratch a pass needs, in 16-byte vectors: bins (segments × 4) and leaf indices (a block's trees × 8).
    func scratchVectors() -> (bins: Int, codes: Int) {
        (Swift.max(1, table.segmentCount) * Self.vectorsPerPass, Self.treesPerBlock * 2 * Self.vectorsPerPass)
    }

    /// Adds every tree's leaf value, in tree order, to `acc[r]` for the `count` (≤ 64) rows of input
    /// keys at `keys` (row-major, `featureCount` per row). Needs a tree that splits (D ≥ 1).
    func addInBatch(_ keys: UnsafePointer<Int32>, _ count: Int, _ acc: UnsafeMutablePointer<Double>,
                    bins: UnsafeMutablePointer<SIMD16<Int8>>, leaves: UnsafeMutablePointer<SIMD8<UInt16>>) {
        fillBins(keys, count, UnsafeMutableRawPointer(bins).assumingMemoryBound(to: UInt8.self))
        var first = 0
        while first < treeCount {
            let end = Swift.min(first + Self.treesPerBlock, treeCount)
            findLeaves(bins, leaves, trees: first..<end)
            addLeaves(UnsafeRawPointer(leaves).assumingMemoryBound(to: UInt16.self), count, acc, trees: end - first)
            first = end
        }
    }

    /// bins[s · 64 + r] = how many of segment s's keys are below row r's key, xor 0x80 (padding rows: any).
    /// Counted 16 rows at a time, one compare per key and vector of rows: no branch to mispredict, no
    /// dependent step, nothing summed across lanes (a search per row does all three, and cost twice as much).
    private func fillBins(_ keys: UnsafePointer<Int32>, _ count: Int, _ bins: UnsafeMutablePointer<UInt8>) {
        table.keys.withUnsafeBufferPointer { tableKeys in
        table.featureStart.withUnsafeBufferPointer { featureStart in
        table.featureKeyCount.withUnsafeBufferPointer { featureKeyCount in
        table.featureSegmentStart.withUnsafeBufferPointer { segmentRange in
        table.segmentStart.withUnsafeBufferPointer { segmentStart in
        table.segmentKeyCount.withUnsafeBufferPointer { segmentKeyCount in
            for feature in 0..<featureCount {
                let firstSegment = segmentRange[feature], endSegment = segmentRange[feature + 1]
                guard firstSegment < endSegment else { continue }  // no keys, no segment
                let featureKeys = tableKeys.baseAddress! + featureStart[feature]
                let keyCount = featureKeyCount[feature]
                for v in 0..<Self.vectorsPerPass {
                    var x = SIMD16<Int32>()
                    for lane in 0..<16 where 16 &* v &+ lane < count {
                        x[lane] = keys[(16 &* v &+ lane) &* featureCount &+ feature]
                    }
                    var below = SIMD16<Int32>()
                    let none = SIMD16<Int32>(repeating: 0)
                    for k in 0..<keyCount {
                        let threshold = SIMD16<Int32>(repeating: featureKeys[k])
                        below &-= none.replacing(with: -1, where: x .> threshold)
                    }
                    // A feature's segments are consecutive runs of its sorted keys: clamp to each.
                    for s in firstSegment..<endSegment {
                        let offset = SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: segmentStart[s] &- featureStart[feature]))
                        let size = SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: segmentKeyCount[s]))
                        let bin: SIMD16<Int32> = pointwiseMin(pointwiseMax(below &- offset, SIMD16<Int32>()), size)
                        let stored = SIMD16<UInt8>(truncatingIfNeeded: bin) ^ SIMD16<UInt8>(repeating: 0x80)
                        let destination = bins + (s &* Self.rowsPerPass &+ 16 &* v)
                        UnsafeMutableRawPointer(destination).storeBytes(of: stored, as: SIMD16<UInt8>.self)
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

    /// leaves[(t − first) · 8 + w], lane l = where in `codedLeaf` tree t's leaf for row 8w + l is
    /// (t · 16 + `leafCode`): whole indices, so adding a leaf takes one load for the index, one for the value.
    private func findLeaves(_ bins: UnsafePointer<SIMD16<Int8>>, _ leaves: UnsafeMutablePointer<SIMD8<UInt16>>,
                            trees: Range<Int>) {
        splitInfo.withUnsafeBufferPointer { info in
        splitRank.withUnsafeBufferPointer { ranks in
        leftMask.withUnsafeBufferPointer { masks in
        treeLeftEnd.withUnsafeBufferPointer { leftEnds in
        treeEnd.withUnsafeBufferPointer { ends in
            let none = SIMD16<Int8>(repeating: 0)
            var k = trees.lowerBound == 0 ? 0 : Int(ends[trees.lowerBound - 1])
            for t in trees {
                let root = k
                k &+= 1
                // A row whose bin is above the rank goes right: its left subtree's leaves are out. The test
                // is written `rank + 1 > bin` (false: right), which x86 does with the bins read from memory.
                var l0 = none, l1 = none, l2 = none, l3 = none
                let leftEnd = Int(leftEnds[t])
                while k < leftEnd {
                    let split = Int(info[k])
                    let rank = ranks[k], mask = masks[split & 15]
                    let row = bins + (split >> 4) &* 4
                    l0 |= mask & ~none.replacing(with: -1, where: rank .> row[0])
                    l1 |= mask & ~none.replacing(with: -1, where: rank .> row[1])
                    l2 |= mask & ~none.replacing(with: -1, where: rank .> row[2])
                    l3 |= mask & ~none.replacing(with: -1, where: rank .> row[3])
                    k &+= 1
                }
                var r0 = none, r1 = none, r2 = none, r3 = none
                let end = Int(ends[t])
                while k < end {
                    let split = Int(info[k])
                    let rank = ranks[k], mask = masks[split & 15]
                    let row = bins + (split >> 4) &* 4
                    r0 |= mask & ~none.replacing(with: -1, where: rank .> row[0])
                    r1 |= mask & ~none.replacing(with: -1, where: rank .> row[1])
                    r2 |= mask & ~none.replacing(with: -1, where: rank .> row[2])
                    r3 |= mask & ~none.replacing(with: -1, where: rank .> row[3])
                    k &+= 1
                }
                let rootRank = ranks[root]
                let rootRow = bins + (Int(info[root]) >> 4) &* 4
                @inline(__always) func leafCode(_ v: Int, _ left: SIMD16<Int8>, _ right: SIMD16<Int8>) -> SIMD16<Int8> {
                    let wentRight = ~SIMD16<Int8>(repeating: 0).replacing(with: -1, where: rootRank .> rootRow[v])
                    let excluded = (wentRight & right) | (~wentRight & left)
                    // The lowest leaf not excluded, one-hot; never 0, as a half's last leaf is in no left subtree.
                    let lowest = ~excluded & (excluded &+ 1)
                    // Its place 0...7 by the de Bruijn multiply, on 16-bit lanes (SSE2 has no byte multiply):
                    // low bytes and high bytes apart, each product's top 3 bits moved to its byte's bottom.
                    let words = unsafeBitCast(lowest, to: SIMD8<UInt16>.self)
                    let low = (words & 0x00FF) &* Self.deBruijn, high = (words & 0xFF00) &* Self.deBruijn
                    let place = ((low &>> 5) | (high &>> 5)) & 0x0707
                    return unsafeBitCast(place, to: SIMD16<Int8>.self) | (wentRight & 8)
                }
                let out = leaves + (t &- trees.lowerBound) &* 8
                let first = SIMD8<UInt16>(repeating: UInt16(truncatingIfNeeded: t &* 16))
                @inline(__always) func store(_ w: Int, _ code: SIMD16<Int8>) {
                    let bytes = SIMD16<UInt8>(truncatingIfNeeded: code)
                    out[w] = SIMD8<UInt16>(truncatingIfNeeded: bytes.lowHalf) &+ first
                    out[w &+ 1] = SIMD8<UInt16>(truncatingIfNeeded: bytes.highHalf) &+ first
                }
                store(0, leafCode(0, l0, r0))
                store(2, leafCode(1, l1, r1))
                store(4, leafCode(2, l2, r2))
                store(6, leafCode(3, l3, r3))
            }
        }
        }
        }
        }
        }
    }

    /// Adds the leaf values tree by tree, eight rows at a time with their sums in registers: each
    /// row's additions stay in tree order, and the eight rows' chains of additions overlap.
    private func addLeaves(_ codes: UnsafePointer<UInt16>, _ count: Int, _ acc: UnsafeMutablePointer<Double>, trees: Int) {
        codedLeaf.withUnsafeBufferPointer { leafBuffer in
            let leaves = leafBuffer.baseAddress!
            let stride = Self.rowsPerPass
            var r = 0
            while r + 8 <= count {
                var s0 = acc[r], s1 = acc[r + 1], s2 = acc[r + 2], s3 = acc[r + 3]
                var s4 = acc[r + 4], s5 = acc[r + 5], s6 = acc[r + 6], s7 = acc[r + 7]
                var c = codes + r
                for _ in 0..<trees {
                    s0 += leaves[Int(c[0])]
                    s1 += leaves[Int(c[1])]
                    s2 += leaves[Int(c[2])]
                    s3 += leaves[Int(c[3])]
                    s4 += leaves[Int(c[4])]
                    s5 += leaves[Int(c[5])]
                    s6 += leaves[Int(c[6])]
                    s7 += leaves[Int(c[7])]
                    c += stride
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
                for _ in 0..<trees {
                    s += leaves[Int(c[0])]
                    c += stride
                }
                acc[r] = s
                r += 1
            }
        }
    }
}
