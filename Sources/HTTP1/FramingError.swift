/// Why a byte stream is not a request evserve serves: the status to answer and a detail saying
/// what was wrong. Every framing error closes the connection (RFC 9112 §§2.2, 6.3): after one, the
/// parser cannot know where the next request would start.
public struct FramingError: Error, Sendable, Equatable {
    public var status: Int
    public var detail: String
    public var closesConnection: Bool

    init(status: Int, detail: String) {
        self.status = status
        self.detail = detail
        self.closesConnection = true
    }

    /// 400: the bytes break the message grammar; `what` names the broken part.
    static func malformed(_ what: String) -> FramingError {
        FramingError(status: 400, detail: "Invalid HTTP request: \(what)")
    }

    static let headTooLarge = FramingError(status: 431, detail: "Request header fields too large")
    static let tooManyFields = FramingError(status: 431, detail: "Request header fields too large: more than 100 field lines")
    static let versionNotSupported = FramingError(status: 505, detail: "HTTP Version Not Supported")
    static let methodNotImplemented = FramingError(status: 501, detail: "Not Implemented")
    static let codingNotImplemented = FramingError(status: 501, detail: "Unsupported Transfer-Encoding")

    static func bodyTooLarge(limit: Int) -> FramingError {
        FramingError(status: 413, detail: "Request body larger than the limit of \(limit) bytes")
    }
}
