import Testing
@testable import Evserve

@Suite("Latency histogram")
struct OperationsLatencyHistogramTests {
    /// A value equal to a bound counts in that bound's bucket (`le` means less or equal).
    @Test(arguments: Array(LatencyHistogram.bounds.enumerated()))
    func boundsAreInclusive(index: Int, bound: Double) {
        #expect(LatencyHistogram.slot(for: bound) == index)
        #expect(LatencyHistogram.slot(for: bound.nextUp) == index + 1)
    }

    /// Values above every bound, and NaN, land only in +Inf; zero and negatives in the first bucket.
    @Test func edgesLandInTheEndBuckets() {
        let last = LatencyHistogram.bounds.count
        #expect(LatencyHistogram.slot(for: 1e9) == last)
        #expect(LatencyHistogram.slot(for: .nan) == last)
        #expect(LatencyHistogram.slot(for: 0) == 0)
        #expect(LatencyHistogram.slot(for: -1) == 0)
    }

    /// Cumulative counts never decrease and end at the total count.
    @Test func cumulativeCountsEndAtTheTotal() {
        var histogram = LatencyHistogram()
        for seconds in [0.00001, 0.0003, 0.0003, 0.07, 42] { histogram.record(seconds: seconds) }
        let cumulative = histogram.cumulativeCounts
        #expect(zip(cumulative, cumulative.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(cumulative.last == 5)
        #expect(histogram.count == 5)
        #expect(cumulative[0] == 1)                               // 0.00001 <= 0.0001
        #expect(cumulative[LatencyHistogram.slot(for: 0.0005)] == 3)  // plus both 0.0003
    }
}
