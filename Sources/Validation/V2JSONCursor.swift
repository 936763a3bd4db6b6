/// A position in a JSON body for `V2FastRequestReader`: the few tokens it reads, each answering
/// nil or false (not an error) for anything outside the narrow forms it accepts.
///
/// `text` is borrowed from the body's `withUnsafeBufferPointer` call and must not outlive it; every
/// read is checked against `text.count`.
struct V2JSONCursor {
    let text: UnsafeBufferPointer<UInt8>
    var i: Int

    init(text: UnsafeBufferPointer<UInt8>, at start: Int = 0) {
        self.text = text
        self.i = start
    }

    /// JSON's whitespace: space, LF, CR and tab.
    mutating func skipWhitespace() {
        while i < text.count {
            let c = text[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// `byte` after optional whitespace, stepped over when there.
    mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard i < text.count, text[i] == byte else { return false }
        i += 1
        return true
    }

    mutating func atEndAfterWhitespace() -> Bool {
        skipWhitespace()
        return i == text.count
    }

    /// The literal `null`, stepped over when it is next.
    mutating func takeNull() -> Bool {
        guard i + 4 <= text.count, text[i] == UInt8(ascii: "n"), text[i + 1] == UInt8(ascii: "u"),
              text[i + 2] == UInt8(ascii: "l"), text[i + 3] == UInt8(ascii: "l") else { return false }
        i += 4
        return true
    }

    /// A string (after optional whitespace) of printable ASCII without escapes: the range of its
    /// contents. Escapes, control characters and non-ASCII text give nil (the general path reads them).
    mutating func plainString() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = i
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return start..<i - 1
            }
            guard c >= 0x20, c < 0x7F, c != UInt8(ascii: "\\") else { return nil }
            i += 1
        }
        return nil
    }

    /// Whether the text at `range` is `expected`'s bytes. Keys and names are compared on every request:
    /// through a String's or an array's own buffer, not element by element through their generic
    /// collection views (which cost several times the compare).
    func bytes(_ range: Range<Int>, equal expected: String) -> Bool {
        var expected = expected
        // A literal's or native String's bytes are contiguous: `withUTF8` copies nothing for them.
        return expected.withUTF8 { bytes(range, equal: $0) }
    }

    /// For the keys, literals all: their bytes are read in place, with none of a String's checks.
    func bytes(_ range: Range<Int>, equalKey expected: StaticString) -> Bool {
        // `withUTF8Buffer` lends the literal's bytes (kept in the binary) whichever way it is stored.
        expected.withUTF8Buffer { bytes(range, equal: $0) }
    }

    func bytes(_ range: Range<Int>, equal expected: [UInt8]) -> Bool {
        expected.withUnsafeBufferPointer { bytes(range, equal: $0) }
    }

    /// `expected` is borrowed for the call.
    private func bytes(_ range: Range<Int>, equal expected: UnsafeBufferPointer<UInt8>) -> Bool {
        guard range.count == expected.count else { return false }
        var k = 0
        while k < expected.count {
            guard text[range.lowerBound + k] == expected[k] else { return false }
            k += 1
        }
        return true
    }

    /// The text of a `plainString` range (ASCII, so UTF-8 decoding is exact).
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self)
    }

    /// A non-negative integer literal of at most 18 digits (no sign, fraction or exponent).
    mutating func count() -> Int? {
        skipWhitespace()
        guard i < text.count, text[i] != UInt8(ascii: "-"), let value = integer() else { return nil }
        return Int(value)
    }

    /// An integer literal (`-?(0|[1-9][0-9]*)`) of at most 18 digits, ending where a number in an
    /// array ends; a fraction, an exponent, a leading zero or more digits give nil.
    mutating func integer() -> Int64? {
        var k = i
        let negative = k < text.count && text[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        let digitsStart = k
        var value: Int64 = 0
        while k < text.count, text[k] &- UInt8(ascii: "0") < 10 {
            guard k - digitsStart < 18 else { return nil }
            value = value * 10 + Int64(text[k] &- UInt8(ascii: "0"))
            k += 1
        }
        guard k > digitsStart, k < text.count else { return nil }
        if text[digitsStart] == UInt8(ascii: "0"), k - digitsStart > 1 { return nil }
        let next = text[k]
        guard next == UInt8(ascii: ",") || next == UInt8(ascii: "]") || next == 0x20 || next == 0x0A
              || next == 0x0D || next == 0x09 else { return nil }
        i = k
        return negative ? -value : value
    }

    /// Steps over an array (after optional whitespace) that holds no array, object or string.
    mutating func skipFlatArray() -> Bool {
        guard take(UInt8(ascii: "[")) else { return false }
        while i < text.count {
            let c = text[i]
            i += 1
            if c == UInt8(ascii: "]") { return true }
            guard c != UInt8(ascii: "["), c != UInt8(ascii: "{"), c != UInt8(ascii: "\"") else { return false }
        }
        return false
    }
}
