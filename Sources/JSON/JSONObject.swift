/// A JSON object with Python `dict` semantics: keys in first-appearance order, and a key that
/// appears again replaces the value but keeps its first position (`{"a":1,"b":2,"a":3}` reads as
/// `{"a": 3, "b": 2}`).
public struct JSONObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []
    // Only built once an object grows past a few keys: small objects are scanned linearly.
    private var positions: [String: Int] = [:]

    private static let linearScanLimit = 8

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The pairs in Python's iteration order.
    public var pairs: [(key: String, value: JSONValue)] {
        Array(zip(keys, values)).map { (key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { values[$0] } }
        set {
            if let index = position(of: key) {
                if let newValue { values[index] = newValue } else { remove(at: index) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
                if !positions.isEmpty {
                    positions[key] = keys.count - 1
                } else if keys.count > Self.linearScanLimit {
                    for (index, existing) in keys.enumerated() { positions[existing] = index }
                }
            }
        }
    }

    private func position(of key: String) -> Int? {
        if !positions.isEmpty { return positions[key] }
        return keys.firstIndex(of: key)
    }

    private mutating func remove(at index: Int) {
        keys.remove(at: index)
        values.remove(at: index)
        positions = [:]
        if keys.count > Self.linearScanLimit {
            for (index, existing) in keys.enumerated() { positions[existing] = index }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }
}
