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
    /// The templates in declaration order, each with the range of its endpoints in `templateEndpoints`
    /// (built from `templatedRoutes` the same way).
    private var templates = TemplateTable()
    private var templateRanges: [Range<Int>] = []
    private var templateEndpoints: [Endpoint] = []
    private var templatedRoutes: [(template: PathTemplate, endpoint: Endpoint)] = []
    /// Every path and template, in declaration order: the metrics' route labels.
    private(set) var paths: [String] = []

    /// Route label for requests that matched no route (metrics, access log).
    static let unmatched = "unmatched"

    init(_ table: [Route] = []) {
        for route in table { add(route) }
    }

    mutating func add(_ route: Route) {
        let endpoint = Endpoint(method: route.method, handler: route.handler)
        if let template = route.template {
            if !templates.templates.contains(template) {
                templates = TemplateTable(templates.templates + [template])
                paths.append(route.path)
            }
            templatedRoutes.append((template, endpoint))
            (templateEndpoints, templateRanges) = Self.grouped(templatedRoutes, by: templates.templates)
        } else {
            if exact[route.path] == nil { paths.append(route.path) }
            exactRoutes.append((route.path, endpoint))
            let exactPaths = paths.filter { path in exactRoutes.contains { $0.path == path } }
            let ranges: [Range<Int>]
            (endpoints, ranges) = Self.grouped(exactRoutes, by: exactPaths)
            for (path, range) in zip(exactPaths, ranges) { exact[path] = range }
        }
    }

    /// `routes`' endpoints with each key's adjacent, keys in the order of `keys`, and each key's range.
    /// Rebuilt whole on every `add`: routes are added before serving.
    private static func grouped<Key: Equatable>(_ routes: [(Key, Endpoint)], by keys: [Key])
        -> (endpoints: [Endpoint], ranges: [Range<Int>]) {
        var endpoints: [Endpoint] = []
        let ranges = keys.map { key in
            let start = endpoints.count
            endpoints += routes.filter { $0.0 == key }.map(\.1)
            return start..<endpoints.count
        }
        return (endpoints, ranges)
    }

    mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Route.Handler) {
        add(Route(method, path, handler: handler))
    }

    /// What matching a template decided: a handler to call with the request, or an answer made without one.
    private enum TemplateMatch {
        case handler(label: String, Route.ParameterizedHandler, PathParameters)
        case answer(label: String, HTTPResponse)
    }

    /// The last path matched against the templates and the first template it fits, kept by a worker
    /// between requests (loop thread only). Clients of the v2 routes send the same path request after
    /// request; matching it again split the path, compared the templates' literals and made its
    /// parameters' Strings each time (~1,100 of a v2 inference's ~37,000 instructions). What a path
    /// fits depends on nothing but the path (the templates are fixed before serving), so the memo
    /// is never stale. Compared to the next path as a String: a repeat on the same connection is the
    /// same String (its parser reuses it, `RecentStrings`) and equal by identity; one from another
    /// connection is compared byte for byte.
    struct TemplateMemo {
        fileprivate var path: String?
        fileprivate var fit: (template: Int, parameters: PathParameters)?

        init() {}
    }

    /// The route's path or template (as a metrics label) and what to do.
    func route(_ request: consuming HTTPRequest) -> (route: String, outcome: RouteOutcome) {
        var memo = TemplateMemo()
        return route(request, memo: &memo)
    }

    /// `route(_:)`, matching templates through (and updating) `memo`.
    func route(_ request: consuming HTTPRequest, memo: inout TemplateMemo) -> (route: String, outcome: RouteOutcome) {
        let path = request.path
        let wanted = request.method == .head ? HTTPMethod.get : request.method
        if let candidates = exact[path] {
            for index in candidates where endpoints[index].method == wanted {
                return (path, endpoints[index].handler(request, .empty))
            }
            return (path, .respond(Self.methodNotAllowed(endpoints[candidates].map(\.method))))
        }
        switch matchTemplate(path, wanted, memo: &memo) {
        case .handler(let label, let handler, let parameters): return (label, handler(request, parameters))
        case .answer(let label, let response): return (label, .respond(response))
        }
    }

    private func matchTemplate(_ path: String, _ wanted: HTTPMethod, memo: inout TemplateMemo) -> TemplateMatch {
        guard !templates.templates.isEmpty else { return .answer(label: Self.unmatched, HTTPError.notFound.response) }
        if memo.path != path {
            memo.fit = templates.firstFit(path)
            memo.path = path
        }
        // The first template that fits and has the method wins; one that fits without it gives 405.
        var fit = memo.fit
        var fitting: Int?
        while let (t, parameters) = fit {
            for index in templateRanges[t] where templateEndpoints[index].method == wanted {
                return .handler(label: templates.templates[t].text, templateEndpoints[index].handler, parameters)
            }
            if fitting == nil { fitting = t }
            fit = templates.firstFit(path, from: t + 1)
        }
        guard let fitting else { return .answer(label: Self.unmatched, HTTPError.notFound.response) }
        return .answer(label: templates.templates[fitting].text,
                       Self.methodNotAllowed(templateEndpoints[templateRanges[fitting]].map(\.method)))
    }

    private static func methodNotAllowed(_ allowed: [HTTPMethod]) -> HTTPResponse {
        HTTPError.methodNotAllowed(allow: allowed).response
    }
}
