/// One chunk's size line (RFC 9112 §7.1): `chunk-size [ chunk-ext ] CRLF`, read byte by byte so it
/// may span reads, where
/// `chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )`.
/// Extensions are checked and discarded. Whitespace must lead to a `;` or `=`, never to the CRLF.
struct ChunkSizeLine {
    static let maxDigits = 16
    /// Extension bytes allowed per chunk: bounds the work a client can make the server do for free.
    static let maxExtensionBytes = 4096

    private enum Place {
        case digits, afterDigits, blankBeforeSemicolon, nameStart, name, blankAfterName, valueStart,
             token, quoted, quotedPair, afterQuoted, lineFeed
    }

    private var place = Place.digits
    private(set) var size = 0
    private var digits = 0
    private var extensionBytes = 0

    /// Takes one byte; true once the line's LF arrived (then `size` is final).
    mutating func take(_ b: UInt8) throws(FramingError) -> Bool {
        if place == .digits {
            if let digit = ByteClass.hexValue(b) {
                digits += 1
                guard digits <= Self.maxDigits, size <= (Int.max - digit) >> 4 else { throw .malformed("chunk size too large") }
                size = size << 4 | digit
                return false
            }
            guard digits > 0 else { throw .malformed("invalid chunk size") }
            place = .afterDigits
        }
        if place == .lineFeed {
            guard b == ByteClass.lf else { throw .malformed("CR not followed by LF after chunk size") }
            return true
        }
        if b == ByteClass.cr {
            switch place {
            case .afterDigits, .name, .token, .afterQuoted: place = .lineFeed; return false
            default: throw .malformed("invalid chunk extension")
            }
        }
        extensionBytes += 1
        guard extensionBytes <= Self.maxExtensionBytes else { throw .malformed("chunk extensions too long") }
        place = try next(after: b)
        return false
    }

    /// The extension grammar's next place after `b` (CR handled by the caller).
    private func next(after b: UInt8) throws(FramingError) -> Place {
        let blank = ByteClass.isBlank(b), token = ByteClass.isTokenChar(b), semicolon = b == 0x3B
        switch place {
        case .afterDigits, .blankBeforeSemicolon, .token, .afterQuoted:
            if semicolon { return .nameStart }
            if blank { return .blankBeforeSemicolon }
            if place == .token && token { return .token }
        case .nameStart:
            if blank { return .nameStart }
            if token { return .name }
        case .name, .blankAfterName:
            if semicolon { return .nameStart }
            if b == 0x3D { return .valueStart }
            if blank { return .blankAfterName }
            if place == .name && token { return .name }
        case .valueStart:
            if blank { return .valueStart }
            if token { return .token }
            if b == 0x22 { return .quoted }
        case .quoted:
            if b == 0x22 { return .afterQuoted }
            if b == 0x5C { return .quotedPair }
            // qdtext: HTAB, SP, VCHAR except DQUOTE and backslash, obs-text
            if b == ByteClass.tab || (b >= 0x20 && b != 0x7F) { return .quoted }
        case .quotedPair:
            if b == ByteClass.tab || (b >= 0x20 && b != 0x7F) { return .quoted }
        case .digits, .lineFeed:
            break
        }
        throw .malformed("invalid chunk extension")
    }
}
