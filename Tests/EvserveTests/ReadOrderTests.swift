import Testing
@testable import Evserve

/// The order a worker reads an iteration's readable connections in. Indices are libev's: it calls the
/// watchers last reported first, so index 0 is the connection whose request arrived last.
@Suite struct ReadOrderTests {
    /// The indices `visit` reads for `count` connections, in order.
    static func visit(_ count: Int) -> [Int] {
        var reads: [Int] = []
        ReadOrder.visit(count: count) { reads.append($0) }
        return reads
    }

    /// However many became readable at once (10 000 connections report thousands), each is read
    /// exactly once, in one pass, oldest request first.
    @Test(arguments: [0, 1, 64, 1024, 1025, 10_000])
    func everyIterationIsReadOnceInArrivalOrder(count: Int) {
        #expect(Self.visit(count) == Array((0..<count).reversed()))
    }
}
