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

    /// The parameters when `path` fits this template, else nil. The path is walked in place, one
    /// segment per template segment, splitting on `/` only: an encoded slash (`%2F`, kept encoded in
    /// the path) stays inside its segment. Nothing is allocated for a path that does not fit.
    func match(_ path: String) -> PathParameters? {
        let utf8 = path.utf8
        guard utf8.first == UInt8(ascii: "/") else { return nil }
        var parameters = PathParameters.empty
        var start = utf8.index(after: utf8.startIndex)
        for (k, segment) in segments.enumerated() {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
            // The last template segment must end the path; every other must be followed by a `/`.
            let isLast = k == segments.count - 1
            guard isLast == (end == utf8.endIndex) else { return nil }
            switch segment {
            case .literal(let literal):
                // Bytes, not Characters: a String comparison would walk grapheme breaks on every request.
                guard utf8[start..<end].elementsEqual(literal.utf8) else { return nil }
            case .parameter(let name):
                guard start != end else { return nil }
                parameters.append(name: name, value: Self.decodingSlashes(Substring(utf8[start..<end])))
            }
            if !isLast { start = utf8.index(after: end) }
        }
        return parameters
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

/// The values a request's path gave a template's parameters, by name. The first two (all that
/// evserve's templates have) are held inline, so a match allocates no list.
struct PathParameters: Sendable, Equatable {
    static let empty = PathParameters([])

    private var first: (name: String, value: String)?
    private var second: (name: String, value: String)?
    private var more: [(name: String, value: String)] = []

    init(_ values: [(name: String, value: String)]) {
        for value in values { append(name: value.name, value: value.value) }
    }

    mutating func append(name: String, value: String) {
        if first == nil { first = (name, value) } else if second == nil { second = (name, value) } else { more.append((name, value)) }
    }

    subscript(name: String) -> String? {
        if let first, first.name == name { return first.value }
        if let second, second.name == name { return second.value }
        return more.first { $0.name == name }?.value
    }

    private var all: [(name: String, value: String)] {
        [first, second].compactMap { $0 } + more
    }

    static func == (lhs: PathParameters, rhs: PathParameters) -> Bool {
        lhs.all.elementsEqual(rhs.all) { $0.name == $1.name && $0.value == $1.value }
    }
}
