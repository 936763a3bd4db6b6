import Dispatch
import Testing
@testable import Evserve

/// The loop's mailbox: items posted from other threads reach the loop thread, all of them, in the
/// order they were posted, whether posted one by one or a batch at once.
@Suite struct LoopMailboxTests {
    /// Runs a fresh loop on this thread until `expected` items arrived (or 5 s passed) and returns
    /// the deliveries as the loop saw them, one list per wake-up.
    static func deliveries(expected: Int, post: @escaping @Sendable (LoopMailbox<Int>) -> Void) -> [[Int]] {
        let loop = EvLoop(isDefault: false)
        var seen: [[Int]] = []
        let mailbox = LoopMailbox<Int>(loop: loop) { items in
            seen.append(items)
            if seen.joined().count >= expected { loop.stop() }
        }
        let deadline = TimerWatcher(loop: loop, after: 5, repeat: 0) { loop.stop() }
        deadline.start()
        DispatchQueue.global().async { post(mailbox) }
        loop.run()
        deadline.stop()
        mailbox.close()
        return seen
    }

    /// A batch posted at once arrives whole, in order, in one delivery.
    @Test func batchArrivesInOneDelivery() {
        let seen = Self.deliveries(expected: 5) { $0.post(contentsOf: [1, 2, 3, 4, 5]) }
        #expect(seen == [[1, 2, 3, 4, 5]])
    }

    /// Batches and single items from several threads all arrive, each thread's in its order.
    @Test func everythingPostedArrives() {
        let seen = Self.deliveries(expected: 400) { mailbox in
            DispatchQueue.concurrentPerform(iterations: 4) { thread in
                for k in 0..<50 {
                    let item = thread * 1000 + k * 2
                    if k % 2 == 0 { mailbox.post(contentsOf: [item, item + 1]) } else { mailbox.post(item); mailbox.post(item + 1) }
                }
            }
        }
        let all = Array(seen.joined())
        #expect(all.count == 400)
        for thread in 0..<4 {
            #expect(all.filter { $0 / 1000 == thread } == (0..<100).map { thread * 1000 + $0 })
        }
    }

    /// An empty batch rings no bell: the loop is not woken for nothing.
    @Test func emptyBatchIsNothing() {
        let seen = Self.deliveries(expected: 1) { $0.post(contentsOf: []); $0.post(7) }
        #expect(seen == [[7]])
    }
}
