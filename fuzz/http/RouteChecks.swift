// The route templates' matcher (HTTP1's TemplateTable, which walks a path's bytes through unsafe
// buffers) against a plain reading of its rules, on every path the parser hands out and on the raw
// input read as a path: the same templates fit, in the same order, with the same parameters.
import HTTP1

/// The server's v2 templates, and a few that overlap them or each other.
let routeTemplates = ["/v2/models/{name}", "/v2/models/{name}/versions/{version}", "/v2/models/{name}/infer",
                      "/v2/models/{name}/versions/{version}/infer", "/v2/models/{name}/ready",
                      "/v2/repository/models/{name}/load", "/{name}/{version}", "/v2/{name}/infer"].compactMap(PathTemplate.init)
let routeTable = TemplateTable(routeTemplates)

func checkRouting(_ path: String) {
    var fits: [(Int, PathParameters)] = []
    var from = 0
    while let (t, parameters) = routeTable.firstFit(path, from: from) {
        precondition(t >= from && t < routeTemplates.count, "a fit out of order")
        fits.append((t, parameters))
        from = t + 1
    }
    let expected = routeTemplates.indices.compactMap { t in plainFit(routeTemplates[t], path).map { (t, $0) } }
    precondition(fits.count == expected.count && zip(fits, expected).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 },
                 "templates fit \(path) otherwise than the rules say")
}

/// The rules: split at every `/` after the leading one; a literal equal byte for byte, a parameter
/// any non-empty segment, its value with `%2F` (either case) as a slash.
func plainFit(_ template: PathTemplate, _ path: String) -> PathParameters? {
    let bytes = Array(path.utf8)
    guard bytes.first == UInt8(ascii: "/") else { return nil }
    let parts = bytes.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    guard parts.count == template.segments.count else { return nil }
    var parameters = PathParameters.empty
    for (segment, part) in zip(template.segments, parts) {
        switch segment {
        case .literal(let literal):
            guard Array(literal.utf8) == Array(part) else { return nil }
        case .parameter(let name):
            guard !part.isEmpty else { return nil }
            var value: [UInt8] = []
            var rest = part[...]
            while let first = rest.first {
                if rest.starts(with: Array("%2F".utf8)) || rest.starts(with: Array("%2f".utf8)) {
                    value.append(UInt8(ascii: "/"))
                    rest = rest.dropFirst(3)
                } else {
                    value.append(first)
                    rest = rest.dropFirst()
                }
            }
            parameters.append(name: name, value: String(decoding: value, as: UTF8.self))
        }
    }
    return parameters
}
