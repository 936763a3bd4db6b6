import Testing
@testable import Evserve

/// The output buffers a worker's connections pass round: given back emptied with their storage, taken
/// again last first, and never too many or too large.
@Suite struct SpareOutputsTests {
    static func storage(_ bytes: [UInt8]) -> UnsafeRawPointer? {
        bytes.withUnsafeBytes { $0.baseAddress }
    }

    /// A buffer given back is the next one taken, empty, with its storage; with none to give, the taker
    /// gets room of its own.
    @Test func theLastGivenBackIsTakenFirst() {
        var spares = SpareOutputs()
        var first: [UInt8] = []
        spares.take(into: &first, room: 300)
        #expect(first.isEmpty && first.capacity >= 300)
        first.append(contentsOf: Array(repeating: 7, count: 200))
        let storage = Self.storage(first)
        spares.giveBack(&first)
        #expect(first.capacity == 0 && spares.count == 1)
        var next: [UInt8] = []
        spares.take(into: &next, room: 10)
        #expect(next.isEmpty && Self.storage(next) == storage && spares.count == 0)
    }

    /// Large buffers are freed, not kept, and no more than `most` are kept.
    @Test func keepsFewAndSmall() {
        var spares = SpareOutputs()
        var large = [UInt8](repeating: 1, count: SpareOutputs.largest + 1)
        spares.giveBack(&large)
        #expect(spares.count == 0 && large.capacity == 0)
        for _ in 0..<(SpareOutputs.most + 5) {
            var buffer = [UInt8](repeating: 2, count: 100)
            spares.giveBack(&buffer)
        }
        #expect(spares.count == SpareOutputs.most)
    }
}
