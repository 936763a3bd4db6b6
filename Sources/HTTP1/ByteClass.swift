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

    /// Whether all eight bytes of `word` are VCHAR or obs-text (0x21-0x7E, 0x80-0xFF): field-value
    /// bytes that neither end a value (CR) nor are blank, so a value's scan can take them at once.
    /// Two SWAR tests: a byte below 0x21 borrows in `word - 0x21…` while its top bit is clear, and
    /// DEL is the byte that the XOR with 0x7F… makes zero (the same test for bytes below 1). With no
    /// such byte nothing borrows at all, so each test is zero exactly when no byte fails it.
    @inline(__always)
    static func isPlainFieldText(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let topBits: UInt64 = 0x8080_8080_8080_8080
        let belowBang = (word &- 0x21 &* ones) & ~word & topBits
        let del = word ^ (0x7F &* ones)
        let isDel = (del &- ones) & ~del & topBits
        return belowBang | isDel == 0
    }

    /// A word whose bytes' top bits mark where `word` holds CR or LF. The lowest mark is exact (a
    /// byte that is not CR or LF can be marked only above a true one, by a borrow), which is all a
    /// scan for the first line ending reads.
    @inline(__always)
    static func lineEndBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let topBits: UInt64 = 0x8080_8080_8080_8080
        let crs = word ^ (UInt64(cr) &* ones)
        let lfs = word ^ (UInt64(lf) &* ones)
        return ((crs &- ones) & ~crs | (lfs &- ones) & ~lfs) & topBits
    }

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
        if bytes.count >= 8 {
            // Eight bytes a step; the last step overlaps the one before when the count is no multiple of 8.
            let literal = UnsafeRawPointer(expected)
            var i = 0
            while true {
                let at = min(i, bytes.count - 8)
                let word = bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                guard lowercased(word) == literal.loadUnaligned(fromByteOffset: at, as: UInt64.self) else { return false }
                if at == bytes.count - 8 { return true }
                i &+= 8
            }
        }
        for i in 0..<bytes.count {
            let b = bytes[i]
            let folded = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
            if folded != expected[i] { return false }
        }
        return true
    }

    /// `word` with each of its eight bytes A-Z made a-z (others unchanged). A byte's top bit is set
    /// by adding 0x80 - 0x41 to its low seven bits exactly when it is at least 0x41, by adding
    /// 0x80 - 0x5B when at least 0x5B (no carry leaves a byte: the sums stay below 0x100); so the
    /// letters are the bytes with the first and not the second, and not already above 0x7F.
    @inline(__always)
    static func lowercased(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let topBits: UInt64 = 0x8080_8080_8080_8080
        let low = word & ~topBits
        let upper = (low &+ (0x80 - 0x41) &* ones) & ~(low &+ (0x80 - 0x5B) &* ones) & ~word & topBits
        return word | upper >> 2
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
