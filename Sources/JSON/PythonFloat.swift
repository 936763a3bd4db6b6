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
        // Swift's description also prints the shortest round-tripping digits. From 1e-4 up to 1e16
        // both write them the same way, in fixed notation (`0.0001`, `45.0`, `26.405904333707795`),
        // the range nearly every prediction falls in: then Swift's text is copied as it is. Should
        // Swift choose an exponent there, the layout below is used instead.
        if value.magnitude >= 1e-4 && value.magnitude < 1e16 {
            var text = ShortestDigits.Text()
            value.write(to: &text)
            if !text.containsExponent {
                text.append(to: &bytes)
                return
            }
        }
        // Elsewhere only the layout differs from Python's: take Swift's digits and exponent and lay
        // them out again.
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

    /// Python's `repr(value)` as a String.
    public static func repr(_ value: Double) -> String {
        var bytes: [UInt8] = []
        append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
