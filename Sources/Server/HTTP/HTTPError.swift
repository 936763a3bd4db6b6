/// An error that ends in a response: the one value every failure becomes (STYLE: "errors are values
/// with one exit"). `response` is that exit; bodies are FastAPI's shape, `{"detail": "..."}`.
struct HTTPError: Error, Sendable, Equatable {
    var status: Int
    var detail: String
    var extraHeaders: [String: String] = [:]
    /// Protocol errors leave the byte stream in an unknown state, so the connection must close.
    var closesConnection: Bool

    var response: HTTPResponse {
        var body = Array(#"{"detail":"#.utf8)
        JSONText.appendString(detail, to: &body)
        body.append(UInt8(ascii: "}"))
        var response = HTTPResponse.json(body, status: status)
        response.extraHeaders = extraHeaders.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return response
    }

    static let malformed = HTTPError(status: 400, detail: "Invalid HTTP request", closesConnection: true)
    static let headTooLarge = HTTPError(status: 431, detail: "Request header fields too large", closesConnection: true)
    static let requestTimeout = HTTPError(status: 408, detail: "Request timeout", closesConnection: true)
    static let unsupportedTransferEncoding = HTTPError(
        status: 501, detail: "Unsupported Transfer-Encoding", closesConnection: true)
    static let notFound = HTTPError(status: 404, detail: "Not Found", closesConnection: false)
    static let internalError = HTTPError(status: 500, detail: "Internal Server Error", closesConnection: false)

    static func bodyTooLarge(limit: Int) -> HTTPError {
        HTTPError(status: 413, detail: "Request body larger than the limit of \(limit) bytes", closesConnection: true)
    }

    static func methodNotAllowed(allow: [HTTPMethod]) -> HTTPError {
        HTTPError(status: 405, detail: "Method Not Allowed",
                  extraHeaders: ["Allow": allow.map(\.description).joined(separator: ", ")],
                  closesConnection: false)
    }

    static func unavailable(_ detail: String) -> HTTPError {
        HTTPError(status: 503, detail: detail, closesConnection: false)
    }
}

/// Minimal JSON text writing for the server's own small bodies (error details, the index string).
enum JSONText {
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func string(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        appendString(text, to: &out)
        return out
    }
}
