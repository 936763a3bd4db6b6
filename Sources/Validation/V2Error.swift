import JSON

/// A v2 (Open Inference Protocol) request that cannot be answered: the status and the message of
/// the spec's error object, `{"error": "..."}`. The message says what is wrong and what would be right.
public struct V2Error: Error, Sendable, Equatable {
    public let status: Int
    public let message: String

    public init(status: Int = 400, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The response body: `{"error":"..."}`.
    public var body: [UInt8] {
        var out = Array(#"{"error":"#.utf8)
        JSONWriter.appendString(message, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
