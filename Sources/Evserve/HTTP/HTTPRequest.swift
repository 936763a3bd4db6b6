/// One complete request as the parser hands it to the router: method, target, the few headers the
/// server acts on, and the whole body. Plain values only; built on the loop thread.
struct HTTPRequest: Sendable {
    var method: HTTPMethod
    /// The request target as sent (`/predict?x=1`).
    var target: String
    var versionMajor: Int
    var versionMinor: Int
    /// `Content-Type`, nil when the client sent none.
    var contentType: String?
    var body: [UInt8]
    /// Whether the connection may stay open after this request (RFC 9112 §9.3, as http_parser decides).
    var keepAlive: Bool

    /// The target without its query string: what routes match on.
    var path: Substring {
        if let q = target.firstIndex(where: { $0 == "?" || $0 == "#" }) { return target[..<q] }
        return target[...]
    }
}

enum HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    case get, head, post, put, delete, patch, options
    case other(String)

    init(_ name: String) {
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

    var description: String {
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
