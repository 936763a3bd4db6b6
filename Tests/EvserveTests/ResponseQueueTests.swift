import Testing
@testable import Evserve

/// The per-connection response queue: responses leave strictly in request order.
@Suite struct ResponseQueueTests {
    private let framing = ResponseQueue.Framing(keepAlive: true, http10: false, omitBody: false)

    /// A later response that is ready first waits until every earlier one is ready.
    @Test func readyOnlyInRequestOrder() {
        var queue = ResponseQueue()
        let a = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        let b = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        #expect(queue.outstanding == 2)
        queue.fill(b, with: [2])
        #expect(queue.popReady() == nil)
        queue.fill(a, with: [1])
        let first = queue.popReady()?.bytes
        let second = queue.popReady()?.bytes
        #expect(first == [1])
        #expect(second == [2])
        #expect(queue.isEmpty)
        #expect(queue.outstanding == 0)
    }

    /// `unfilled` counts the responses still being made, so a closing connection knows how many
    /// requests it abandons.
    @Test func countsResponsesStillBeingMade() {
        var queue = ResponseQueue()
        let a = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        _ = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        queue.appendInterim([100])
        #expect(queue.unfilled == 2)
        queue.fill(a, with: [1])
        #expect(queue.unfilled == 1)
        _ = queue.popReady()
        #expect(queue.unfilled == 1)
        #expect(queue.outstanding == 1)
    }

    /// An interim response goes out in its place and does not count as an owed response.
    @Test func interimResponsesKeepTheirPlace() {
        var queue = ResponseQueue()
        let a = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        queue.appendInterim([100])
        let b = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        #expect(queue.outstanding == 2)
        queue.fill(b, with: [2])
        queue.fill(a, with: [1])
        var sent: [[UInt8]?] = []
        for _ in 0..<3 { sent.append(queue.popReady()?.bytes) }
        #expect(sent == [[1], [100], [2]])
    }

    /// Only the next owed response may skip its slot and go straight out; a later one, or one
    /// behind an interim response still queued, must wait in its slot.
    @Test func onlyTheNextOwedResponseIsTakenDirectly() {
        var queue = ResponseQueue()
        let a = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        let b = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        #expect(queue.takeIfNext(b) == nil)
        #expect(queue.takeIfNext(a) != nil)
        #expect(queue.outstanding == 1 && queue.unfilled == 1)
        #expect(queue.takeIfNext(a) == nil)
        queue.appendInterim([100])
        let c = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        #expect(queue.takeIfNext(b) != nil)
        #expect(queue.takeIfNext(c) == nil)
        #expect(queue.popReady()?.bytes == [100])
        #expect(queue.takeIfNext(c) != nil)
        #expect(queue.isEmpty && queue.outstanding == 0 && queue.unfilled == 0)
    }

    /// A slot can be filled once; unknown or already-filled sequence numbers are refused.
    @Test func fillsEachSlotOnce() {
        var queue = ResponseQueue()
        let a = queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0)
        let filled = queue.fill(a, with: [1])
        let refilled = queue.fill(a, with: [9])
        let unknown = queue.fill(a + 5, with: [9])
        _ = queue.popReady()
        let afterSending = queue.fill(a, with: [9])
        #expect(filled)
        #expect(!refilled)
        #expect(!unknown)
        #expect(!afterSending)
    }

    /// Thousands of requests through one queue keep their order while the storage is compacted.
    @Test func longRunsStayOrdered() {
        var queue = ResponseQueue()
        var sent: [UInt8] = []
        var open: [Int] = []
        for i in 0..<3000 {
            open.append(queue.reserve(framing: framing, route: "/", method: .get, startedAt: 0))
            if open.count == 3 {
                // Fill in reverse order each time.
                for (j, sequence) in open.enumerated().reversed() { queue.fill(sequence, with: [UInt8((i - 2 + j) % 256)]) }
                open.removeAll()
                while let slot = queue.popReady() { sent.append(slot.bytes![0]) }
            }
        }
        #expect(sent == (0..<3000).map { UInt8($0 % 256) })
    }
}
