/// What one call to `RequestParser.feed` produced.
public enum ParseResult: Sendable {
    /// Every byte was consumed and no request is complete yet. `sendContinue`: the request in
    /// progress asked for `100 Continue` (RFC 9110 §10.1.1) and has not been sent one yet.
    case needMoreInput(sendContinue: Bool)
    /// One complete request, made of the first `consumed` bytes; the rest belongs to the next one.
    case request(HTTPRequest, consumed: Int)
    /// The byte stream is not HTTP we serve; the connection cannot continue. Every later feed
    /// returns the same failure.
    case failure(FramingError)
}
