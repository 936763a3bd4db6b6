/// What a route decides to do with a request.
enum RouteOutcome: Sendable {
    /// Answer now, on the loop thread: only for cheap work (`/`, errors, health).
    case respond(HTTPResponse)
    /// Run `work` on the job queue (never on the loop thread); its response comes back to the loop.
    case offload(@Sendable () -> HTTPResponse)
}

/// Exact-path routing, as evserve's handful of routes need. Unknown paths get FastAPI's 404 and
/// known paths with another method its 405 with `Allow`. A GET route also answers HEAD (body omitted).
struct Router: Sendable {
    typealias Handler = @Sendable (HTTPRequest) -> RouteOutcome

    private var routes: [String: [(method: HTTPMethod, handler: Handler)]] = [:]

    /// Route label for requests that matched no route (metrics, access log).
    static let unmatched = "unmatched"

    mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        routes[path, default: []].append((method, handler))
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
