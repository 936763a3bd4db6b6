/// The request-target (RFC 9112 §3.2): which forms are accepted, and the path routes match on.
enum RequestTarget {
    /// The target as sent, and its routing path: percent-decoded (`%2F` kept encoded), no query.
    ///
    /// origin-form (`/path?query`) and absolute-form (`http://authority/path?query`, any method,
    /// §3.2.2) are accepted; asterisk-form only with OPTIONS. authority-form belongs to CONNECT,
    /// which is already refused (501), so it is malformed here like every other shape. The bytes
    /// are VCHAR already (`RequestLine`).
    /// `recent`: the connection's previous request, whose Strings are reused when the bytes repeat them.
    static func parse(_ bytes: UnsafeRawBufferPointer, method: HTTPMethod,
                      recent: RecentStrings = RecentStrings()) throws(FramingError) -> (target: String, path: String) {
        // One pass: a fragment anywhere is refused; a target with neither a query nor a `%` is its
        // own routing path (the usual `/predict`), one String for both.
        var plain = true
        for b in bytes {
            if b == 0x23 { throw .malformed("fragment (#) in request target") }
            if b == 0x3F || b == 0x25 { plain = false }
        }
        let target = recent.target(bytes)
        if bytes[0] == 0x2F {  // "/"
            if plain { return (target, target) }
            return (target, try routingPath(bytes, from: 0, recent: recent))
        }
        if bytes.count == 1 && bytes[0] == 0x2A {  // "*"
            guard method == .options else { throw .malformed("asterisk-form target is only for OPTIONS") }
            return (target, target)
        }
        guard let authorityStart = schemeEnd(bytes) else { throw .malformed("invalid request target") }
        var pathStart = authorityStart
        while pathStart < bytes.count && bytes[pathStart] != 0x2F && bytes[pathStart] != 0x3F { pathStart += 1 }
        let authority = UnsafeRawBufferPointer(rebasing: bytes[authorityStart..<pathStart])
        // RFC 9110 §4.2.1: an http(s) URI with an empty host is invalid; userinfo is refused (§4.2.4).
        guard !authority.isEmpty, HostValue.isValid(authority) else {
            throw .malformed("invalid authority in absolute-form target")
        }
        if pathStart == bytes.count || bytes[pathStart] == 0x3F { return (target, "/") }
        return (target, try routingPath(bytes, from: pathStart))
    }

    /// The index after `http://` or `https://` (scheme case-insensitive), nil for any other start.
    private static func schemeEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        for (scheme, length) in [("http://" as StaticString, 7), ("https://", 8)] where bytes.count >= length {
            if ByteClass.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[0..<length]), scheme) { return length }
        }
        return nil
    }

    /// The path from `start` to the query, percent-decoded. `%2F` stays as sent so an encoded slash
    /// never splits a segment; a `%` without two hex digits, or a decoded NUL, is malformed.
    static func routingPath(_ bytes: UnsafeRawBufferPointer, from start: Int,
                            recent: RecentStrings? = nil) throws(FramingError) -> String {
        var end = start
        var hasPercent = false
        while end < bytes.count && bytes[end] != 0x3F {
            if bytes[end] == 0x25 { hasPercent = true }
            end += 1
        }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        guard hasPercent else { return recent?.path(raw) ?? String(decoding: raw, as: UTF8.self) }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            guard b == 0x25 else {
                decoded.append(b)
                i += 1
                continue
            }
            guard i + 2 < raw.count, let high = ByteClass.hexValue(raw[i + 1]), let low = ByteClass.hexValue(raw[i + 2]) else {
                throw .malformed("% not followed by two hex digits in the path")
            }
            let value = UInt8(high << 4 | low)
            if value == 0 { throw .malformed("encoded NUL in the path") }
            if value == 0x2F {
                decoded.append(contentsOf: raw[i..<(i + 3)])
            } else {
                decoded.append(value)
            }
            i += 3
        }
        return String(decoding: decoded, as: UTF8.self)
    }
}
