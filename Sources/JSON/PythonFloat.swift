/// Writes a Double as Python's `repr(float)` does, which is also what `json.dumps` writes:
/// the shortest digits that read back to the same Double, in fixed notation when the decimal
/// exponent is in [-4, 16) (`45.0`, `0.0001`, `1234567890123456.0`), in exponent notation
/// otherwise (`1e-05`, `1e+16`, `1.5e+300`).
public enum PythonFloat {
    /// Appends `repr(value)`. Non-finite values get Python's `repr` too (`nan`, `inf`, `-inf`),
    /// which is not JSON: callers writing JSON must deal with them first. Allocates nothing beyond
    /// `bytes`' own growth: responses write one of these per prediction.
    public static func append(_ value: Double, to bytes: inout [UInt8]) {
        guard value.isFinite else {
            bytes.append(contentsOf: (value.isNaN ? "nan" : value < 0 ? "-inf" : "inf").utf8)
            return
        }
        if value == 0 {
            bytes.append(contentsOf: (value.sign == .minus ? "-0.0" : "0.0").utf8)
            return
        }
        // From 1e-4 up to 1e16, the range nearly every prediction falls in, Python writes fixed
        // notation (`0.0001`, `45.0`, `26.405904333707795`) of digits worked out here.
        if value.magnitude >= 1e-4 && value.magnitude < 1e16 {
            appendFixed(ShortestDecimal(value.magnitude), negative: value < 0, to: &bytes)
            return
        }
        // Elsewhere Swift's own digits, laid out as Python lays them out.
        let digits = ShortestDigits(value.magnitude)
        let pointPosition = digits.pointPosition
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let count = digits.count
        if pointPosition > -4 && pointPosition <= 16 {
            if pointPosition <= 0 {
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "."))
                for _ in 0..<(-pointPosition) { bytes.append(UInt8(ascii: "0")) }
                digits.append(0..<count, to: &bytes)
            } else if pointPosition >= count {
                digits.append(0..<count, to: &bytes)
                for _ in 0..<(pointPosition - count) { bytes.append(UInt8(ascii: "0")) }
                bytes.append(UInt8(ascii: "."))
                bytes.append(UInt8(ascii: "0"))
            } else {
                digits.append(0..<pointPosition, to: &bytes)
                bytes.append(UInt8(ascii: "."))
                digits.append(pointPosition..<count, to: &bytes)
            }
        } else {
            digits.append(0..<1, to: &bytes)
            if count > 1 {
                bytes.append(UInt8(ascii: "."))
                digits.append(1..<count, to: &bytes)
            }
            let exponent = pointPosition - 1
            bytes.append(UInt8(ascii: "e"))
            bytes.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            // Python writes at least two exponent digits; a Double's exponent has at most three.
            let magnitude = exponent.magnitude
            if magnitude >= 100 { bytes.append(UInt8(ascii: "0") + UInt8(magnitude / 100)) }
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / 10 % 10))
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
        }
    }

    /// `±digits × 10^exponent` in fixed notation, as Python writes it: `0.000123`, `45.0`, `26.4059`.
    /// The text is put together on the stack and appended at once: the digits are written from the
    /// right, ending at byte 40 of 64, then the point and zeros around them (at most 3 zeros and
    /// `-0.` in front, 15 zeros and `.0` behind).
    static func appendFixed(_ decimal: ShortestDecimal, negative: Bool, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            var end = 40
            var start = end
            var rest = decimal.digits
            let pairs = Self.digitPairs.utf8Start
            while rest >= 100 {
                let (next, pair) = rest.quotientAndRemainder(dividingBy: 100)
                start -= 2
                buffer[start] = pairs[2 * Int(pair)]
                buffer[start + 1] = pairs[2 * Int(pair) + 1]
                rest = next
            }
            if rest >= 10 {
                start -= 2
                buffer[start] = pairs[2 * Int(rest)]
                buffer[start + 1] = pairs[2 * Int(rest) + 1]
            } else {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest)
            }
            let count = end - start
            // The digits before the point: value = 0.digits × 10^point.
            let point = count + decimal.exponent
            if point <= 0 {
                for _ in 0..<(-point) { start -= 1; buffer[start] = UInt8(ascii: "0") }
                start -= 2
                buffer[start] = UInt8(ascii: "0")
                buffer[start + 1] = UInt8(ascii: ".")
            } else if point >= count {
                for _ in 0..<(point - count) { buffer[end] = UInt8(ascii: "0"); end += 1 }
                buffer[end] = UInt8(ascii: ".")
                buffer[end + 1] = UInt8(ascii: "0")
                end += 2
            } else {
                // The digits before the point move one place left, to make room for it.
                for i in start..<(start + point) { buffer[i - 1] = buffer[i] }
                start -= 1
                buffer[start + point] = UInt8(ascii: ".")
            }
            if negative { start -= 1; buffer[start] = UInt8(ascii: "-") }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<end]))
        }
    }

    /// "00", "01", ... "99": two digits at a time.
    private static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Python's `repr(value)` as a String.
    public static func repr(_ value: Double) -> String {
        var bytes: [UInt8] = []
        append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
