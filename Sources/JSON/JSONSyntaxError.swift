/// Why a text is not JSON, reported as Python's `json.loads` reports it.
///
/// `message` is `JSONDecodeError.msg` ("Expecting value", "Expecting ',' delimiter", ...) and
/// `position` is `JSONDecodeError.pos`: an offset in characters (code points) of the decoded text,
/// not in bytes, because FastAPI puts exactly that number into its `json_invalid` error.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A `json.JSONDecodeError`: FastAPI answers 422 `json_invalid`.
        case syntax
        /// The bytes are not text in the detected encoding, the integer is longer than Python's
        /// 4300-digit limit, or nesting is too deep: Python raises a plain `ValueError` (or
        /// `RecursionError`), which FastAPI answers with 400 "There was an error parsing the body".
        case undecodable
    }

    public let kind: Kind
    public let message: String
    public let position: Int
    /// Line and column as Python computes them (1-based) for its `str(error)`.
    public let line: Int
    public let column: Int

    public init(kind: Kind = .syntax, message: String, position: Int, line: Int = 1, column: Int? = nil) {
        self.kind = kind
        self.message = message
        self.position = position
        self.line = line
        self.column = column ?? position + 1
    }

    /// Python's `str(JSONDecodeError)`: "Expecting value: line 1 column 1 (char 0)".
    public var description: String {
        kind == .syntax ? "\(message): line \(line) column \(column) (char \(position))" : message
    }
}
