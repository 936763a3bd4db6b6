import Inference
import JSON
import Validation

/// evserve's routes, each declared once with what it answers and how OpenAPI describes it; the
/// router, `/openapi.json` and the metrics' route labels are derived from `table`.
///
/// Cheap, fixed answers (`/`, health, docs) are made once here and served inline on the loop.
/// `/predict` (validation and inference) and `/metrics` (formatting) run on the job queue.
struct EvserveRoutes: Sendable {
    /// The default model as the route table describes it (OpenAPI, `/`); `/openapi.json` follows
    /// the model actually served when a reload changes it.
    var summary: ModelSummary
    let store: ModelStore
    let metrics: MetricsRegistry
    /// Loads and unloads models; nil serves no repository routes (unit tests of the table).
    var updater: ModelUpdater? = nil
    /// `--model-control explicit`: the repository's load and unload routes are allowed.
    var explicitControl = false
    /// `--admin-port`: the repository routes and `/metrics` move to `adminTable`, off this one.
    var separateAdmin = false

    /// What the admin listener serves (`--admin-port`): the repository API, `/metrics`, and
    /// `/openapi.json` describing these routes.
    var adminTable: [Route] {
        let routes = repositoryRoutes + [metricsRoute]
        let operation = OpenAPIDocument.adminOpenAPIOperation
        let document = HTTPResponse.json(OpenAPIDocument.adminJSON(
            operations: routes.compactMap(\.documentation) + [(.get, "/openapi.json", operation)]))
        return routes + [Route(.get, "/openapi.json", operation: operation) { _ in .respond(document) }]
    }

    /// Models come from files that a load or SIGHUP can replace (not the built-in model).
    private var reloadable: Bool {
        guard let updater else { return false }
        if case .builtIn = updater.source { return false }
        return true
    }

    private var repositoryRoutes: [Route] {
        updater.map { V2RepositoryRoutes(updater: $0, explicitControl: explicitControl).table } ?? []
    }

    private var metricsRoute: Route {
        let metrics = self.metrics
        let store = self.store
        return Route(.get, "/metrics", operation: OpenAPIDocument.operation(
            id: "metrics", tag: "operations", summary: "Metrics", description: "Prometheus text exposition format 0.0.4.",
            responses: [("200", OpenAPIDocument.response("Metrics", media: "text/plain", schema: ["type": "string"]))])
        ) { _ in
            .offload { HTTPResponse(status: 200, contentType: MetricsRegistry.contentType, body: metrics.render(models: store.metricsStatus)) }
        }
    }

    var table: [Route] {
        let doc = OpenAPIDocument.self
        let store = self.store
        let metrics = self.metrics
        let summary = self.summary
        let index = HTTPResponse.json(JSONWriter.string(Self.indexText(summary)))
        let loading = HTTPError.unavailable("Model is not loaded yet").response
        let healthy = HTTPResponse.json(#"{"status":"ok"}"#)
        let ready = HTTPResponse.json(#"{"status":"ready"}"#)
        let notReady = HTTPError.unavailable("Not ready").response
        let docs = HTTPResponse(status: 200, contentType: DocsPage.contentType, body: DocsPage.html)
        // Made once with the table: a job names its runner instead of carrying a closure.
        let predictRunner = PredictJobRunner(metrics: metrics, probabilities: false)
        let probabilityRunner = PredictJobRunner(metrics: metrics, probabilities: true)
        let example: JSONValue = ["X": .array(doc.exampleRows(featureCount: summary.featureCount).map { .array($0.map(JSONValue.float)) })]

        var routes: [Route] = [
            Route(.get, "/", operation: doc.operation(
                id: "index", tag: "model", summary: "Index", description: "Names the served model.",
                responses: [("200", doc.response("Successful Response", media: "application/json",
                                                 schema: ["type": "string", "examples": [.string(Self.indexText(summary))]]))])
            ) { _ in
                // A reload may change the default model's kind; the common case is the prebuilt answer.
                guard let served = store.defaultModel, served.summary.estimator != summary.estimator else { return .respond(index) }
                return .respond(.json(JSONWriter.string(Self.indexText(served.summary))))
            },

            Route(.post, "/predict", operation: doc.operation(
                id: "predict", tag: "model", summary: "Predict",
                description: summary.isClassifier
                    ? "Predicts one class label per row of X, in row order (scikit-learn's predict)."
                    : "Predicts one value per row of X, in row order.",
                requestBody: doc.jsonRequestBody(schema: doc.ref("Observation"), example: example),
                responses: [
                    ("200", doc.response("Successful Response", media: "application/json", schema: doc.ref("Prediction"))),
                    ("400", doc.errorResponse("The body is not JSON (FastAPI's \"There was an error parsing the body\")")),
                    ("413", doc.errorResponse("Request body larger than the server's limit (--max-body-size)")),
                    ("422", doc.response("Validation Error", media: "application/json", schema: doc.ref("HTTPValidationError"))),
                    ("503", doc.errorResponse("The model is not loaded yet")),
                ])
            ) { (request: consuming HTTPRequest) in
                // The model is taken here, once: the request answers from it even if a reload
                // installs another before the job runs.
                guard let served = store.defaultModel else { return .respond(loading) }
                return .model(ModelJob(runner: predictRunner, served: served, taking: &request))
            },

            Route(.get, "/healthz", operation: doc.operation(
                id: "healthz", tag: "operations", summary: "Liveness", description: "Answers while the event loop runs.",
                responses: [("200", doc.response("The server is alive; the body is {\"status\": \"ok\"}.",
                                                 media: "application/json", schema: doc.ref("Status")))])
            ) { _ in .respond(healthy) },

            Route(.get, "/readyz", operation: doc.operation(
                id: "readyz", tag: "operations", summary: "Readiness",
                description: "Ready once the model is loaded; not ready before that and while draining on shutdown.",
                responses: [
                    ("200", doc.response("Ready to serve predictions; the body is {\"status\": \"ready\"}.",
                                         media: "application/json", schema: doc.ref("Status"))),
                    ("503", doc.errorResponse("Not ready: the model is loading or the server is draining.")),
                ])
            ) { _ in .respond(store.isReady ? ready : notReady) },

        ]
        if !separateAdmin { routes.append(metricsRoute) }
        // A reload can make the default model a classifier, so a model from files has the route
        // throughout: it answers 404 and is left out of the document while the model is not one.
        if summary.isClassifier || reloadable {
            routes.insert(Route(.post, "/predict_proba", operation: !summary.isClassifier ? nil : doc.operation(
                id: "predict_proba", tag: "model", summary: "Predict probabilities",
                description: "Predicts each class's probability per row of X, in the order of the classes (scikit-learn's predict_proba).",
                requestBody: doc.jsonRequestBody(schema: doc.ref("Observation"), example: example),
                responses: [
                    ("200", doc.response("Successful Response", media: "application/json", schema: doc.ref("Probabilities"))),
                    ("400", doc.errorResponse("The body is not JSON (FastAPI's \"There was an error parsing the body\")")),
                    ("413", doc.errorResponse("Request body larger than the server's limit (--max-body-size)")),
                    ("422", doc.response("Validation Error", media: "application/json", schema: doc.ref("HTTPValidationError"))),
                    ("503", doc.errorResponse("The model is not loaded yet")),
                ])
            ) { (request: consuming HTTPRequest) in
                guard let served = store.defaultModel else { return .respond(loading) }
                guard served.model.isClassifier else { return .respond(HTTPError.notFound.response) }
                return .model(ModelJob(runner: probabilityRunner, served: served, taking: &request))
            }, at: 2)
        }
        routes += V2Routes(store: store, summary: summary, metrics: metrics).table
        if !separateAdmin { routes += repositoryRoutes }
        let docsRoute = Route(.get, "/docs", operation: doc.operation(
            id: "docs", tag: "documentation", summary: "Documentation page",
            description: "A self-contained HTML page that reads this document; it loads nothing from other hosts.",
            responses: [("200", doc.response("HTML page", media: "text/html", schema: ["type": "string"]))])
        ) { _ in .respond(docs) }
        // The document describes every route, itself included, so it is made before its own route.
        let openAPIOperation = doc.operation(
            id: "openapi", tag: "documentation", summary: "OpenAPI document", description: "This document.",
            responses: [("200", doc.response("OpenAPI 3.1 document", media: "application/json", schema: ["type": "object"]))])
        let described = routes.compactMap(\.documentation) + [(.get, "/openapi.json", openAPIOperation)]
            + [docsRoute].compactMap(\.documentation)
        let openAPI = HTTPResponse.json(OpenAPIDocument.json(for: summary, operations: described))
        let routesForAnotherModel = self
        routes.append(Route(.get, "/openapi.json", operation: openAPIOperation) { _ in
            // After a reload that changed the default model, the document describes the new one.
            guard let served = store.defaultModel, served.summary != summary else { return .respond(openAPI) }
            var current = routesForAnotherModel
            current.summary = served.summary
            let routes = current
            return .offload { routes.openAPIResponse() }
        })
        routes.append(docsRoute)
        return routes
    }

    /// `/openapi.json` as this table's routes describe it (a reloaded model's document).
    private func openAPIResponse() -> HTTPResponse {
        let described = table.compactMap(\.documentation)
        return .json(OpenAPIDocument.json(for: summary, operations: described))
    }

    private static func indexText(_ summary: ModelSummary) -> String {
        "Serving a \(summary.estimator) model using evserve."
    }
}

extension ModelSummary {
    init(_ model: TreeModel) {
        self.init(estimator: model.estimator.rawValue, featureCount: model.featureCount,
                  featureNames: model.featureNames, treeCount: model.treeCount,
                  classes: model.classes, acceptsMissing: model.acceptsMissing,
                  rowsByName: ServedModel.rules(model).featureNames != nil, valuesPerRow: model.valuesPerRow,
                  float32Inputs: ServedModel.rules(model).float32Estimator != nil)
    }
}
