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
        let commas = body.withUnsafeBufferPointer { bytes in
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
            return commas
        }
        return body.count <= 64 * 1024 ? commas &+ 1 : min(commas &+ 1, body.count / 8)
    }

    /// A JSON number at `i` (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`), correctly rounded.
    /// A number must end at a delimiter, so text like `1.` or `01` is refused here (the general
    /// parser then reports it). The digits are collected as the grammar is checked, so the text is
    /// read once; past 19 digits or a huge exponent, `DecimalText` converts the text.
    ///
    /// One pass, with little set up per number: the integer part byte by byte (it is short in
    /// practice: feature values), the fraction eight digits a step where it is long (a float's
    /// 17 digits). Up to 19 digits, leading zeros included, fit the mantissa (10^19 - 1 < 2^64),
    /// so their count says the mantissa is exact; more (rare) go to `DecimalText`'s conversion of
    /// the text, exact for any number. (`DecimalText.Digits` did the same with a digit-by-digit
    /// check and eight-digit attempts in the integer part too: `ValidationBench` 433 -> 407 ns for
    /// the Boston 2x13 body, 683 -> 656 ns for the 17-digit one, 320 -> 312 us for 1000 rows.)
    @inline(__always)
    static func number(_ text: UnsafeBufferPointer<UInt8>, at i: inout Int) -> Double? {
        let start = i
        let end = text.count
        var k = i
        let negative = k < end && text[k] == UInt8(ascii: "-")
        if negative { k &+= 1 }
        guard k < end else { return nil }
        var digit = text[k] &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        var mantissa = UInt64(digit)
        /// Takes the run of digits at `k` into the mantissa, one at a time.
        @inline(__always) func takeDigits() {
            while k < end {
                let digit = text[k] &- UInt8(ascii: "0")
                guard digit < 10 else { return }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                k &+= 1
            }
        }
        let integerStart = k
        k &+= 1
        // A leading 0 stands alone (a digit after it is refused below, where the number must end).
        if digit != 0 { takeDigits() }
        var digitCount = k &- integerStart
        var exponent = 0
        var isInteger = true
        if k < end, text[k] == UInt8(ascii: ".") {
            isInteger = false
            k &+= 1
            let fractionStart = k
            // Eight digits a step while they fit the mantissa (below 10^11 before, so below 10^19
            // after: no digit is lost), then one at a time.
            while end &- k >= 8, mantissa < 100_000_000_000 {
                // Eight bytes inside `text` (checked just above), read unaligned; the first is the lowest.
                let word = UInt64(littleEndian: UnsafeRawPointer(text.baseAddress! + k).loadUnaligned(as: UInt64.self))
                guard let value = DecimalText.eightDigits(word) else { break }
                mantissa = mantissa &* 100_000_000 &+ value
                k &+= 8
            }
            takeDigits()
            let fractionDigits = k &- fractionStart
            guard fractionDigits > 0 else { return nil }
            digitCount &+= fractionDigits
            exponent = -fractionDigits
        }
        var exact = digitCount <= 19
        if k < end, text[k] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            k &+= 1
            var exponentNegative = false
            if k < end, text[k] == UInt8(ascii: "+") || text[k] == UInt8(ascii: "-") {
                exponentNegative = text[k] == UInt8(ascii: "-")
                k &+= 1
            }
            guard k < end, text[k] &- UInt8(ascii: "0") < 10 else { return nil }
            var written = 0
            while k < end {
                digit = text[k] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if written > 100_000 { exact = false } else { written = written &* 10 &+ Int(digit) }
                k &+= 1
            }
            exponent &+= exponentNegative ? -written : written
        }
        // What follows must end the number; anything else (a digit after a leading 0, a letter)
        // is for the general parser to judge.
        if k < end {
            let c = text[k]
            guard c == UInt8(ascii: ",") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
            else { return nil }
        }
        i = k
        let value: Double
        if exact, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            // Clinger's fast path (as in `DecimalText.double(mantissa:exponent:negative:)`), here
            // rather than in a call: nearly every number of a request takes it.
            let magnitude = exponent < 0 ? Double(mantissa) / DecimalText.exactPowerOfTen(-exponent)
                                         : Double(mantissa) * DecimalText.exactPowerOfTen(exponent)
            value = negative ? -magnitude : magnitude
        } else {
            value = (exact ? DecimalText.double(mantissa: mantissa, exponent: exponent, negative: negative) : nil)
                ?? DecimalText.double(text, from: start, to: k)
        }
        // `-0` is a Python int, and int zero has no sign: it validates to 0.0, not -0.0.
        return isInteger && value == 0 ? 0 : value
    }
}
