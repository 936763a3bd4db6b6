/// A route path with parameters, such as `/v2/models/{name}/versions/{version}/infer`: literal
/// segments must be equal, and each `{parameter}` segment takes one whole, non-empty segment of the
/// request's path. The template text itself is the route's label (metrics, OpenAPI), so the number
/// of labels stays bounded however many names clients send.
struct PathTemplate: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let text: String
    let segments: [Segment]

    /// Nil when `text` has no `{parameter}` segment: an exact path, matched by dictionary lookup.
    init?(_ text: String) {
        guard text.contains("{") else { return nil }
        precondition(text.hasPrefix("/"), "a route path starts with /")
        self.text = text
        self.segments = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { part in
            guard part.first == "{" else {
                precondition(!part.contains("{") && !part.contains("}"), "a parameter is a whole segment: \(text)")
                return .literal(String(part))
            }
            precondition(part.last == "}" && part.count > 2, "malformed parameter segment in \(text)")
            return .parameter(String(part.dropFirst().dropLast()))
        }
        let names = parameterNames
        precondition(Set(names).count == names.count, "parameter names repeat in \(text)")
    }

    var parameterNames: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    /// A request path's segments, for `match`: nil when the path does not start with `/`.
    /// Splits on `/` only: an encoded slash (`%2F`, kept encoded in the path) stays inside its segment.
    static func segments(of path: String) -> [Substring]? {
        guard path.first == "/" else { return nil }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    }

    /// The parameters when `pathSegments` fit this template, else nil.
    func match(_ pathSegments: [Substring]) -> PathParameters? {
        guard pathSegments.count == segments.count else { return nil }
        var values: [(name: String, value: String)] = []
        for (segment, part) in zip(segments, pathSegments) {
            switch segment {
            case .literal(let literal):
                guard part == literal else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                values.append((name, Self.decodingSlashes(part)))
            }
        }
        return PathParameters(values)
    }

    /// The path arrives percent-decoded except `%2F`, so that an encoded slash cannot split a
    /// segment; inside one parameter value it is an ordinary slash again.
    private static func decodingSlashes(_ part: Substring) -> String {
        guard part.contains("%") else { return String(part) }
        let bytes = Array(part.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "2"),
               bytes[i + 2] | 0x20 == UInt8(ascii: "f") {
                out.append(UInt8(ascii: "/"))
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The values a request's path gave a template's parameters, by name.
struct PathParameters: Sendable, Equatable {
    static let empty = PathParameters([])

    private let values: [(name: String, value: String)]

    init(_ values: [(name: String, value: String)]) {
        self.values = values
    }

    subscript(name: String) -> String? {
        values.first { $0.name == name }?.value
    }

    static func == (lhs: PathParameters, rhs: PathParameters) -> Bool {
        lhs.values.elementsEqual(rhs.values) { $0.name == $1.name && $0.value == $1.value }
    }
}
