/// Writes JSON exactly as FastAPI's `JSONResponse` renders it: Python's
/// `json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))`. evserve's one
/// JSON writer: response bodies, error details, the OpenAPI document and model files all use it.
///
/// One deliberate difference: where Python would fail (`allow_nan=False` meets NaN or an
/// infinity, and FastAPI answers a plain-text 500), the non-finite number is written as the
/// string "NaN", "Infinity" or "-Infinity", as pydantic's `ser_json_inf_nan="strings"` does, so
/// the answer stays valid JSON.
public enum JSONWriter {
    public static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
        case .bool(let flag):
            out.append(contentsOf: flag ? Array("true".utf8) : Array("false".utf8))
        case .number(let number):
            appendNumber(number, to: &out)
        case .string(let string):
            appendString(string, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for index in 0..<object.count {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(object.keys[index], to: &out)
                out.append(UInt8(ascii: ":"))
                append(object.values[index], to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func appendNumber(_ number: JSONNumber, to out: inout [UInt8]) {
        switch number {
        case .integer(let value):
            out.append(contentsOf: Array(String(value).utf8))
        case .bigInteger(let digits):
            out.append(contentsOf: Array(digits.utf8))
        case .float(let value):
            appendFloat(value, to: &out)
        }
    }

    public static func appendFloat(_ value: Double, to out: inout [UInt8]) {
        if value.isFinite {
            PythonFloat.append(value, to: &out)
        } else {
            appendString(value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity", to: &out)
        }
    }

    /// `value` as compact JSON text.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    /// A JSON string literal (quotes included), escaped as below.
    public static func string(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        appendString(text, to: &out)
        return out
    }

    /// `ensure_ascii=False`: only `"`, `\` and control characters below U+0020 are escaped,
    /// with Python's short escapes where it has them and `\u00XX` (lowercase hex) otherwise.
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
