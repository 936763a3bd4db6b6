/// A /predict body that cannot be served, with the complete response body FastAPI would send.
///
/// `status` is 422 for every validation error (`{"detail":[...]}`), and 400 for bodies that
/// are not text at all (invalid UTF-8, an integer past Python's 4300-digit limit, nesting past
/// 64 levels), which FastAPI answers with `{"detail":"There was an error parsing the body"}`.
/// The body is always `application/json`.
public struct ValidationFailure: Error, Sendable, Equatable {
    public let status: Int
    public let body: [UInt8]

    public init(status: Int = 422, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// FastAPI's 400 for a body it could not even decode.
    static let undecodableBody = ValidationFailure(
        status: 400, body: Array(#"{"detail":"There was an error parsing the body"}"#.utf8))
}
