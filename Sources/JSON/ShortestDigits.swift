/// The shortest round-trip digits of a positive finite Double, kept on the stack: Python's repr
/// takes them from here outside [1e-4, 1e16) (inside, from `ShortestDecimal`).
///
/// Swift's `description` prints them ("1.2345e-05", "12345.678", "1e+16": mantissa digits around
/// one '.', optionally an exponent), but as a String, which is allocated when longer than 15 bytes.
/// `Double.write(to:)` hands the same text to its stream's `_writeASCII` straight from its own
/// stack buffer, so gathering it in `Text` (a fixed 32 bytes) allocates nothing. Should a future
/// standard library call `write(_: String)` instead, the answer stays the same, only slower.
struct ShortestDigits {
    /// Swift's text of the value; the digits are `text[first..<end]` without its '.'.
    private var text = Text()
    private var first = 0
    private var end = 0
    /// How many digits, and the decimal point's position: value = 0.d1d2...dn × 10^pointPosition.
    private(set) var count = 0
    private(set) var pointPosition = 0

    init(_ value: Double) {
        value.write(to: &text)
        var mantissaEnd = text.count
        var exponent = 0
        for i in 0..<text.count where text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            mantissaEnd = i
            var k = i + 1
            var negative = false
            if k < text.count, text[k] == UInt8(ascii: "-") || text[k] == UInt8(ascii: "+") {
                negative = text[k] == UInt8(ascii: "-")
                k += 1
            }
            while k < text.count {
                exponent = exponent * 10 + Int(text[k] &- UInt8(ascii: "0"))
                k += 1
            }
            if negative { exponent = -exponent }
            break
        }
        var digitsBeforePoint = 0
        var seenPoint = false
        var point = -1
        for i in 0..<mantissaEnd {
            if text[i] == UInt8(ascii: ".") {
                seenPoint = true
                point = i
            } else if !seenPoint {
                digitsBeforePoint += 1
            }
        }
        // Leading zeros ("0.0001") move the point; trailing zeros ("45.0") are not digits.
        var start = 0
        var position = digitsBeforePoint + exponent
        while start < mantissaEnd, text[start] == UInt8(ascii: "0") || text[start] == UInt8(ascii: ".") {
            if text[start] == UInt8(ascii: "0") { position -= 1 }
            start += 1
        }
        var stop = mantissaEnd
        while stop > start, text[stop - 1] == UInt8(ascii: "0") || text[stop - 1] == UInt8(ascii: ".") { stop -= 1 }
        first = start
        end = stop
        pointPosition = position
        count = stop - start - (point > start && point < stop ? 1 : 0)
    }

    /// Appends digits `range` (0 is the first significant digit).
    func append(_ range: Range<Int>, to bytes: inout [UInt8]) {
        var index = 0
        var i = first
        while i < end && index < range.upperBound {
            let c = text[i]
            i += 1
            if c == UInt8(ascii: ".") { continue }
            if index >= range.lowerBound { bytes.append(c) }
            index += 1
        }
    }

    /// Up to 32 bytes of ASCII text on the stack (Swift's longest Double text is 24 bytes,
    /// "-2.2250738585072014e-308"), copied in whole (byte by byte cost more than Swift's own digit
    /// generation, callgrind: ~650 against ~460 instructions a value).
    struct Text: TextOutputStream {
        private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        private(set) var count = 0

        subscript(index: Int) -> UInt8 {
            withUnsafeBytes(of: storage) { $0[index] }
        }

        mutating func write(_ string: String) {
            var string = string
            string.withUTF8 { append($0) }
        }

        mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
            append(buffer)
        }

        /// Stores what fits of `text` (all of any Double's text) after what is stored.
        private mutating func append(_ text: UnsafeBufferPointer<UInt8>) {
            let taken = min(text.count, 32 - count)
            guard taken > 0, let source = text.baseAddress else { return }
            let start = count
            // The tuple's own 32 bytes, lent for the closure; `taken` keeps the copy inside them.
            withUnsafeMutableBytes(of: &storage) { storage in
                (storage.baseAddress! + start).copyMemory(from: source, byteCount: taken)
            }
            count += taken
        }
    }
}
