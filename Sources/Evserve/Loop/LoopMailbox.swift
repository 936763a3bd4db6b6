import CLibev
import Synchronization

/// A locked list of items posted from any thread, with an `ev_async` doorbell in front of it: the
/// pattern `man 3 ev` recommends for waking a loop. Posting rings the bell only when the list was
/// empty, and the loop's callback takes the *whole* list, so a burst of finished jobs costs one
/// wake-up, not one per job.
final class LoopMailbox<Item: Sendable>: Sendable {
    private let items = Locked<(list: [Item], closed: Bool)>(([], false))
    private let doorbell: LoopDoorbell

    /// `onItems` runs on the loop thread with everything posted since the last call. It may move
    /// items out of the list (leaving anything in their place): the list is emptied after it.
    init(loop: EvLoop, onItems: @escaping (inout [Item]) -> Void) {
        doorbell = LoopDoorbell(loop: loop)
        // Two lists trade places: posters fill one while the loop reads the other, so a wake-up
        // allocates nothing once both have grown to the usual burst (loop thread only).
        var taken: [Item] = []
        doorbell.onRing = { [unowned self] in
            self.items.withLock { state in swap(&state.list, &taken) }
            if !taken.isEmpty { onItems(&taken) }
            taken.removeAll(keepingCapacity: taken.capacity <= 4096)
        }
    }

    /// Loop thread: hands everything posted so far to `onItems` now, without waiting for the
    /// doorbell's turn in the next loop iteration; false if nothing was posted. (A bell rung for
    /// items taken here then finds the list empty.)
    func takePosted() -> Bool {
        guard items.withLock({ !$0.list.isEmpty }) else { return false }
        doorbell.onRing()
        return true
    }

    /// Any thread.
    func post(_ item: Item) {
        let ring = items.withLock { state in
            guard !state.closed else { return false }
            state.list.append(item)
            return state.list.count == 1
        }
        if ring { doorbell.ring() }
    }

    /// Any thread: posts `batch` in one locked append with at most one ring, so a job batch's answers
    /// cost one lock and one wake-up of the loop, not one per answer. Into an empty list (the loop
    /// has taken what came before) the batch's storage moves whole: appending copied each item (a
    /// response's body retained, and released again with the batch).
    func post(contentsOf batch: consuming [Item]) {
        guard !batch.isEmpty else { return }
        var batch = batch
        let ring = items.withLock { state in
            guard !state.closed else { return false }
            if state.list.isEmpty {
                swap(&state.list, &batch)
                return true
            }
            state.list.append(contentsOf: batch)
            return false
        }
        if ring { doorbell.ring() }
    }

    /// Loop thread, before the loop is destroyed. Items posted afterwards (a job finishing during
    /// shutdown) are dropped instead of ringing a bell that no loop watches any more.
    func close() {
        items.withLock { $0.closed = true; $0.list.removeAll() }
        doorbell.stop()
    }
}

/// The `ev_async` watcher behind a mailbox.
final class LoopDoorbell: @unchecked Sendable {
    // @unchecked: `watcher` and `loop` are raw pointers and `onRing` is loop-confined. Only the loop
    // thread starts, stops and runs the watcher; other threads only call `ring()`, i.e.
    // `ev_async_send`, which libev documents as safe from any thread.
    private let watcher = UnsafeMutablePointer<ev_async>.allocate(capacity: 1)
    private let loop: OpaquePointer
    private var stopped = false
    var onRing: () -> Void = {}

    init(loop: EvLoop) {
        self.loop = loop.raw
        evserve_async_init(watcher, { _, w, _ in
            Unmanaged<LoopDoorbell>.fromOpaque(w!.pointee.data).takeUnretainedValue().onRing()
        })
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        ev_async_start(loop.raw, watcher)
    }

    func ring() { ev_async_send(loop, watcher) }

    func stop() {
        ev_async_stop(loop, watcher)
        stopped = true
    }

    deinit {
        // May run on a Dispatch thread (a job held the last reference): no libev call here. The
        // watcher is freed only if `stop()` ran on the loop; otherwise leaking it beats a crash.
        if stopped { watcher.deallocate() }
    }
}
