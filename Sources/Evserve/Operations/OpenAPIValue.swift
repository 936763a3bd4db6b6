import Validation
/// A JSON value as the OpenAPI document needs it: objects keep their key order, so the document
/// reads top-down like FastAPI's (openapi, info, paths, components) and its bytes are stable.
///
/// The project's `JSON` module parses requests; this type only writes, once at start-up, and
/// stays here so the operations files depend on nothing but the standard library.
indirect enum OpenAPIValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case array([OpenAPIValue])
    case object([(String, OpenAPIValue)])

    static func == (lhs: OpenAPIValue, rhs: OpenAPIValue) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The member named `key` of an object (first match), or nil.
    subscript(key: String) -> OpenAPIValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// Compact JSON text, UTF-8.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(into: &out)
        return out
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case let .string(s): Self.writeString(s, into: &out)
        case let .integer(i): out.append(contentsOf: String(i).utf8)
        case let .number(d):
            // JSON has no NaN or Infinity; the document only holds finite example values.
            precondition(d.isFinite, "OpenAPI numbers must be finite")
            // Swift's description is the shortest text that reads back to the same Double.
            out.append(contentsOf: d.description.utf8)
        case let .bool(b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Strings are escaped as FastAPI's responses escape them (the one JSON string writer evserve has).
    private static func writeString(_ s: String, into out: inout [UInt8]) {
        PythonJSONWriter.appendString(s, to: &out)
    }
}
