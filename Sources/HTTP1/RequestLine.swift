/// `method SP request-target SP HTTP-version CRLF` (RFC 9112 §3), exactly one SP between parts.
struct RequestLine {
    var method: HTTPMethod
    /// Where the request-target lies in the head.
    var target: Range<Int>
    /// 0 or 1: the minor version of HTTP/1.x (the only major version served).
    var minorVersion: Int
    /// Index of the first byte after the line's CRLF.
    var next: Int

    /// Parses the request line starting at `start`. The head's line endings are already checked
    /// (`LineScanner`), so the line ends at its first CR and LF follows.
    ///
    /// Checks run in this order: the line's syntax (400), then the version (505), then the method
    /// (501): a well-formed line with an unknown method or version gets the more specific answer.
    static func parse(_ head: UnsafeRawBufferPointer, from start: Int) throws(FramingError) -> RequestLine {
        var i = start
        while ByteClass.isTokenChar(head[i]) { i += 1 }
        let methodEnd = i
        guard methodEnd > start else {
            throw head[i] == ByteClass.space || head[i] == ByteClass.tab
                ? .malformed("whitespace before the request line or a folded header line")
                : .malformed("invalid method")
        }
        guard head[i] == ByteClass.space else { throw .malformed("invalid method") }
        i += 1

        let targetStart = i
        while ByteClass.isVisible(head[i]) { i += 1 }
        let targetEnd = i
        guard targetEnd > targetStart else { throw .malformed("empty request target or extra whitespace") }
        if head[i] == ByteClass.cr { throw .malformed("missing HTTP version (HTTP/0.9 request line)") }
        guard head[i] == ByteClass.space else { throw .malformed("invalid byte in request target") }
        i += 1

        // HTTP-version = "HTTP/" DIGIT "." DIGIT, then the line's end.
        let versionStart = i
        while head[i] != ByteClass.cr { i += 1 }
        let version = UnsafeRawBufferPointer(rebasing: head[versionStart..<i])
        guard version.count == 8, version[0] == 0x48, version[1] == 0x54, version[2] == 0x54, version[3] == 0x50,
              version[4] == 0x2F, ByteClass.isDigit(version[5]), version[6] == 0x2E, ByteClass.isDigit(version[7])
        else { throw .malformed("invalid HTTP version") }
        let major = version[5] - 0x30
        let minor = version[7] - 0x30
        guard major == 1 && minor <= 1 else { throw .versionNotSupported }

        guard let method = HTTPMethod(token: UnsafeRawBufferPointer(rebasing: head[start..<methodEnd])) else {
            throw .methodNotImplemented
        }
        return RequestLine(method: method, target: targetStart..<targetEnd, minorVersion: Int(minor), next: i + 2)
    }
}
