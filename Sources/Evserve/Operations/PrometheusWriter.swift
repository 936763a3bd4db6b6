/// Writes the Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` lines, then
/// one `name{label="value",...} number` line per sample.
///
/// Why not swift-prometheus (2.4.1 is available): it would pull swift-metrics and a second build
/// graph into a binary that otherwise needs only libev and the standard library, its registry
/// is built for dynamic metric creation rather than the fixed set evserve exposes, and it has no
/// `process_*` collector on Linux. The format itself is a few lines of text and is checked in CI
/// with `prometheus_client`'s own parser (tests/test_metrics.py).
struct PrometheusWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 8192) { bytes.reserveCapacity(capacity) }

    enum Kind: String { case counter, gauge, histogram }

    /// `# HELP` and `# TYPE` for one metric family. For counters the 0.0.4 convention names the
    /// family with its `_total` suffix, as the Go and Python clients do.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        append("# HELP \(name) ")
        // HELP text escapes backslash and newline only.
        for ch in help.unicodeScalars {
            switch ch {
            case "\\": append("\\\\")
            case "\n": append("\\n")
            default: append(String(ch))
            }
        }
        append("\n# TYPE \(name) \(kind.rawValue)\n")
    }

    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], _ value: UInt64) {
        sampleStart(name, labels)
        append(String(value))
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], _ value: Int) {
        sampleStart(name, labels)
        append(String(value))
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], _ value: Double) {
        sampleStart(name, labels)
        append(Self.format(value))
        bytes.append(UInt8(ascii: "\n"))
    }

    /// A histogram's `_bucket` (cumulative, with `le` after `labels`), `_sum` and `_count` samples.
    mutating func histogram(_ name: String, labels: [(key: String, value: String)] = [], _ histogram: LatencyHistogram) {
        let cumulative = histogram.cumulativeCounts
        for (i, bound) in LatencyHistogram.bounds.enumerated() {
            bucket(name, labels: labels, le: Self.format(bound), cumulative[i])
        }
        bucket(name, labels: labels, le: "+Inf", histogram.count)
        sampleStart(name + "_sum", labels)
        append(Self.format(histogram.sum))
        bytes.append(UInt8(ascii: "\n"))
        sampleStart(name + "_count", labels)
        append(String(histogram.count))
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func bucket(_ name: String, labels: [(key: String, value: String)], le: String, _ value: UInt64) {
        sampleStart(name + "_bucket", labels + [(key: "le", value: le)])
        append(String(value))
        bytes.append(UInt8(ascii: "\n"))
    }

    /// The name and `{key="value",...}`; `labels` is a `KeyValuePairs` or an array of pairs.
    private mutating func sampleStart<Labels: Collection>(_ name: String, _ labels: Labels)
    where Labels.Element == (key: String, value: String) {
        append(name)
        if !labels.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            for (i, (key, value)) in labels.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                append(key)
                append("=\"")
                appendEscapedLabelValue(value)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
    }

    /// Label values escape backslash, double quote and newline (the format's only three).
    private mutating func appendEscapedLabelValue(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\n"): append("\\n")
            default: bytes.append(byte)
            }
        }
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Numbers as Go's ParseFloat reads them: `+Inf`, `-Inf`, `NaN`, else Swift's shortest
    /// round-tripping text (`0.0001`, `1e-05`, `2.5`).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        return value.description
    }
}
