/// Literals for documents written in code (the OpenAPI document, metadata bodies): a Swift
/// dictionary literal keeps its order, so `["openapi": "3.1.0", "info": [...]]` writes its keys in
/// the order they are read, as FastAPI's documents do.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .number(.integer(value)) }
    public init(floatLiteral value: Double) { self = .number(.float(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }

    /// A whole number (JSON has one number type; Python writes an int without a fraction).
    public static func integer(_ value: Int) -> JSONValue { .number(.integer(Int64(value))) }
    /// A float, written as Python's `repr` writes it (`45.0`, `1e-05`).
    public static func float(_ value: Double) -> JSONValue { .number(.float(value)) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
