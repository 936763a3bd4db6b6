/// The byte classes of RFC 9110 §5.6 and RFC 9112 the grammar is written in.
enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    /// tchar: the characters of a token (method, field name, coding, chunk-ext name): DIGIT, ALPHA
    /// and ``!#$%&'*+-.^_`|~``. One bit per byte value below 128, so a test is a shift, not a chain
    /// of comparisons (it runs for every byte of every field name).
    @inline(__always)
    static func isTokenChar(_ b: UInt8) -> Bool {
        // Bytes 0-63: ! # $ % & ' * + - . and 0-9.
        let low: UInt64 = 0x03FF_6CFA_0000_0000
        // Bytes 64-127: A-Z ^ _ ` a-z | ~.
        let high: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        return b < 64 ? (low >> UInt64(b)) & 1 == 1 : b < 128 && (high >> UInt64(b - 64)) & 1 == 1
    }

    /// SP or HTAB: OWS/BWS.
    @inline(__always)
    static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab }

    /// VCHAR: visible ASCII, what a request-target is made of.
    @inline(__always)
    static func isVisible(_ b: UInt8) -> Bool { b >= 0x21 && b <= 0x7E }

    /// A byte allowed in a field value: HTAB, SP, VCHAR, obs-text. No NUL, CTL, DEL, CR or LF.
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool { b == tab || (b >= 0x20 && b != 0x7F) }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// The value of a hex digit, nil for any other byte.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: Int(b - 0x30)
        case 0x41...0x46: Int(b - 0x41 + 10)
        case 0x61...0x66: Int(b - 0x61 + 10)
        default: nil
        }
    }

    /// ASCII case-insensitive equality with a lower-case name (field names, codings, options).
    @inline(__always)
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for i in 0..<bytes.count {
            let b = bytes[i]
            let folded = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
            if folded != expected[i] { return false }
        }
        return true
    }

    /// `bytes` without leading and trailing SP/HTAB.
    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end && isBlank(bytes[start]) { start += 1 }
        while end > start && isBlank(bytes[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
