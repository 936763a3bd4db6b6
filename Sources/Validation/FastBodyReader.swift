import JSON

/// The fast path: reads the one body shape that valid requests have, straight from the bytes,
/// with no intermediate JSON tree:
///
///     ws { ws "X" ws : ws [ ws row ( ws , ws row )* ws ] ws } ws
///     row = [ ws number ( ws , ws number ){n-1} ws ]
///
/// with JSON numbers (integers or floats) whose values are finite, and JSON's whitespace.
/// It answers nil for anything else — other keys, strings, NaN, wrong row lengths, errors of
/// any kind — and the caller then takes the general path, which accepts or rejects with
/// FastAPI's exact errors. So this reader never has to be right about an error, only about
/// the values it accepts, which must equal the general path's (the property test checks it).
struct FastBodyReader {
    let featureCount: Int

    func read(_ body: [UInt8]) -> FeatureMatrix? {
        var values: [Double] = []
        values.reserveCapacity(max(featureCount, Self.expectedValueCount(body)))
        return read(body, appendingTo: &values).map { FeatureMatrix(values: values, rowCount: $0, featureCount: featureCount) }
    }

    /// Reads the body's rows onto the end of `values` (a batch's rows, one request after another) and
    /// answers how many rows it read; nil, with `values` as it was, for a body it does not read.
    func read(_ body: [UInt8], appendingTo values: inout [Double]) -> Int? {
        let start = values.count
        var rowCount = 0
        // The buffer pointer lives only for this call; every read is checked against `end`.
        let accepted = body.withUnsafeBufferPointer { text -> Bool in
            let end = text.count
            var i = 0

            @inline(__always) func skipWhitespace() {
                while i < end {
                    let c = text[i]
                    guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
                    i &+= 1
                }
            }
            @inline(__always) func expect(_ byte: UInt8) -> Bool {
                skipWhitespace()
                guard i < end, text[i] == byte else { return false }
                i &+= 1
                return true
            }

            guard expect(UInt8(ascii: "{")), expect(UInt8(ascii: "\"")),
                  i + 2 <= end, text[i] == UInt8(ascii: "X"), text[i + 1] == UInt8(ascii: "\"") else { return false }
            i += 2
            guard expect(UInt8(ascii: ":")), expect(UInt8(ascii: "[")) else { return false }
            // A row's numbers are gathered here and appended to `values` at once: appending them one
            // by one checked the array's uniqueness and capacity for every number.
            let rowsRead = withUnsafeTemporaryAllocation(of: Double.self, capacity: featureCount) { row -> Bool in
                while true {
                    guard expect(UInt8(ascii: "[")) else { return false }
                    for column in 0..<featureCount {
                        if column > 0, !expect(UInt8(ascii: ",")) { return false }
                        skipWhitespace()
                        guard let value = Self.number(text, at: &i), value.isFinite else { return false }
                        row[column] = value
                    }
                    guard expect(UInt8(ascii: "]")) else { return false }
                    values.append(contentsOf: UnsafeBufferPointer(row))
                    rowCount += 1
                    skipWhitespace()
                    guard i < end else { return false }
                    if text[i] == UInt8(ascii: ",") {
                        i &+= 1
                        continue
                    }
                    guard text[i] == UInt8(ascii: "]") else { return false }
                    i &+= 1
                    return true
                }
            }
            guard rowsRead, expect(UInt8(ascii: "}")) else { return false }
            skipWhitespace()
            return i == end
        }
        guard accepted, rowCount > 0 else {
            values.removeSubrange(start...)
            return nil
        }
        return rowCount
    }

    /// How many numbers to reserve room for, so that a body's values are allocated once: a body of
    /// the shapes read here holds at most commas + 1 (one comma between any two numbers), counted
    /// eight bytes at a time (a pass costs a small part of reading the body). Past 64 KiB the
    /// reservation is at most one number per 8 bytes, and a larger body of numbers grows the array
    /// as it is read: a hostile body of commas alone must not reserve 8 bytes for each of its bytes.
    static func expectedValueCount(_ body: [UInt8]) -> Int {
        body.withUnsafeBufferPointer { expectedValueCount($0) }
    }

    /// `bytes` is borrowed for the call.
    static func expectedValueCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let count = bytes.count
        var commas = 0
        var i = 0
        let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        while count &- i >= 8 {
            // Eight bytes inside `bytes` (counted above), read unaligned. A comma's byte becomes
            // 0 under the XOR; a byte's top bit is then set by `nonzero` exactly when it is not 0
            // (no carry crosses bytes: each low-7-bit sum is at most 0xFE).
            let word = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self) ^ 0x2C2C_2C2C_2C2C_2C2C
            let nonzero = ((word & lowBits) &+ lowBits) | word
            commas &+= (~nonzero & ~lowBits).nonzeroBitCount
            i &+= 8
        }
        while i < count {
            if bytes[i] == UInt8(ascii: ",") { commas &+= 1 }
            i &+= 1
        }
        return bytes.count <= 64 * 1024 ? commas &+ 1 : min(commas &+ 1, bytes.count / 8)
    }

    /// The JSON number at `i` as Python's validation reads it (`DecimalText.number`, which says what
    /// it accepts): `-0` is a Python int, and int zero has no sign, so it validates to 0.0, not -0.0.
    @inline(__always)
    static func number(_ text: UnsafeBufferPointer<UInt8>, at i: inout Int) -> Double? {
        guard let number = DecimalText.number(text, at: &i) else { return nil }
        return number.isInteger && number.value == 0 ? 0 : number.value
    }
}
