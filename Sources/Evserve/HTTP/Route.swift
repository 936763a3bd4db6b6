import JSON

/// One route, declared once so nothing can drift: the router matches it by `method` and `path`,
/// `/openapi.json` describes it with `operation`, and metrics label its requests with `path`.
/// Routes are declared in `EvserveRoutes` (and `V2Routes`).
///
/// A path is exact (`/predict`) or a template with `{parameter}` segments
/// (`/v2/models/{name}/infer`); a template's handler receives the parameters' values.
struct Route: Sendable {
    /// A handler owns the request it is given (`consuming`): a model job takes the body and
    /// Content-Type over instead of copying them (a retain each, and a release each when the
    /// request was destroyed after).
    typealias Handler = @Sendable (consuming HTTPRequest) -> RouteOutcome
    typealias ParameterizedHandler = @Sendable (consuming HTTPRequest, PathParameters) -> RouteOutcome

    var method: HTTPMethod
    var path: String
    /// Nil for an exact path.
    var template: PathTemplate?
    /// The OpenAPI operation object (summary, description, request body, responses); nil keeps the
    /// route out of the document.
    var operation: JSONValue?
    var handler: ParameterizedHandler

    /// A route whose handler needs only the request (an exact path, or a template whose parameters
    /// the handler does not read).
    init(_ method: HTTPMethod, _ path: String, operation: JSONValue? = nil, handler: @escaping Handler) {
        self.init(method, path, operation: operation, parameterized: { request, _ in handler(request) })
    }

    init(_ method: HTTPMethod, _ path: String, operation: JSONValue? = nil,
         parameterized handler: @escaping ParameterizedHandler) {
        self.method = method
        self.path = path
        self.template = PathTemplate(path)
        self.operation = operation
        self.handler = handler
    }

    /// What the OpenAPI document needs of a route, if it is documented. A template's parameters
    /// are added as required string path parameters, unless the operation declares its own.
    var documentation: OpenAPIDocument.Operation? {
        guard var operation else { return nil }
        if let names = template?.parameterNames, var members = operation.objectValue, members["parameters"] == nil {
            members["parameters"] = .array(names.map { name in
                ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]]
            })
            operation = .object(members)
        }
        return (method, path, operation)
    }
}

/// What a route decides to do with a request.
enum RouteOutcome: Sendable {
    /// Answer now, on the loop thread: only for cheap work (`/`, errors, health).
    case respond(HTTPResponse)
    /// Run `work` on the job queue (never on the loop thread); its response comes back to the loop.
    case offload(@Sendable () -> HTTPResponse)
    /// Ask a model for an answer on the job queue; it may be predicted together with other requests
    /// for the same model (`ModelJob`).
    case model(ModelJob)
}
