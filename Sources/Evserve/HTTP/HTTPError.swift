import JSON

/// An error that ends in a response: the one value every failure becomes. `response` is its one
/// exit; bodies are FastAPI's shape, `{"detail": "..."}`.
struct HTTPError: Error, Sendable, Equatable {
    var status: Int
    var detail: String
    var extraHeaders: [String: String] = [:]
    /// Protocol errors leave the byte stream in an unknown state, so the connection must close.
    var closesConnection: Bool

    var response: HTTPResponse {
        var body = Array(#"{"detail":"#.utf8)
        JSONWriter.appendString(detail, to: &body)
        body.append(UInt8(ascii: "}"))
        var response = HTTPResponse.json(body, status: status)
        response.extraHeaders = extraHeaders.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return response
    }

    static let requestTimeout = HTTPError(status: 408, detail: "Request timeout", closesConnection: true)
    static let notFound = HTTPError(status: 404, detail: "Not Found", closesConnection: false)

    static func methodNotAllowed(allow: [HTTPMethod]) -> HTTPError {
        HTTPError(status: 405, detail: "Method Not Allowed",
                  extraHeaders: ["Allow": allow.map(\.description).joined(separator: ", ")],
                  closesConnection: false)
    }

    static func unavailable(_ detail: String) -> HTTPError {
        HTTPError(status: 503, detail: detail, closesConnection: false)
    }
}

extension HTTPError {
    /// The answer to bytes that are not a request evserve serves (400, 413, 431, 501, 505).
    init(_ framing: FramingError) {
        self.init(status: framing.status, detail: framing.detail, closesConnection: framing.closesConnection)
    }
}
