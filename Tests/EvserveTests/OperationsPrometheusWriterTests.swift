import Testing
@testable import Evserve

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
