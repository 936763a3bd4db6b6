/// A request method. The seven evserve knows are cases; names are case-sensitive (RFC 9110 §9.1).
/// `other` exists for labels outside parsing (the access log's `-` for a request that never parsed):
/// the parser itself answers any other method with 501.
public enum HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    case get, head, post, put, delete, patch, options
    case other(String)

    public init(_ name: String) {
        switch name {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "DELETE": self = .delete
        case "PATCH": self = .patch
        case "OPTIONS": self = .options
        default: self = .other(name)
        }
    }

    /// The known method spelled exactly by `token`, nil for any other token.
    init?(token: UnsafeRawBufferPointer) {
        func matches(_ name: StaticString) -> Bool {
            guard token.count == name.utf8CodeUnitCount else { return false }
            for i in 0..<token.count where token[i] != name.utf8Start[i] { return false }
            return true
        }
        switch token.count {
        case 3 where matches("GET"): self = .get
        case 3 where matches("PUT"): self = .put
        case 4 where matches("POST"): self = .post
        case 4 where matches("HEAD"): self = .head
        case 5 where matches("PATCH"): self = .patch
        case 6 where matches("DELETE"): self = .delete
        case 7 where matches("OPTIONS"): self = .options
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .patch: "PATCH"
        case .options: "OPTIONS"
        case .other(let name): name
        }
    }
}
