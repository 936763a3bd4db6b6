import JSON

/// Universal Binary JSON (ubjson.org, draft 12), as XGBoost writes its `.ubj` models, read into the
/// same `JSONValue` a JSON model file gives, so one XGBoost reader serves both. Big-endian numbers;
/// objects and arrays with or without a `#` count, arrays with a `$` element type (XGBoost's node
/// arrays: float32, int32, int64, uint8). Typed float32 values become the Double of that float, so
/// they read back exactly.
///
/// Hostile input: every count is checked against the bytes left before anything is allocated (an
/// element takes at least one byte, a typed one its size), nesting is capped, and any inconsistency
/// is a `ModelFileError.malformed` naming the byte offset.
struct UBJSONReader {
    private let bytes: [UInt8]
    private var offset = 0
    private var depth = 0
    static let maxDepth = 64

    static func read(_ bytes: [UInt8]) throws(ModelFileError) -> JSONValue {
        var reader = UBJSONReader(bytes: bytes)
        let value = try reader.value(marker: try reader.byte())
        guard reader.offset == bytes.count else { throw reader.failure("extra bytes after the top-level value") }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private func failure(_ reason: String) -> ModelFileError {
        .malformed(format: "UBJSON", reason: "\(reason) at byte \(offset)")
    }

    private mutating func byte() throws(ModelFileError) -> UInt8 {
        guard offset < bytes.count else { throw failure("unexpected end of data") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// `size` bytes as a big-endian unsigned number.
    private mutating func bigEndian(_ size: Int) throws(ModelFileError) -> UInt64 {
        guard bytes.count - offset >= size else { throw failure("unexpected end of data") }
        var result: UInt64 = 0
        for i in 0..<size { result = result << 8 | UInt64(bytes[offset + i]) }
        offset += size
        return result
    }

    private mutating func value(marker: UInt8) throws(ModelFileError) -> JSONValue {
        switch marker {
        case UInt8(ascii: "Z"): return .null
        case UInt8(ascii: "T"): return .bool(true)
        case UInt8(ascii: "F"): return .bool(false)
        case UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "I"), UInt8(ascii: "l"), UInt8(ascii: "L"):
            return .number(.integer(try integer(marker: marker)))
        case UInt8(ascii: "d"): return .number(.float(Double(Float(bitPattern: UInt32(try bigEndian(4))))))
        case UInt8(ascii: "D"): return .number(.float(Double(bitPattern: try bigEndian(8))))
        case UInt8(ascii: "C"): return .string(String(decoding: [try byte()], as: UTF8.self))
        case UInt8(ascii: "S"): return .string(try string())
        case UInt8(ascii: "H"):
            let text = try string()
            guard let number = Double(text) else { throw failure("high-precision number \"\(text.prefix(40))\" is not a number") }
            return .number(.float(number))
        case UInt8(ascii: "["): return try nested { (r: inout UBJSONReader) throws(ModelFileError) in try r.array() }
        case UInt8(ascii: "{"): return try nested { (r: inout UBJSONReader) throws(ModelFileError) in try r.object() }
        default: throw failure("unknown type marker 0x\(String(marker, radix: 16))")
        }
    }

    private mutating func nested(_ body: (inout UBJSONReader) throws(ModelFileError) -> JSONValue) throws(ModelFileError) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth)") }
        return try body(&self)
    }

    private mutating func integer(marker: UInt8) throws(ModelFileError) -> Int64 {
        switch marker {
        case UInt8(ascii: "i"): return Int64(Int8(bitPattern: UInt8(try bigEndian(1))))
        case UInt8(ascii: "U"): return Int64(try bigEndian(1))
        case UInt8(ascii: "I"): return Int64(Int16(bitPattern: UInt16(try bigEndian(2))))
        case UInt8(ascii: "l"): return Int64(Int32(bitPattern: UInt32(try bigEndian(4))))
        case UInt8(ascii: "L"): return Int64(bitPattern: try bigEndian(8))
        default: throw failure("expected an integer type marker, found 0x\(String(marker, radix: 16))")
        }
    }

    /// A length or count: an integer of any width, at least 0, and no more elements of `size` bytes
    /// than the data holds after it.
    private mutating func count(elementSize size: Int, what: String) throws(ModelFileError) -> Int {
        let n = try integer(marker: try byte())
        guard n >= 0, n <= Int64((bytes.count - offset) / size) else {
            throw failure("\(what) \(n) is negative or longer than the rest of the data")
        }
        return Int(n)
    }

    private mutating func string() throws(ModelFileError) -> String {
        let length = try count(elementSize: 1, what: "string length")
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }

    /// The bytes one element of a `$`-typed container takes (0 for the value-less markers).
    private func elementSize(_ type: UInt8) throws(ModelFileError) -> Int {
        switch type {
        case UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "C"): return 1
        case UInt8(ascii: "I"): return 2
        case UInt8(ascii: "l"), UInt8(ascii: "d"): return 4
        case UInt8(ascii: "L"), UInt8(ascii: "D"): return 8
        case UInt8(ascii: "Z"), UInt8(ascii: "T"), UInt8(ascii: "F"): return 0
        // Strings and containers have a length of their own: at least one byte each.
        case UInt8(ascii: "S"), UInt8(ascii: "H"), UInt8(ascii: "["), UInt8(ascii: "{"): return 1
        default: throw failure("unknown element type marker 0x\(String(type, radix: 16))")
        }
    }

    /// After `[` or `{`: an optional `$type` (which then needs a `#count`) and an optional `#count`.
    private mutating func header() throws(ModelFileError) -> (type: UInt8?, count: Int?) {
        var type: UInt8? = nil
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "$") {
            offset += 1
            type = try byte()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "#") else { throw failure("a typed container needs a count (#)") }
        }
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "#") else { return (nil, nil) }
        offset += 1
        // A typed element of size 0 (null, true, false) would let a tiny file claim a huge array.
        let size = try type.map { (t: UInt8) throws(ModelFileError) in try elementSize(t) } ?? 1
        guard size > 0 else { throw failure("typed containers of null or booleans are not supported") }
        let n = try count(elementSize: size, what: "element count")
        return (type, n)
    }

    /// The next element's marker: the container's `$` type, or the one in the data.
    private mutating func marker(_ type: UInt8?) throws(ModelFileError) -> UInt8 {
        if let type { return type }
        return try byte()
    }

    private mutating func array() throws(ModelFileError) -> JSONValue {
        let (type, count) = try header()
        var elements = [JSONValue]()
        if let count {
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try value(marker: try marker(type))) }
            return .array(elements)
        }
        while true {
            let marker = try byte()
            if marker == UInt8(ascii: "]") { return .array(elements) }
            if marker == UInt8(ascii: "N") { continue }
            elements.append(try value(marker: marker))
        }
    }

    private mutating func object() throws(ModelFileError) -> JSONValue {
        let (type, count) = try header()
        var object = JSONObject()
        if let count {
            for _ in 0..<count {
                let key = try string()
                object[key] = try value(marker: try marker(type))
            }
            return .object(object)
        }
        while true {
            guard offset < bytes.count else { throw failure("unexpected end of data in an object") }
            if bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .object(object)
            }
            if bytes[offset] == UInt8(ascii: "N") {
                offset += 1
                continue
            }
            let key = try string()
            object[key] = try value(marker: try byte())
        }
    }
}
