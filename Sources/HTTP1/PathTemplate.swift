/// A route path with parameters, such as `/v2/models/{name}/versions/{version}/infer`: literal
/// segments must be equal, and each `{parameter}` segment takes one whole, non-empty segment of the
/// request's path. The template text itself is the route's label (metrics, OpenAPI), so the number
/// of labels stays bounded however many names clients send. `TemplateTable` matches paths against it.
public struct PathTemplate: Sendable, Equatable {
    public enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    public let text: String
    public let segments: [Segment]

    /// Nil when `text` has no `{parameter}` segment: an exact path, matched by dictionary lookup.
    public init?(_ text: String) {
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

    public var parameterNames: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    /// The values of this template's parameters in a path that fits it (`segments`: its segments,
    /// as `TemplateTable` split them).
    func parameters(in path: PathSegments) -> PathParameters {
        var parameters = PathParameters.empty
        for (k, segment) in segments.enumerated() {
            if case .parameter(let name) = segment { parameters.append(name: name, value: Self.decodingSlashes(path[k])) }
        }
        return parameters
    }

    /// The path arrives percent-decoded except `%2F`, so that an encoded slash cannot split a
    /// segment; inside one parameter value it is an ordinary slash again.
    private static func decodingSlashes(_ part: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        guard part.contains(UInt8(ascii: "%")) else { return String(decoding: part, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(part.count)
        var i = part.startIndex
        while i < part.endIndex {
            if part[i] == UInt8(ascii: "%"), i + 2 < part.endIndex, part[i + 1] == UInt8(ascii: "2"),
               part[i + 2] | 0x20 == UInt8(ascii: "f") {
                out.append(UInt8(ascii: "/"))
                i += 3
            } else {
                out.append(part[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The values a request's path gave a template's parameters, by name. The first two (all that
/// evserve's templates have) are held inline, so a match allocates no list.
public struct PathParameters: Sendable, Equatable {
    public static let empty = PathParameters([])

    private var first: (name: String, value: String)?
    private var second: (name: String, value: String)?
    private var more: [(name: String, value: String)] = []

    public init(_ values: [(name: String, value: String)]) {
        for value in values { append(name: value.name, value: value.value) }
    }

    public mutating func append(name: String, value: String) {
        if first == nil { first = (name, value) } else if second == nil { second = (name, value) } else { more.append((name, value)) }
    }

    public subscript(name: String) -> String? {
        if let first, first.name == name { return first.value }
        if let second, second.name == name { return second.value }
        return more.first { $0.name == name }?.value
    }

    private var all: [(name: String, value: String)] {
        [first, second].compactMap { $0 } + more
    }

    public static func == (lhs: PathParameters, rhs: PathParameters) -> Bool {
        lhs.all.elementsEqual(rhs.all) { $0.name == $1.name && $0.value == $1.value }
    }
}
