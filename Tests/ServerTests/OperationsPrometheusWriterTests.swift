import Testing
@testable import Server

@Suite("Prometheus text writer")
struct OperationsPrometheusWriterTests {
    /// Label values escape backslash, quote and newline, the three the 0.0.4 format names.
    @Test func escapesLabelValues() {
        var out = PrometheusWriter()
        out.sample("m", labels: ["v": "a\\b\"c\nd"], 1)
        #expect(String(decoding: out.bytes, as: UTF8.self) == "m{v=\"a\\\\b\\\"c\\nd\"} 1\n")
    }

    /// HELP text escapes backslash and newline, and TYPE follows it.
    @Test func writesHelpAndType() {
        var out = PrometheusWriter()
        out.family("m_total", .counter, help: "line\\one\ntwo")
        #expect(String(decoding: out.bytes, as: UTF8.self) == "# HELP m_total line\\\\one\\ntwo\n# TYPE m_total counter\n")
    }

    /// Special floats use the spellings Prometheus parses.
    @Test func formatsSpecialNumbers() {
        #expect(PrometheusWriter.format(.infinity) == "+Inf")
        #expect(PrometheusWriter.format(-.infinity) == "-Inf")
        #expect(PrometheusWriter.format(.nan) == "NaN")
        #expect(PrometheusWriter.format(0.25) == "0.25")
        #expect(PrometheusWriter.format(1e-05) == "1e-05")
    }
}

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
