extension JSONParser {
    /// Python's `scanstring` (C version, strict): `index` is at the opening quote and ends just
    /// past the closing one. Control characters below U+0020 must be escaped; escapes are
    /// `\" \\ \/ \b \f \n \r \t \uXXXX`, and a `\uD8xx\uDCxx` pair joins into one character.
    func scanString(at index: inout Int) throws(JSONSyntaxError) -> String {
        let begin = index
        var i = index + 1
        // Fast case: no escapes, the string is a slice of the input.
        var runStart = i
        var decoded: [UInt8] = []
        var usedBuffer = false
        while true {
            guard i < text.count else { throw syntaxError("Unterminated string starting at", at: begin) }
            let byte = text[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                if !usedBuffer { return Self.string(text[runStart..<i]) }
                decoded.append(contentsOf: text[runStart..<i])
                return Self.string(decoded[...])
            }
            if byte < 0x20 { throw syntaxError("Invalid control character at", at: i) }
            guard byte == UInt8(ascii: "\\") else {
                i += 1
                continue
            }
            usedBuffer = true
            decoded.append(contentsOf: text[runStart..<i])
            let backslash = i
            i += 1
            guard i < text.count else { throw syntaxError("Unterminated string starting at", at: begin) }
            let escape = text[i]
            if escape != UInt8(ascii: "u") {
                let replacement: UInt8
                switch escape {
                case UInt8(ascii: "\""): replacement = UInt8(ascii: "\"")
                case UInt8(ascii: "\\"): replacement = UInt8(ascii: "\\")
                case UInt8(ascii: "/"): replacement = UInt8(ascii: "/")
                case UInt8(ascii: "b"): replacement = 0x08
                case UInt8(ascii: "f"): replacement = 0x0C
                case UInt8(ascii: "n"): replacement = 0x0A
                case UInt8(ascii: "r"): replacement = 0x0D
                case UInt8(ascii: "t"): replacement = 0x09
                default: throw syntaxError("Invalid \\escape", at: backslash)
                }
                decoded.append(replacement)
                i += 1
                runStart = i
                continue
            }
            // \uXXXX: `i` is at the `u`.
            guard let unit = hex4(at: i + 1) else { throw syntaxError("Invalid \\uXXXX escape", at: backslash + 1) }
            var scalar = unit
            i += 5
            // Python only tries a pair when text follows it (`end + 6 < len` in CPython).
            if (0xD800...0xDBFF).contains(unit), i + 6 < text.count,
               text[i] == UInt8(ascii: "\\"), text[i + 1] == UInt8(ascii: "u") {
                guard let low = hex4(at: i + 2) else { throw syntaxError("Invalid \\uXXXX escape", at: i + 1) }
                if (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
            }
            JSONText.appendWTF8(scalar, to: &decoded)
            runStart = i
        }
    }

    /// Four hex digits at `start`, or nil. Like CPython, it also requires a character after them
    /// (an escape ending the text is reported as an invalid escape, not an unterminated string).
    private func hex4(at start: Int) -> UInt32? {
        guard start + 4 < text.count else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let byte = text[start + k]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Swift strings cannot hold lone surrogates (Python strings can): each becomes one U+FFFD,
    /// so a string still counts the characters Python counts.
    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        var i = bytes.startIndex
        while i < bytes.endIndex, !(bytes[i] == 0xED && i + 1 < bytes.endIndex && bytes[i + 1] >= 0xA0) { i += 1 }
        if i == bytes.endIndex { return String(decoding: bytes, as: UTF8.self) }
        var repaired = Array(bytes[..<i])
        while i < bytes.endIndex {
            if bytes[i] == 0xED, i + 2 < bytes.endIndex, bytes[i + 1] >= 0xA0 {
                repaired.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 3
            } else {
                repaired.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: repaired, as: UTF8.self)
    }
}
