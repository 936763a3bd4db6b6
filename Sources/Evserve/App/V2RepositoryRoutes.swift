import JSON
import Validation

/// Triton's `model_repository` extension: `POST /v2/repository/index` lists every model version and
/// its state; `.../models/{name}/load` and `.../unload` change what is served, so they answer 403
/// unless evserve runs with `--model-control explicit`. All three run on the job queue (they read
/// the repository directory and load model files). Errors are the protocol's `{"error": "..."}`.
struct V2RepositoryRoutes: Sendable {
    let updater: ModelUpdater
    /// `--model-control explicit`: load and unload are allowed.
    let explicitControl: Bool

    var table: [Route] {
        let updater = self.updater
        let forbidden = V2Error(status: 403, "model control is off: start evserve with --model-control explicit to load and unload models over HTTP (SIGHUP rescans the repository either way)").response
        let ok = HTTPResponse.json("{}")
        let explicitControl = self.explicitControl
        let docs = V2RepositoryDocs()
        return [
            Route(.post, "/v2/repository/index", operation: docs.index) { request in
                let body = request.body
                return .offload {
                    switch Self.readyOnly(body) {
                    case .failure(let error): return error.response
                    case .success(let readyOnly): return .json(JSONWriter.bytes(updater.index(readyOnly: readyOnly)))
                    }
                }
            },
            Route(.post, "/v2/repository/models/{name}/load", operation: docs.load, parameterized: { request, parameters in
                guard explicitControl else { return .respond(forbidden) }
                let name = parameters["name"] ?? ""
                let body = request.body
                return .offload {
                    if let error = Self.unsupportedParameters(body, allowed: []) { return error.response }
                    switch updater.load(name) {
                    case .failure(let error): return error.response
                    case .success: return ok
                    }
                }
            }),
            Route(.post, "/v2/repository/models/{name}/unload", operation: docs.unload, parameterized: { request, parameters in
                guard explicitControl else { return .respond(forbidden) }
                let name = parameters["name"] ?? ""
                let body = request.body
                return .offload {
                    // No ensembles here, so there are no dependents to unload with the model.
                    if let error = Self.unsupportedParameters(body, allowed: ["unload_dependents"]) { return error.response }
                    switch updater.unload(name) {
                    case .failure(let error): return error.response
                    case .success: return ok
                    }
                }
            }),
        ]
    }

    /// The index request's optional `{"ready": true}`.
    private static func readyOnly(_ body: [UInt8]) -> Result<Bool, V2Error> {
        switch object(body) {
        case .failure(let error): return .failure(error)
        case .success(let members):
            // A null is neither: refused, as the protocol's `$boolean` and Triton's server say.
            switch members["ready"] {
            case nil: return .success(false)
            case .bool(let ready)?: return .success(ready)
            default: return .failure(V2Error("'ready' must be true or false"))
            }
        }
    }

    /// A load or unload body is empty or `{"parameters": {...}}`; evserve loads only what the
    /// repository holds, so Triton's `config` and `file:` overrides are refused rather than ignored.
    private static func unsupportedParameters(_ body: [UInt8], allowed: Set<String>) -> V2Error? {
        switch object(body) {
        case .failure(let error): return error
        case .success(let members):
            guard let parameters = members["parameters"] else { return nil }
            guard let keys = parameters.objectValue?.keys else { return V2Error("'parameters' must be an object") }
            if let refused = keys.first(where: { !allowed.contains($0) }) {
                return V2Error("parameter '\(refused)' is not supported: evserve loads models only from its repository")
            }
            return nil
        }
    }

    /// An empty body (no bytes) is `{}`; anything else must be a JSON object. A body of whitespace
    /// alone is not JSON, and is refused as such (schemathesis sent `\t` as application/json).
    private static func object(_ body: [UInt8]) -> Result<JSONObject, V2Error> {
        if body.isEmpty { return .success(JSONObject()) }
        guard let value = try? JSONValue.parse(body), let members = value.objectValue else {
            return .failure(V2Error("the request body must be a JSON object"))
        }
        return .success(members)
    }
}
