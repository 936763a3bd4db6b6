/// A parsed request head: how the body is framed (RFC 9112 §6.3), decided once the whole head is
/// known, and whether the client waits for 100 Continue. The request line and the fields the server
/// acts on go straight into the request being read (`parse(_:maxBodySize:recent:into:)`): its
/// Strings are made once, in place, and are not copied from a head into a request.
struct RequestHead {
    enum BodyFraming: Equatable {
        /// Exactly this many body bytes follow (0 when neither Content-Length nor Transfer-Encoding).
        case length(Int)
        case chunked
    }

    var expectsContinue: Bool
    var framing: BodyFraming

    /// Parses a complete head: optional empty lines, the request line, field lines, the empty line.
    /// `head` ends with that empty line, and its line endings are checked (`LineScanner`).
    /// `recent`: the connection's previous request, whose Strings are reused when the bytes repeat them.
    /// `request` gets everything but its body (left as it is).
    static func parse(_ head: UnsafeRawBufferPointer, maxBodySize: Int, recent: RecentStrings = RecentStrings(),
                      into request: inout HTTPRequest) throws(FramingError) -> RequestHead {
        var i = 0
        while head[i] == ByteClass.cr { i += 2 }  // empty lines before the request line (§2.2)
        let line = try RequestLine.parse(head, from: i)
        let (target, path) = try RequestTarget.parse(UnsafeRawBufferPointer(rebasing: head[line.target]), method: line.method,
                                                     recent: recent)
        var fields = FieldLines()
        _ = try fields.parse(head, from: line.next, recognizing: true, recent: recent)

        let http11 = line.minorVersion == 1
        // §3.2: an HTTP/1.1 request has exactly one Host (two are refused in `FieldLines`).
        if http11 && fields.hostCount == 0 { throw .malformed("missing Host header") }

        let framing: BodyFraming
        if fields.transferCodings.isPresent {
            // §6.1: Transfer-Encoding with Content-Length is a smuggling shape; in HTTP/1.0 the framing is faulty.
            if fields.contentLength != nil { throw .malformed("both Transfer-Encoding and Content-Length") }
            if !http11 { throw .malformed("Transfer-Encoding in an HTTP/1.0 request") }
            try fields.transferCodings.check()
            framing = .chunked
        } else if let length = fields.contentLength {
            // Refuse before reading the body: the client may be about to send gigabytes.
            if length > maxBodySize { throw .bodyTooLarge(limit: maxBodySize) }
            framing = .length(length)
        } else {
            framing = .length(0)  // §6.3 rule 7: a request without either has no body
        }

        request.method = line.method
        request.target = target
        request.path = path
        request.versionMajor = 1
        request.versionMinor = line.minorVersion
        // Moved out of `fields`, which ends here.
        request.contentType = fields.contentType.take()
        request.inferenceHeaderContentLength = fields.inferenceHeaderContentLength.take()
        // §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
        request.keepAlive = !fields.connectionClose && (http11 || fields.connectionKeepAlive)
        // 100-continue only means something from HTTP/1.1 clients (RFC 9110 §10.1.1).
        return RequestHead(expectsContinue: http11 && fields.expectsContinue, framing: framing)
    }
}
