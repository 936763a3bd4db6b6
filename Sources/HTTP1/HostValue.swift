/// The Host field's value (RFC 9110 §7.2): `uri-host [ ":" port ]`, where uri-host is an IP-literal
/// (`[` IPv6 `]`), an IPv4 address or a reg-name (RFC 3986 §3.2.2) and port is `*DIGIT`.
enum HostValue {
    /// Whether `value` (already without OWS) is a valid Host. Empty is valid: RFC 9112 §3.2 lets a
    /// client without an authority send an empty Host. reg-name covers IPv4 addresses.
    static func isValid(_ value: UnsafeRawBufferPointer) -> Bool {
        if value.isEmpty { return true }
        var i = 0
        if value[0] == 0x5B {  // "[" IPv6 or IPvFuture "]"
            i = 1
            while i < value.count && isIPLiteralByte(value[i]) { i += 1 }
            guard i > 1, i < value.count, value[i] == 0x5D else { return false }
            i += 1
        } else {
            while i < value.count && value[i] != 0x3A {
                let b = value[i]
                if b == 0x25 {  // pct-encoded
                    guard i + 2 < value.count, ByteClass.hexValue(value[i + 1]) != nil,
                          ByteClass.hexValue(value[i + 2]) != nil else { return false }
                    i += 3
                    continue
                }
                guard isRegNameByte(b) else { return false }
                i += 1
            }
        }
        if i == value.count { return true }
        // ":" port; an empty host before it is not a host an http URI can have (RFC 9110 §4.2.1).
        guard value[i] == 0x3A, i > 0 else { return false }
        i += 1
        while i < value.count {
            guard ByteClass.isDigit(value[i]) else { return false }
            i += 1
        }
        return true
    }

    /// unreserved / sub-delims (RFC 3986 §2.2-2.3).
    private static func isRegNameByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x2D, 0x2E, 0x5F, 0x7E: true  // - . _ ~
        case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: true  // ! $ & ' ( ) * + , ; =
        default: false
        }
    }

    /// Hex digits, ":" and "." (IPv6 with an embedded IPv4), and IPvFuture's "v" and unreserved.
    private static func isIPLiteralByte(_ b: UInt8) -> Bool {
        ByteClass.hexValue(b) != nil || b == 0x3A || b == 0x2E || b == 0x76 || b == 0x56
    }
}
