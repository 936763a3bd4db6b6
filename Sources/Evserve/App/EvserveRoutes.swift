import Glibc
import Inference
import Validation

/// evserve's routes: what each path answers, and which work leaves the loop.
///
/// Cheap, fixed answers (`/`, health, docs) are made once here and served inline on the loop.
/// `/predict` (validation and inference) and `/metrics` (formatting) run on the job queue.
struct EvserveRoutes: Sendable {
    let summary: ModelSummary
    let store: ModelStore
    let metrics: MetricsRegistry

    func router() -> Router {
        var router = Router()
        let index = HTTPResponse.json(JSONText.string("Serving a \(summary.estimator) model using evserve."))
        router.add(.get, "/") { _ in .respond(index) }

        let store = self.store
        let metrics = self.metrics
        let loading = HTTPError.unavailable("Model is not loaded yet").response
        router.add(.post, "/predict") { request in
            guard let served = store.served else { return .respond(loading) }
            let body = request.body
            let contentType = request.contentType
            return .offload { Self.predict(body: body, contentType: contentType, with: served, metrics: metrics) }
        }

        let healthy = HTTPResponse.json(#"{"status":"ok"}"#)
        router.add(.get, "/healthz") { _ in .respond(healthy) }
        let ready = HTTPResponse.json(#"{"status":"ready"}"#)
        let notReady = HTTPError.unavailable("Not ready").response
        router.add(.get, "/readyz") { _ in .respond(store.isReady ? ready : notReady) }

        router.add(.get, "/metrics") { _ in
            .offload { HTTPResponse(status: 200, contentType: MetricsRegistry.contentType, body: metrics.render()) }
        }
        let openAPI = HTTPResponse.json(OpenAPIDocument.json(for: summary))
        router.add(.get, "/openapi.json") { _ in .respond(openAPI) }
        let docs = HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: DocsPage.html)
        router.add(.get, "/docs") { _ in .respond(docs) }
        return router
    }

    /// The data path of a prediction, on a job-queue thread: body bytes -> validated matrix ->
    /// predictions -> response bytes. Invalid bodies get what FastAPI answers (422, or 400 for bodies it cannot parse at all).
    static func predict(body: [UInt8], contentType: String?, with served: ServedModel,
                        metrics: MetricsRegistry) -> HTTPResponse {
        switch served.reader.read(body, contentType: contentType) {
        case .failure(let failure):
            return .json(failure.body, status: failure.status)
        case .success(let matrix):
            let start = monotonicSeconds()
            let y = served.model.predict(matrix.values, rowCount: matrix.rowCount)
            metrics.recordInference(seconds: monotonicSeconds() - start, rows: matrix.rowCount)
            return .json(PredictResponse.encode(y))
        }
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

extension ModelSummary {
    init(_ model: TreeModel) {
        self.init(estimator: model.estimator.rawValue, featureCount: model.featureCount,
                  featureNames: model.featureNames, treeCount: model.treeCount)
    }
}
