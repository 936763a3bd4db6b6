/// Output buffers, emptied with their storage kept, that a worker's connections gave back once they
/// had sent everything; a connection about to render an answer takes one (`Worker.takeSpareOutput`).
///
/// The last one given back is likely still in the core's cache. A buffer kept by each connection was
/// not, at 10 000 connections: writing an answer into it missed the cache about four times (callgrind's
/// cache simulation), and it held memory while the connection sat idle.
struct SpareOutputs {
    private var buffers: [[UInt8]] = []

    /// Buffers are kept up to this size, and this many: as many as `Worker.deliver` renders before it
    /// sends (`Worker.settleEvery`), 1 MiB at the very most, and for small answers (a few hundred bytes
    /// each) some 30 KiB.
    static let largest = 16 * 1024, most = Worker.settleEvery

    var count: Int { buffers.count }

    /// Puts a spare in `buffer`, which must be empty with no storage; if there is none, it gets room
    /// for `bytes` (an answer grown from empty was copied five or six times on the way).
    mutating func take(into buffer: inout [UInt8], room bytes: Int) {
        if var spare = buffers.popLast() { swap(&buffer, &spare) } else { buffer.reserveCapacity(bytes) }
    }

    /// Takes `buffer`'s storage, emptied, to lend again (or frees it: a large one, or one too many),
    /// and leaves `buffer` with none. Moved, not copied: no reference is counted.
    mutating func giveBack(_ buffer: inout [UInt8]) {
        var taken: [UInt8] = []
        swap(&taken, &buffer)
        guard taken.capacity <= Self.largest, buffers.count < Self.most else { return }
        taken.removeAll(keepingCapacity: true)
        buffers.append(consume taken)
    }
}
