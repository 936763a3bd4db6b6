/// One complete request as the parser hands it to the router: method, target, the routing path, the
/// few headers the server acts on, and the whole body. Plain values only.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target exactly as sent (`/predict?x=1`, `http://host/predict`): for logs and metrics.
    public var target: String
    /// What routes match on: the target's path, percent-decoded except `%2F` (so an encoded slash
    /// never splits a segment), without the query; the path of an absolute-form target.
    public var path: String
    public var versionMajor: Int
    public var versionMinor: Int
    /// `Content-Type`, nil when the client sent none.
    public var contentType: String?
    /// `Inference-Header-Content-Length`, nil when absent: the length of the JSON part of an Open
    /// Inference Protocol body whose tensors follow as binary data (the v2 routes read it).
    public var inferenceHeaderContentLength: String?
    public var body: [UInt8]
    /// Whether the connection may stay open after this request (RFC 9112 §9.3).
    public var keepAlive: Bool

    /// `path` defaults to the target up to its query, undecoded: for requests built by hand.
    public init(method: HTTPMethod, target: String, path: String? = nil, versionMajor: Int, versionMinor: Int,
                contentType: String?, inferenceHeaderContentLength: String? = nil, body: [UInt8], keepAlive: Bool) {
        self.method = method
        self.target = target
        self.path = path ?? String(target.prefix { $0 != "?" })
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.contentType = contentType
        self.inferenceHeaderContentLength = inferenceHeaderContentLength
        self.body = body
        self.keepAlive = keepAlive
    }
}
