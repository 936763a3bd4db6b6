import JSON

/// One route, declared once so nothing can drift: the router matches it by
/// `method` and `path`, `/openapi.json` describes it with `operation`, and metrics label its
/// requests with `path`. Routes are declared in `EvserveRoutes`.
struct Route: Sendable {
    typealias Handler = @Sendable (HTTPRequest) -> RouteOutcome

    var method: HTTPMethod
    var path: String
    /// The OpenAPI operation object (summary, description, request body, responses); nil keeps the
    /// route out of the document.
    var operation: JSONValue?
    var handler: Handler

    init(_ method: HTTPMethod, _ path: String, operation: JSONValue? = nil, handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.operation = operation
        self.handler = handler
    }

    /// What the OpenAPI document needs of a route, if it is documented.
    var documentation: OpenAPIDocument.Operation? {
        operation.map { (method, path, $0) }
    }
}

/// What a route decides to do with a request.
enum RouteOutcome: Sendable {
    /// Answer now, on the loop thread: only for cheap work (`/`, errors, health).
    case respond(HTTPResponse)
    /// Run `work` on the job queue (never on the loop thread); its response comes back to the loop.
    case offload(@Sendable () -> HTTPResponse)
}
