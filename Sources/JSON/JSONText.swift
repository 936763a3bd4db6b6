/// Turns request bytes into the UTF-8 text the parser scans, the way Python's `json.loads(bytes)`
/// does: it detects UTF-8 (with or without BOM), UTF-16 and UTF-32 from the first bytes
/// (`json.detect_encoding`) and decodes with the `surrogatepass` error handler, so lone
/// surrogates are text, not errors. Lone surrogates are carried as their 3-byte encodings
/// ("WTF-8") so that character offsets stay those Python counts.
enum JSONText {
    static func utf8(from bytes: [UInt8]) throws(JSONSyntaxError) -> [UInt8] {
        switch detectEncoding(bytes) {
        case .utf8:
            try validateUTF8(bytes, from: 0)
            return bytes
        case .utf8WithBOM:
            try validateUTF8(bytes, from: 3)
            return Array(bytes[3...])
        case .utf16(let bigEndian, let skip):
            return try transcode(bytes, width: 2, bigEndian: bigEndian, skip: skip)
        case .utf32(let bigEndian, let skip):
            return try transcode(bytes, width: 4, bigEndian: bigEndian, skip: skip)
        }
    }

    enum Encoding: Equatable {
        case utf8, utf8WithBOM
        case utf16(bigEndian: Bool, skip: Int)
        case utf32(bigEndian: Bool, skip: Int)
    }

    /// Python's `json.detect_encoding`: BOMs first, then the pattern of zero bytes.
    static func detectEncoding(_ b: [UInt8]) -> Encoding {
        if b.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return .utf32(bigEndian: true, skip: 4) }
        if b.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return .utf32(bigEndian: false, skip: 4) }
        if b.starts(with: [0xFE, 0xFF]) { return .utf16(bigEndian: true, skip: 2) }
        if b.starts(with: [0xFF, 0xFE]) { return .utf16(bigEndian: false, skip: 2) }
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { return .utf8WithBOM }
        if b.count >= 4 {
            if b[0] == 0 { return b[1] != 0 ? .utf16(bigEndian: true, skip: 0) : .utf32(bigEndian: true, skip: 0) }
            if b[1] == 0 {
                return b[2] != 0 || b[3] != 0 ? .utf16(bigEndian: false, skip: 0) : .utf32(bigEndian: false, skip: 0)
            }
        } else if b.count == 2 {
            if b[0] == 0 { return .utf16(bigEndian: true, skip: 0) }
            if b[1] == 0 { return .utf16(bigEndian: false, skip: 0) }
        }
        return .utf8
    }

    private static func undecodable(_ encoding: String) -> JSONSyntaxError {
        JSONSyntaxError(kind: .undecodable, message: "the body is not valid \(encoding) text", position: 0)
    }

    /// UTF-8 as Python's decoder with `surrogatepass` accepts it: well-formed sequences plus
    /// encoded surrogates (ED A0..BF xx).
    static func validateUTF8(_ b: [UInt8], from start: Int) throws(JSONSyntaxError) {
        var i = start
        let n = b.count
        while i < n {
            let lead = b[i]
            if lead < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEF: length = 3  // includes ED A0..BF: surrogates pass
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: throw undecodable("UTF-8")
            }
            guard i + length <= n, (low...high).contains(b[i + 1]) else { throw undecodable("UTF-8") }
            for k in 2..<length where b[i + k] & 0xC0 != 0x80 { throw undecodable("UTF-8") }
            i += length
        }
    }

    private static func transcode(_ b: [UInt8], width: Int, bigEndian: Bool, skip: Int) throws(JSONSyntaxError) -> [UInt8] {
        let name = width == 2 ? "UTF-16" : "UTF-32"
        guard (b.count - skip) % width == 0 else { throw undecodable(name) }
        var units: [UInt32] = []
        units.reserveCapacity((b.count - skip) / width)
        var i = skip
        while i < b.count {
            var unit: UInt32 = 0
            for k in 0..<width {
                let byte = UInt32(bigEndian ? b[i + k] : b[i + width - 1 - k])
                unit = unit << 8 | byte
            }
            units.append(unit)
            i += width
        }
        var out: [UInt8] = []
        out.reserveCapacity(units.count)
        var k = 0
        while k < units.count {
            var scalar = units[k]
            k += 1
            if width == 2, (0xD800...0xDBFF).contains(scalar), k < units.count, (0xDC00...0xDFFF).contains(units[k]) {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (units[k] - 0xDC00)
                k += 1
            }
            guard scalar <= 0x10FFFF else { throw undecodable(name) }
            appendWTF8(scalar, to: &out)
        }
        return out
    }

    /// Encodes a code point, surrogates included, as UTF-8 bytes.
    static func appendWTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// The character (code point) offset of byte offset `byteOffset` in well-formed (WTF-)8 text.
    static func characterOffset(_ text: [UInt8], byteOffset: Int) -> Int {
        var count = 0
        for i in 0..<min(byteOffset, text.count) where text[i] & 0xC0 != 0x80 { count += 1 }
        return count
    }
}
