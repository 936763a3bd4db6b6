import Testing
@testable import Evserve

/// The rendered samples as `name{labels}` -> value text, exactly as written.
fileprivate func samples(_ registry: MetricsRegistry) -> [String: String] {
    var result: [String: String] = [:]
    for line in String(decoding: registry.render(), as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
        let space = line.lastIndex(of: " ")!
        result[String(line[..<space])] = String(line[line.index(after: space)...])
    }
    return result
}

fileprivate let model = ModelSummary(estimator: "GradientBoostingRegressor", featureCount: 13, featureNames: nil, treeCount: 100)

@Suite("Metrics registry")
struct OperationsMetricsRegistryTests {
    /// Requests are counted per route, method and status, each combination on its own line.
    @Test func countsRequestsByRouteMethodAndStatus() {
        let registry = MetricsRegistry(model: model)
        for _ in 0..<3 { registry.recordRequest(route: "/predict", method: "POST", status: 200, seconds: 0.001) }
        registry.recordRequest(route: "/predict", method: "POST", status: 422, seconds: 0.001)
        registry.recordRequest(route: "unmatched", method: "GET", status: 404, seconds: 0.001)
        let s = samples(registry)
        #expect(s[#"evserve_http_requests_total{route="/predict",method="POST",status="200"}"#] == "3")
        #expect(s[#"evserve_http_requests_total{route="/predict",method="POST",status="422"}"#] == "1")
        #expect(s[#"evserve_http_requests_total{route="unmatched",method="GET",status="404"}"#] == "1")
        #expect(s.keys.filter { $0.hasPrefix("evserve_http_requests_total") }.count == 3)
    }

    /// Runs of the same labels and changes between them, in any order and with new combinations
    /// added between repeats (which move the counts in their table), are all counted exactly.
    @Test func repeatedAndChangingLabelsAreCountedExactly() {
        let registry = MetricsRegistry(model: model)
        let labels = [("/predict", "POST", 200), ("/predict", "POST", 422), ("/predict", "GET", 405),
                      ("/", "GET", 200), ("unmatched", "GET", 404), ("/metrics", "GET", 200)]
        var expected = Array(repeating: 0, count: labels.count)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let i = Int.random(in: 0..<labels.count, using: &generator)
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                registry.recordRequest(route: labels[i].0, method: labels[i].1, status: labels[i].2, seconds: 0)
                expected[i] += 1
            }
        }
        let s = samples(registry)
        for (i, (route, method, status)) in labels.enumerated() {
            #expect(s[#"evserve_http_requests_total{route="\#(route)",method="\#(method)",status="\#(status)"}"#] == String(expected[i]))
        }
    }

    /// A latency lands in the first bucket whose bound is at least as large, and every larger bucket.
    @Test func latencyHistogramIsCumulativePerRoute() {
        let registry = MetricsRegistry(model: model)
        registry.declare(routes: ["/predict", "/healthz", "unmatched"])
        registry.recordRequest(route: "/predict", method: "POST", status: 200, seconds: 0.003)
        registry.recordRequest(route: "/predict", method: "POST", status: 200, seconds: 0.0005)
        let s = samples(registry)
        func bucket(_ le: String) -> String? { s[#"evserve_http_request_duration_seconds_bucket{route="/predict",le="\#(le)"}"#] }
        #expect(bucket("0.00025") == "0")
        #expect(bucket("0.0005") == "1")  // le is inclusive
        #expect(bucket("0.0025") == "1")
        #expect(bucket("0.005") == "2")
        #expect(bucket("+Inf") == "2")
        #expect(s[#"evserve_http_request_duration_seconds_count{route="/predict"}"#] == "2")
        #expect(s[#"evserve_http_request_duration_seconds_sum{route="/predict"}"#].flatMap(Double.init) == 0.003 + 0.0005)
        // Declared routes are exported from the start with zero counts, so rate() works from the first scrape.
        #expect(s[#"evserve_http_request_duration_seconds_count{route="/healthz"}"#] == "0")
        #expect(s[#"evserve_http_request_duration_seconds_count{route="/metrics"}"#] == nil)
    }

    /// Inference batches feed their own histogram and the rows counter.
    @Test func recordsInferenceAndRows() {
        let registry = MetricsRegistry(model: model)
        registry.recordInference(seconds: 0.00002, rows: 2)
        registry.recordInference(seconds: 0.2, rows: 5)
        let s = samples(registry)
        #expect(s["evserve_predicted_rows_total"] == "7")
        #expect(s["evserve_inference_duration_seconds_count"] == "2")
        #expect(s[#"evserve_inference_duration_seconds_bucket{le="0.0001"}"#] == "1")
        #expect(s[#"evserve_inference_duration_seconds_bucket{le="0.25"}"#] == "2")
    }

    /// Each model version has its own request-duration histogram, labelled model and version, fed by
    /// each request's time (a batch is one inference but many requests).
    @Test func recordsRequestDurationPerModelVersion() {
        let registry = MetricsRegistry(model: model)
        let alpha1 = MetricsRegistry.ModelKey(model: "alpha", version: "1")
        let alpha2 = MetricsRegistry.ModelKey(model: "alpha", version: "2")
        registry.recordInference(seconds: 0.00001, rows: 2, model: alpha1)
        registry.recordModelRequest(seconds: 0.0003, model: alpha1)
        registry.recordInference(seconds: 0.00001, rows: 2, model: alpha1)
        registry.recordModelRequest(seconds: 0.003, model: alpha1)
        registry.recordInference(seconds: 0.02, rows: 1, model: alpha2)
        registry.recordModelRequest(seconds: 0.02, model: alpha2)
        let s = samples(registry)
        func series(_ suffix: String, _ version: String, le: String? = nil) -> String? {
            let labels = #"model="alpha",version="\#(version)""# + (le.map { #",le="\#($0)""# } ?? "")
            return s["evserve_model_request_duration_seconds_\(suffix){\(labels)}"]
        }
        #expect(series("count", "1") == "2")
        #expect(series("bucket", "1", le: "0.00025") == "0")
        #expect(series("bucket", "1", le: "0.0005") == "1")
        #expect(series("bucket", "1", le: "0.005") == "2")
        #expect(series("bucket", "1", le: "+Inf") == "2")
        #expect(series("sum", "1").flatMap(Double.init) == 0.0003 + 0.003)
        #expect(series("count", "2") == "1")
        #expect(series("bucket", "2", le: "0.01") == "0")
        #expect(series("bucket", "2", le: "0.025") == "1")
        // Requests without a model (none here) add no series of their own.
        #expect(s.keys.filter { $0.hasPrefix("evserve_model_request_duration_seconds_count") }.count == 2)
    }

    /// Gauges go up and down with connections and requests in flight.
    @Test func gaugesFollowOpenAndClose() {
        let registry = MetricsRegistry(model: model)
        registry.connectionOpened(); registry.connectionOpened(); registry.connectionClosed()
        registry.requestStarted(); registry.requestStarted(); registry.requestStarted(); registry.requestFinished()
        let s = samples(registry)
        #expect(s["evserve_open_connections"] == "1")
        #expect(s["evserve_requests_in_flight"] == "2")
    }

    /// Model info is a constant 1 labelled with estimator, trees and features.
    @Test func exportsModelInfo() {
        #expect(samples(MetricsRegistry(model: model))[#"evserve_model_info{estimator="GradientBoostingRegressor",trees="100",features="13"}"#] == "1")
    }

    /// Unknown methods are counted as `other`, so clients cannot mint new series.
    @Test func foldsUnknownMethods() {
        let registry = MetricsRegistry(model: model)
        registry.recordRequest(route: "unmatched", method: "BREW", status: 405, seconds: 0)
        registry.recordRequest(route: "unmatched", method: "PROPFIND", status: 405, seconds: 0)
        #expect(samples(registry)[#"evserve_http_requests_total{route="unmatched",method="other",status="405"}"#] == "2")
    }

    /// Routes beyond the table's capacity share the `other` series instead of growing without bound.
    @Test func capsRouteCardinality() {
        let registry = MetricsRegistry(model: model)
        for i in 0..<100 { registry.recordRequest(route: "/raw/\(i)", method: "GET", status: 404, seconds: 0) }
        let routes = Set(samples(registry).keys.filter { $0.hasPrefix("evserve_http_requests_total") })
        #expect(routes.count == MetricsRegistry.routeCapacity + 1)
        #expect(routes.contains(#"evserve_http_requests_total{route="other",method="GET",status="404"}"#))
    }

    /// Counts from many threads at once all arrive.
    @Test func recordsFromManyThreads() async {
        let registry = MetricsRegistry(model: model)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 {
                        registry.requestStarted()
                        registry.recordRequest(route: "/predict", method: "POST", status: 200, seconds: 0.001)
                        registry.recordInference(seconds: 0.0001, rows: 2)
                        registry.requestFinished()
                    }
                }
            }
        }
        let s = samples(registry)
        #expect(s[#"evserve_http_requests_total{route="/predict",method="POST",status="200"}"#] == "8000")
        #expect(s["evserve_predicted_rows_total"] == "16000")
        #expect(s["evserve_requests_in_flight"] == "0")
    }

    /// Every family has HELP and TYPE lines before its samples, and each name is declared once.
    @Test func everyFamilyIsDeclaredOnce() {
        let registry = MetricsRegistry(model: model)
        registry.recordRequest(route: "/", method: "GET", status: 200, seconds: 0.0001)
        let lines = String(decoding: registry.render(), as: UTF8.self).split(separator: "\n")
        let typed = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(Set(typed).count == typed.count)
        for name in ["process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds", "process_start_time_seconds"] {
            #expect(typed.contains(Substring(name)), "missing \(name)")
        }
        var declared: Set<Substring> = []
        for line in lines {
            if line.hasPrefix("# TYPE ") { declared.insert(line.split(separator: " ")[2]); continue }
            if line.hasPrefix("#") { continue }
            let name = line.prefix { $0 != "{" && $0 != " " }
            let family = ["_bucket", "_sum", "_count"].reduce(name) { name, suffix in
                name.hasSuffix(suffix) && declared.contains(name.dropLast(suffix.count)) ? name.dropLast(suffix.count) : name
            }
            #expect(declared.contains(family), "sample before its TYPE: \(line)")
        }
    }
}
