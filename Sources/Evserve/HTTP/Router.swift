/// Routing over a table of `Route`s. Exact paths are one dictionary lookup, as fast as before
/// templates existed; only a path no exact route has is matched against the templates, in
/// declaration order. Unknown paths get FastAPI's 404 and known paths with another method its 405
/// with `Allow`. A GET route also answers HEAD (the body is omitted when the response is written).
struct Router: Sendable {
    /// What a request needs of a route: its method and handler, not its path or OpenAPI operation,
    /// so matching a request copies (and reference-counts) nothing else.
    private struct Endpoint: Sendable {
        var method: HTTPMethod
        var handler: Route.ParameterizedHandler
    }

    /// Each exact path's endpoints, together in `endpoints` (a range is found with no reference
    /// counted; an array of endpoints per path was retained and released on every request).
    private var exact = ExactPaths<Range<Int>>()
    private var endpoints: [Endpoint] = []
    /// The exact routes in declaration order, from which `exact` and `endpoints` are built.
    private var exactRoutes: [(path: String, endpoint: Endpoint)] = []
    private var templated: [(template: PathTemplate, routes: [Route])] = []
    /// Every path and template, in declaration order: the metrics' route labels.
    private(set) var paths: [String] = []

    /// Route label for requests that matched no route (metrics, access log).
    static let unmatched = "unmatched"

    init(_ table: [Route] = []) {
        for route in table { add(route) }
    }

    mutating func add(_ route: Route) {
        if let template = route.template {
            if let i = templated.firstIndex(where: { $0.template == template }) {
                templated[i].routes.append(route)
            } else {
                templated.append((template, [route]))
                paths.append(route.path)
            }
        } else {
            if exact[route.path] == nil { paths.append(route.path) }
            exactRoutes.append((route.path, Endpoint(method: route.method, handler: route.handler)))
            // Rebuilt whole (routes are added before serving): each path's endpoints stay adjacent.
            endpoints = []
            for path in paths where exactRoutes.contains(where: { $0.path == path }) {
                let start = endpoints.count
                endpoints += exactRoutes.filter { $0.path == path }.map(\.endpoint)
                exact[path] = start..<endpoints.count
            }
        }
    }

    mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Route.Handler) {
        add(Route(method, path, handler: handler))
    }

    /// The route's path or template (as a metrics label) and what to do.
    func route(_ request: consuming HTTPRequest) -> (route: String, outcome: RouteOutcome) {
        let path = request.path
        let wanted = request.method == .head ? HTTPMethod.get : request.method
        if let candidates = exact[path] {
            for index in candidates where endpoints[index].method == wanted {
                return (path, endpoints[index].handler(request, .empty))
            }
            return (path, Self.methodNotAllowed(endpoints[candidates].map(\.method)))
        }
        guard !templated.isEmpty, path.utf8.first == UInt8(ascii: "/") else {
            return (Self.unmatched, .respond(HTTPError.notFound.response))
        }
        // The first template that fits and has the method wins; one that fits without it gives 405.
        var fitting: [Route]?
        for (template, routes) in templated {
            guard let parameters = template.match(path) else { continue }
            if let match = routes.first(where: { $0.method == wanted }) {
                return (template.text, match.handler(request, parameters))
            }
            if fitting == nil { fitting = routes }
        }
        if let fitting { return (fitting[0].path, Self.methodNotAllowed(fitting.map(\.method))) }
        return (Self.unmatched, .respond(HTTPError.notFound.response))
    }

    private static func methodNotAllowed(_ allowed: [HTTPMethod]) -> RouteOutcome {
        .respond(HTTPError.methodNotAllowed(allow: allowed).response)
    }
}
