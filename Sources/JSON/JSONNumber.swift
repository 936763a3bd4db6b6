/// A JSON number as Python's `json` module reads it: an `int` when written without fraction or
/// exponent, a `float` otherwise (including the extras `NaN`, `Infinity`, `-Infinity`).
public enum JSONNumber: Sendable, Hashable {
    /// An integer literal that fits in 64 bits.
    case integer(Int64)
    /// An integer literal too large for 64 bits, kept as its decimal text (optional `-`, digits)
    /// so that it can be echoed exactly, as Python's arbitrary-precision `int` would be.
    case bigInteger(String)
    /// A literal with a fraction or exponent, or one of the constants, correctly rounded.
    case float(Double)

    /// The value as a Double: integers are converted with round-half-even, as Python's `float(int)`.
    public var doubleValue: Double {
        switch self {
        case .integer(let value): return Double(value)
        case .bigInteger(let digits): return Double(digits) ?? .nan
        case .float(let value): return value
        }
    }

    public var isInteger: Bool {
        if case .float = self { return false }
        return true
    }
}
