import Inference
import JSON
import Validation

/// The Open Inference Protocol (KServe v2) REST routes: server health and metadata, model metadata
/// and readiness, and inference, each model path with and without `/versions/{version}`.
/// Errors are the protocol's `{"error": "..."}`. Health, metadata and lookups answer inline;
/// inference (reading the body, predicting, writing the response) runs on the job queue.
struct V2Routes: Sendable {
    let store: ModelStore
    let metrics: MetricsRegistry
    /// What the OpenAPI operations' examples are made for.
    let docs: V2RouteDocs

    /// The protocol extensions evserve implements, as `GET /v2` lists them.
    static let extensions = ["binary_tensor_data", "model_repository"]
    static let serverVersion = "1.0.0"

    init(store: ModelStore, summary: ModelSummary, metrics: MetricsRegistry) {
        self.store = store
        self.metrics = metrics
        self.docs = V2RouteDocs(summary: summary)
    }

    var table: [Route] {
        let store = self.store
        let metrics = self.metrics
        let doc = docs
        let serverMetadata = HTTPResponse.json(JSONWriter.bytes([
            "name": "evserve", "version": .string(Self.serverVersion),
            "extensions": .array(Self.extensions.map(JSONValue.string)),
        ]))
        let live = HTTPResponse.json(#"{"live":true}"#)
        let ready = HTTPResponse.json(#"{"ready":true}"#)
        let notReady = HTTPResponse.json(#"{"ready":false}"#, status: 503)
        let inferRunner = V2InferJobRunner(metrics: metrics)

        var routes = [
            Route(.get, "/v2", operation: doc.serverMetadata) { _ in .respond(serverMetadata) },
            Route(.get, "/v2/health/live", operation: doc.live) { _ in .respond(live) },
            Route(.get, "/v2/health/ready", operation: doc.ready) { _ in
                .respond(store.isReady ? ready : notReady)
            },
        ]
        for versioned in [false, true] {
            let model = versioned ? "/v2/models/{name}/versions/{version}" : "/v2/models/{name}"
            routes += [
                Route(.get, model, operation: doc.modelMetadata(versioned: versioned),
                      parameterized: Self.withModel(store) { served, _ in .respond(Self.metadata(served, store)) }),
                Route(.get, model + "/ready", operation: doc.modelReady(versioned: versioned), parameterized: { _, parameters in
                    .respond(Self.readiness(store, name: parameters["name"] ?? "", version: parameters["version"]))
                }),
                Route(.post, model + "/infer", operation: doc.infer(versioned: versioned),
                      parameterized: Self.withModel(store) { (served: ServedModel, request: consuming HTTPRequest) in
                          .model(ModelJob(runner: inferRunner, served: served, taking: &request))
                      }),
            ]
        }
        return routes
    }

    /// Resolves `{name}` and `{version}` first, on the loop: an unknown model or version is a 404, a
    /// known one not loaded a 503. The handler gets the model version to answer with, and keeps it
    /// for the whole request even if a reload installs another meanwhile.
    private static func withModel(_ store: ModelStore,
                                  _ handler: @escaping @Sendable (ServedModel, consuming HTTPRequest) -> RouteOutcome)
        -> Route.ParameterizedHandler {
        { request, parameters in
            switch store.resolve(name: parameters["name"] ?? "", version: parameters["version"]) {
            case .failure(let error): .respond(error.response)
            case .success(let served): handler(served, request)
            }
        }
    }

    private static func metadata(_ served: ServedModel, _ store: ModelStore) -> HTTPResponse {
        let summary = served.summary
        let input: JSONValue = [
            "name": .string(served.v2Reader.signature.inputName), "datatype": .string(V2Datatype.fp64.rawValue),
            "shape": [-1, .integer(summary.featureCount)],
        ]
        let outputs = served.v2Outputs.map { output -> JSONValue in
            ["name": .string(output.rawValue), "datatype": .string(output.datatype(summary).rawValue),
             "shape": .array(output.metadataShape(summary, valuesPerRow: served.model.valuesPerRow).map { .integer($0) })]
        }
        return .json(JSONWriter.bytes([
            "name": .string(served.name), "versions": .array(store.versions(of: served.name).map { .string(String($0)) }),
            "platform": .string(summary.estimator), "inputs": [input], "outputs": .array(outputs),
        ]))
    }

    /// 200 when the model (version) answers, else 503; a failed load's reason is in the body.
    private static func readiness(_ store: ModelStore, name: String, version: String?) -> HTTPResponse {
        switch store.readiness(name: name, version: version) {
        case .failure(let error):
            return error.response
        case .success(let (ready, reason)):
            var body: JSONObject = ["name": .string(name), "ready": .bool(ready)]
            if let reason { body["reason"] = .string(reason) }
            return .json(JSONWriter.bytes(.object(body)), status: ready ? 200 : 503)
        }
    }
}

extension V2Error {
    var response: HTTPResponse { .json(body, status: status) }
}
