/// A parsed JSON document, shaped the way Python's `json.loads` sees it.
///
/// Objects keep their keys in first-appearance order and a repeated key keeps its last value,
/// as a Python `dict` built by `json.loads` does. Numbers remember whether they were written as
/// integers, because pydantic echoes `1` and `1.0` differently in its error `input`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// Parses a complete JSON text (bytes as received: UTF-8, or UTF-16/32 detected as Python does).
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try JSONParser.parse(bytes)
    }

    /// Parses a complete JSON text given as a Swift string.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as a Double (integers converted with correct rounding), nil for non-numbers.
    public var doubleValue: Double? {
        if case .number(let number) = self { return number.doubleValue }
        return nil
    }

    /// The number as an Int when it was written as an integer that fits, else nil.
    public var intValue: Int? {
        if case .number(.integer(let value)) = self { return Int(exactly: value) }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The value of `key` when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The element at `index` when this is an array long enough.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// Every element as an Int, when this is an array of integers that fit.
    public var intArray: [Int]? {
        guard case .array(let elements) = self else { return nil }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let value = element.intValue else { return nil }
            result.append(value)
        }
        return result
    }

    /// Every element as a Double, when this is an array of numbers only.
    public var doubleArray: [Double]? {
        guard case .array(let elements) = self else { return nil }
        var result: [Double] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let value = element.doubleValue else { return nil }
            result.append(value)
        }
        return result
    }
}
