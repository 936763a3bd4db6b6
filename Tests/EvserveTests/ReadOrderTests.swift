import Testing
@testable import Evserve

/// The order a worker reads an iteration's readable connections in. Indices are libev's: it calls the
/// watchers last reported first, so index 0 is the connection whose request arrived last.
@Suite struct ReadOrderTests {
    /// What `visit` does for `count` connections: the indices read, with "|" where a round ended.
    static func visit(_ count: Int) -> (reads: [Int], rounds: [Int]) {
        var reads: [Int] = []
        var rounds: [Int] = []
        ReadOrder.visit(count: count) { reads.append($0) } endOfRound: { rounds.append(reads.count) }
        return (reads, rounds)
    }

    /// Up to a backlog, connections are read in one pass, oldest request first, with no stop.
    @Test func aUsualIterationIsReadOnceInArrivalOrder() {
        for count in [0, 1, 64, ReadOrder.round + 1, ReadOrder.backlog] {
            let (reads, rounds) = Self.visit(count)
            #expect(reads == Array((0..<count).reversed()))
            #expect(rounds.isEmpty)
        }
    }

    /// A backlog is read newest share first, then the rest; each part oldest first; every
    /// connection exactly once.
    @Test func aBacklogIsReadNewestShareFirst() {
        let count = ReadOrder.backlog * 3 + 5
        let newest = count / ReadOrder.newestShare
        let (reads, _) = Self.visit(count)
        #expect(Array(reads[..<newest]) == Array((0..<newest).reversed()))
        #expect(Array(reads[newest...]) == Array((newest..<count).reversed()))
        #expect(Set(reads).count == count)
    }

    /// A backlog stops after every round of reads to be answered, but not after its last read:
    /// the prepare watcher hands that round off.
    @Test func aBacklogStopsAfterEveryRound() {
        for count in [ReadOrder.backlog + 1, ReadOrder.round * 20] {
            let (reads, rounds) = Self.visit(count)
            #expect(reads.count == count)
            let expected = Array(stride(from: ReadOrder.round, to: count, by: ReadOrder.round))
            #expect(rounds == expected)
        }
    }
}
