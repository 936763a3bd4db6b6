/// Exact-path routing over a table of `Route`s, as evserve's routes need. Unknown paths get
/// FastAPI's 404 and known paths with another method its 405 with `Allow`. A GET route also
/// answers HEAD (the body is omitted when the response is written).
struct Router: Sendable {
    private var routes: [String: [Route]] = [:]
    /// Every path, in declaration order: the metrics' route labels.
    private(set) var paths: [String] = []

    /// Route label for requests that matched no route (metrics, access log).
    static let unmatched = "unmatched"

    init(_ table: [Route] = []) {
        for route in table { add(route) }
    }

    mutating func add(_ route: Route) {
        if routes[route.path] == nil { paths.append(route.path) }
        routes[route.path, default: []].append(route)
    }

    mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Route.Handler) {
        add(Route(method, path, handler: handler))
    }

    /// The route's path (as a metrics label) and what to do.
    func route(_ request: HTTPRequest) -> (route: String, outcome: RouteOutcome) {
        let path = String(request.path)
        guard let candidates = routes[path] else {
            return (Self.unmatched, .respond(HTTPError.notFound.response))
        }
        let wanted = request.method == .head ? HTTPMethod.get : request.method
        if let match = candidates.first(where: { $0.method == wanted }) {
            return (path, match.handler(request))
        }
        return (path, .respond(HTTPError.methodNotAllowed(allow: candidates.map(\.method)).response))
    }
}
