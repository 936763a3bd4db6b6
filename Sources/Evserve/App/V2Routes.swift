import Inference
import JSON
import Validation

/// The Open Inference Protocol (KServe v2) REST routes: server health and metadata, model metadata
/// and readiness, and inference, each model path with and without `/versions/{version}`.
/// Errors are the protocol's `{"error": "..."}`. Health, metadata and lookups answer inline;
/// inference (reading the body, predicting, writing the response) runs on the job queue.
struct V2Routes: Sendable {
    let registry: V2ModelRegistry
    let metrics: MetricsRegistry
    /// What the OpenAPI operations' examples are made for.
    let docs: V2RouteDocs

    /// The protocol extensions evserve implements, as `GET /v2` lists them.
    static let extensions = ["binary_tensor_data"]
    static let serverVersion = "1.0.0"

    /// The one served model, as `name` at version 1.
    init(modelName: String, store: ModelStore, summary: ModelSummary, metrics: MetricsRegistry) {
        self.registry = V2ModelRegistry([V2ModelEntry(name: modelName, version: "1", store: store, summary: summary)])
        self.metrics = metrics
        self.docs = V2RouteDocs(summary: summary)
    }

    var table: [Route] {
        let registry = self.registry
        let metrics = self.metrics
        let doc = docs
        let serverMetadata = HTTPResponse.json(JSONWriter.bytes([
            "name": "evserve", "version": .string(Self.serverVersion),
            "extensions": .array(Self.extensions.map(JSONValue.string)),
        ]))
        let live = HTTPResponse.json(#"{"live":true}"#)
        let ready = HTTPResponse.json(#"{"ready":true}"#)
        let notReady = HTTPResponse.json(#"{"ready":false}"#, status: 503)

        var routes = [
            Route(.get, "/v2", operation: doc.serverMetadata) { _ in .respond(serverMetadata) },
            Route(.get, "/v2/health/live", operation: doc.live) { _ in .respond(live) },
            Route(.get, "/v2/health/ready", operation: doc.ready) { _ in
                .respond(registry.isReady ? ready : notReady)
            },
        ]
        for versioned in [false, true] {
            let model = versioned ? "/v2/models/{name}/versions/{version}" : "/v2/models/{name}"
            routes += [
                Route(.get, model, operation: doc.modelMetadata(versioned: versioned),
                      parameterized: Self.withModel(registry) { entry, _ in .respond(Self.metadata(entry, registry)) }),
                Route(.get, model + "/ready", operation: doc.modelReady(versioned: versioned),
                      parameterized: Self.withModel(registry) { entry, _ in .respond(Self.readiness(entry)) }),
                Route(.post, model + "/infer", operation: doc.infer(versioned: versioned),
                      parameterized: Self.withModel(registry) { entry, request in Self.infer(request, entry, metrics) }),
            ]
        }
        return routes
    }

    /// Resolves `{name}` and `{version}` first: an unknown model or version is a 404 on the loop.
    private static func withModel(_ registry: V2ModelRegistry,
                                  _ handler: @escaping @Sendable (V2ModelEntry, HTTPRequest) -> RouteOutcome)
        -> Route.ParameterizedHandler {
        { request, parameters in
            switch registry.resolve(name: parameters["name"] ?? "", version: parameters["version"]) {
            case .failure(let error): .respond(error.response)
            case .success(let entry): handler(entry, request)
            }
        }
    }

    private static func metadata(_ entry: V2ModelEntry, _ registry: V2ModelRegistry) -> HTTPResponse {
        let input: JSONValue = [
            "name": .string(entry.reader.signature.inputName), "datatype": .string(V2Datatype.fp64.rawValue),
            "shape": [-1, .integer(entry.summary.featureCount)],
        ]
        let outputs = entry.outputs.map { output -> JSONValue in
            ["name": .string(output.rawValue), "datatype": .string(output.datatype(entry.summary).rawValue),
             "shape": .array(output.metadataShape(entry.summary).map { .integer($0) })]
        }
        return .json(JSONWriter.bytes([
            "name": .string(entry.name), "versions": .array(registry.versions(of: entry.name).map(JSONValue.string)),
            "platform": .string(entry.summary.estimator), "inputs": [input], "outputs": .array(outputs),
        ]))
    }

    private static func readiness(_ entry: V2ModelEntry) -> HTTPResponse {
        let ready = entry.store.isReady
        return .json(JSONWriter.bytes(["name": .string(entry.name), "ready": .bool(ready)]), status: ready ? 200 : 503)
    }

    private static func infer(_ request: HTTPRequest, _ entry: V2ModelEntry, _ metrics: MetricsRegistry) -> RouteOutcome {
        guard let served = entry.store.served else {
            return .respond(V2Error(status: 503, "model '\(entry.name)' is not ready yet (loading)").response)
        }
        let body = request.body
        let header = request.inferenceHeaderContentLength
        return .offload { predict(body: body, inferenceHeaderContentLength: header, entry: entry, model: served.model, metrics: metrics) }
    }

    /// The data path of a v2 inference, on a job-queue thread: body bytes -> checked request ->
    /// matrix -> outputs -> response bytes.
    static func predict(body: [UInt8], inferenceHeaderContentLength: String?, entry: V2ModelEntry,
                        model: TreeModel, metrics: MetricsRegistry) -> HTTPResponse {
        let request: V2InferenceRequest
        switch entry.reader.read(body, inferenceHeaderContentLength: inferenceHeaderContentLength) {
        case .failure(let error): return error.response
        case .success(let read): request = read
        }
        let start = MonotonicClock.seconds()
        let outputs = request.outputs.map { wanted in
            (tensor: V2Output(rawValue: wanted.name)!.tensor(model, request.matrix), binary: wanted.binary)
        }
        metrics.recordInference(seconds: MonotonicClock.seconds() - start, rows: request.matrix.rowCount)
        return V2InferenceResponse.encode(modelName: entry.name, modelVersion: entry.version, id: request.id, outputs: outputs)
    }
}

extension V2Error {
    var response: HTTPResponse { .json(body, status: status) }
}
