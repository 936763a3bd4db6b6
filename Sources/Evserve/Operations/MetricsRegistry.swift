import Synchronization

/// Every number `GET /metrics` reports, shared by all event-loop threads and the inference queue.
///
/// Recording is on the hot path, so it does no formatting and, after the first request of each
/// route/method/status combination, no allocation: label values map to small indexes
/// (`LabelTable`), the histogram slot is found before taking the lock, and the lock guards a few
/// integer updates. Gauges are plain atomics. All text is made in `render()`, once per scrape.
final class MetricsRegistry: Sendable {
    /// Route labels beyond the declared ones (`declare(routes:)`) are added on first sight, up to this cap.
    static let routeCapacity = 32
    /// Methods counted by name; any other method is counted as `other` so a client cannot
    /// create series at will.
    static let knownMethods = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]
    /// Model versions counted by name; beyond this many (a repository reloaded with ever new
    /// versions), the rest are counted as model `other`, version `other`, so series stay bounded.
    static let modelCapacity = 64

    /// A model version as metrics label it (`model`, `version`).
    struct ModelKey: Sendable, Equatable {
        var model: String
        var version: String
        static let overflow = ModelKey(model: "other", version: "other")
    }

    /// A loaded (or failed) model version as `/metrics` shows it: its summary when it serves.
    struct ModelStatus: Sendable {
        var key: ModelKey
        var summary: ModelSummary?
    }

    private struct State: Sendable {
        var routes = LabelTable([], capacity: MetricsRegistry.routeCapacity)
        var methods = LabelTable(MetricsRegistry.knownMethods, capacity: MetricsRegistry.knownMethods.count)
        /// Parallel to `routes.names`.
        var routeLatency: [LatencyHistogram] = []
        /// Keyed by `RequestKey.packed`; a dictionary keeps memory to the combinations seen.
        var requestCounts: [Int: UInt64] = Dictionary(minimumCapacity: 64)
        /// The last request's labels, and where they are counted: under load nearly every request
        /// repeats them, and then two label searches and a hash lookup are skipped. A dictionary
        /// index stays valid until a key is added, and the one place that adds keys sets it anew.
        var lastRoute = ""
        var lastMethod = ""
        var lastStatus = -1
        var lastRouteIndex = 0
        var lastCount: Dictionary<Int, UInt64>.Index?
        var inferenceLatency = LatencyHistogram()
        var rowsPredicted: UInt64 = 0
        /// Per model version, parallel arrays (bounded by `modelCapacity`, then `ModelKey.overflow`).
        var models: [ModelKey] = []
        var modelInferences: [UInt64] = []
        var modelRows: [UInt64] = []
        var modelRequestLatency: [LatencyHistogram] = []
        /// Per model name: loads that succeeded and failed (same bound).
        var loadModels: [String] = []
        var loads: [(succeeded: UInt64, failed: UInt64)] = []

        mutating func modelIndex(_ key: ModelKey) -> Int {
            if let i = models.firstIndex(of: key) { return i }
            let key = models.count < MetricsRegistry.modelCapacity ? key : .overflow
            if let i = models.firstIndex(of: key) { return i }
            models.append(key)
            modelInferences.append(0)
            modelRows.append(0)
            modelRequestLatency.append(LatencyHistogram())
            return models.count - 1
        }

        mutating func loadIndex(_ model: String) -> Int {
            if let i = loadModels.firstIndex(of: model) { return i }
            let model = loadModels.count < MetricsRegistry.modelCapacity ? model : ModelKey.overflow.model
            if let i = loadModels.firstIndex(of: model) { return i }
            loadModels.append(model)
            loads.append((0, 0))
            return loadModels.count - 1
        }
    }

    /// The Content-Type `GET /metrics` is served with (text format 0.0.4).
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let state = Locked(State())
    private let openConnections = Atomic<Int>(0)
    private let requestsInFlight = Atomic<Int>(0)
    /// The model `evserve_model_info` describes when `render` is given no model list.
    private let model: ModelSummary?

    init(model: ModelSummary? = nil) {
        self.model = model
    }

    /// The server's routes (from the route table), so each has its series from the first scrape,
    /// before any request. Called once, before serving.
    func declare(routes: [String]) {
        state.withLock { state in
            for route in routes where state.routes.index(of: route) == state.routeLatency.count {
                state.routeLatency.append(LatencyHistogram())
            }
        }
    }

    // MARK: - Recording (hot path)

    /// One answered request. `route` is the matched route's path, or `"unmatched"`.
    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        recordRequests(route: route, method: method, status: status, seconds: [seconds][...])
    }

    /// Answered requests with the same route, method and status (a run of a loop iteration's
    /// responses, `ResponseTally`), each taking its `seconds`: one lock for all of them.
    func recordRequests(route: String, method: String, status: Int, seconds: ArraySlice<Double>) {
        guard !seconds.isEmpty else { return }
        state.withLock { state in
            let routeIndex: Int
            if let count = state.lastCount, state.lastStatus == status, state.lastRoute == route, state.lastMethod == method {
                state.requestCounts.values[count] &+= UInt64(seconds.count)
                routeIndex = state.lastRouteIndex
            } else {
                routeIndex = state.routes.index(of: route)
                if routeIndex == state.routeLatency.count { state.routeLatency.append(LatencyHistogram()) }
                let key = RequestKey(route: routeIndex, method: state.methods.index(of: method), status: status).packed
                state.requestCounts[key, default: 0] &+= UInt64(seconds.count)
                (state.lastRoute, state.lastMethod, state.lastStatus, state.lastRouteIndex) = (route, method, status, routeIndex)
                state.lastCount = state.requestCounts.index(forKey: key)
            }
            for time in seconds {
                state.routeLatency[routeIndex].record(seconds: time, slot: LatencyHistogram.slot(for: time))
            }
        }
    }

    /// One batch through the model: how long the model took (`seconds`), how many rows it
    /// predicted, and by which model version.
    func recordInference(seconds: Double, rows: Int, model: ModelKey? = nil) {
        let slot = LatencyHistogram.slot(for: seconds)
        let rows = UInt64(max(rows, 0))
        state.withLock { state in
            state.inferenceLatency.record(seconds: seconds, slot: slot)
            state.rowsPredicted &+= rows
            if let model {
                let i = state.modelIndex(model)
                state.modelInferences[i] &+= 1
                state.modelRows[i] &+= rows
            }
        }
    }

    /// One inference request's time from its body to its response bytes, per model version. Apart from
    /// `recordInference` because a batch is one inference but answers many requests: `count` requests
    /// of one batch, answered together, are recorded under one lock.
    func recordModelRequest(seconds: Double, model: ModelKey, count: Int = 1) {
        let slot = LatencyHistogram.slot(for: seconds)
        state.withLock { state in
            state.modelRequestLatency[state.modelIndex(model)].record(seconds: seconds, slot: slot, count: UInt64(max(count, 0)))
        }
    }

    /// One attempt to load a model version (start-up, the repository API, a reload).
    func recordModelLoad(model: String, succeeded: Bool) {
        state.withLock { state in
            let i = state.loadIndex(model)
            if succeeded { state.loads[i].succeeded &+= 1 } else { state.loads[i].failed &+= 1 }
        }
    }

    func connectionOpened() { openConnections.wrappingAdd(1, ordering: .relaxed) }
    func connectionClosed() { openConnections.wrappingSubtract(1, ordering: .relaxed) }
    func requestStarted() { requestsInFlight.wrappingAdd(1, ordering: .relaxed) }
    func requestFinished() { requestsInFlight.wrappingSubtract(1, ordering: .relaxed) }
    /// Requests started minus those answered or abandoned, over a loop iteration.
    func requestsInFlightChanged(by change: Int) {
        if change != 0 { requestsInFlight.wrappingAdd(change, ordering: .relaxed) }
    }

    // MARK: - Exposition

    /// Prometheus text format 0.0.4; serve with `Content-Type: text/plain; version=0.0.4; charset=utf-8`.
    /// `models`, when given, are the model versions now known (ready or not); without it the model
    /// named at init is the one `evserve_model_info` describes.
    func render(models: [ModelStatus]? = nil) -> [UInt8] {
        // Copy out under the lock (arrays are copy-on-write, so this is a few retains) and format
        // outside it; the next recorder pays one copy per scrape instead of waiting on the text.
        let snapshot = state.withLock { $0 }
        var out = PrometheusWriter()

        out.family("evserve_http_requests_total", .counter,
                   help: "HTTP requests answered, by matched route, method and status code.")
        for (key, count) in snapshot.requestCounts.sorted(by: { $0.key < $1.key }) {
            let request = RequestKey(packed: key)
            out.sample("evserve_http_requests_total", labels: [
                "route": snapshot.routes.names[request.route],
                "method": snapshot.methods.names[request.method],
                "status": String(request.status),
            ], count)
        }

        out.family("evserve_http_request_duration_seconds", .histogram,
                   help: "Time from a complete request to its response being queued, by matched route.")
        for (i, route) in snapshot.routes.names.enumerated() {
            out.histogram("evserve_http_request_duration_seconds", labels: [("route", route)], snapshot.routeLatency[i])
        }

        out.family("evserve_inference_duration_seconds", .histogram,
                   help: "Time the model took to predict one request's rows.")
        out.histogram("evserve_inference_duration_seconds", snapshot.inferenceLatency)

        out.family("evserve_predicted_rows_total", .counter, help: "Rows of X the model has predicted.")
        out.sample("evserve_predicted_rows_total", snapshot.rowsPredicted)

        out.family("evserve_open_connections", .gauge, help: "Client connections currently open.")
        out.sample("evserve_open_connections", openConnections.load(ordering: .relaxed))

        out.family("evserve_requests_in_flight", .gauge, help: "Requests received and not yet answered, the scrape asking included.")
        out.sample("evserve_requests_in_flight", requestsInFlight.load(ordering: .relaxed))

        if let models {
            out.family("evserve_model_info", .gauge, help: "Each served model version; the value is always 1.")
            for status in models {
                guard let summary = status.summary else { continue }
                out.sample("evserve_model_info", labels: [
                    "model": status.key.model, "version": status.key.version, "estimator": summary.estimator,
                    "trees": String(summary.treeCount), "features": String(summary.featureCount),
                ], 1)
            }
            out.family("evserve_model_ready", .gauge,
                       help: "1 if the model version answers requests, 0 if it failed to load or is loading.")
            for status in models {
                out.sample("evserve_model_ready", labels: ["model": status.key.model, "version": status.key.version],
                           status.summary == nil ? 0 : 1)
            }
        } else if let model {
            out.family("evserve_model_info", .gauge, help: "The served model; the value is always 1.")
            out.sample("evserve_model_info", labels: [
                "estimator": model.estimator,
                "trees": String(model.treeCount),
                "features": String(model.featureCount),
            ], 1)
        }

        out.family("evserve_model_inferences_total", .counter, help: "Batches predicted, by model and version.")
        for (i, key) in snapshot.models.enumerated() {
            out.sample("evserve_model_inferences_total", labels: ["model": key.model, "version": key.version],
                       snapshot.modelInferences[i])
        }
        out.family("evserve_model_predicted_rows_total", .counter, help: "Rows predicted, by model and version.")
        for (i, key) in snapshot.models.enumerated() {
            out.sample("evserve_model_predicted_rows_total", labels: ["model": key.model, "version": key.version],
                       snapshot.modelRows[i])
        }
        out.family("evserve_model_request_duration_seconds", .histogram,
                   help: "Time from an inference request's body to its response bytes (checking, predicting, encoding), by model and version.")
        for (i, key) in snapshot.models.enumerated() {
            out.histogram("evserve_model_request_duration_seconds", labels: [("model", key.model), ("version", key.version)],
                          snapshot.modelRequestLatency[i])
        }
        out.family("evserve_model_loads_total", .counter,
                   help: "Attempts to load a model version (start-up, repository API, reload), by model and result.")
        for (i, model) in snapshot.loadModels.enumerated() {
            out.sample("evserve_model_loads_total", labels: ["model": model, "result": "success"], snapshot.loads[i].succeeded)
            out.sample("evserve_model_loads_total", labels: ["model": model, "result": "failure"], snapshot.loads[i].failed)
        }

        ProcessStats.write(into: &out)
        return out.bytes
    }
}

/// A request counter's label indexes packed into one Int, so the counter table is keyed by a
/// word rather than a string tuple.
private struct RequestKey {
    var route: Int
    var method: Int
    var status: Int

    init(route: Int, method: Int, status: Int) {
        self.route = route
        self.method = method
        // Status codes are three digits (RFC 9110 section 15); anything else is a caller bug,
        // clamped so it cannot spill into the other fields.
        self.status = min(max(status, 0), 999)
    }

    init(packed: Int) {
        self.init(route: packed >> 20, method: (packed >> 10) & 0x3FF, status: packed & 0x3FF)
    }

    var packed: Int { route << 20 | method << 10 | status }
}
