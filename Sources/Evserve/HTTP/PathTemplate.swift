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
    /// the path) stays inside its segment. The path is checked whole before any parameter is made,
    /// so nothing is allocated for a path that does not fit; bytes are compared, not Characters (a
    /// String comparison would walk grapheme breaks on every request).
    func match(_ path: String) -> PathParameters? {
        var path = path
        return path.withUTF8 { bytes -> PathParameters? in
            // `bytes` is `path`'s own UTF-8 storage, valid for this closure only; nothing keeps it.
            let fits = walk(bytes) { segment, part in
                switch segment {
                case .literal(let literal): part.elementsEqual(literal.utf8)
                case .parameter: !part.isEmpty
                }
            }
            guard fits else { return nil }
            var parameters = PathParameters.empty
            _ = walk(bytes) { segment, part in
                if case .parameter(let name) = segment { parameters.append(name: name, value: Self.decodingSlashes(part)) }
                return true
            }
            return parameters
        }
    }

    /// Hands `visit` each template segment with the path's bytes for it, while it answers true; false
    /// when it answers false or the path has another number of segments (or does not start with `/`).
    private func walk(_ bytes: UnsafeBufferPointer<UInt8>,
                      _ visit: (Segment, Slice<UnsafeBufferPointer<UInt8>>) -> Bool) -> Bool {
        guard bytes.first == UInt8(ascii: "/") else { return false }
        var start = 1
        for (k, segment) in segments.enumerated() {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
            // The last template segment must end the path; every other must be followed by a `/`.
            let isLast = k == segments.count - 1
            guard isLast == (end == bytes.count), visit(segment, bytes[start..<end]) else { return false }
            start = end + 1
        }
        return true
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
