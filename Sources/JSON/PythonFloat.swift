/// Writes a Double as Python's `repr(float)` does, which is also what `json.dumps` writes:
/// the shortest digits that read back to the same Double, in fixed notation when the decimal
/// exponent is in [-4, 16) (`45.0`, `0.0001`, `1234567890123456.0`), in exponent notation
/// otherwise (`1e-05`, `1e+16`, `1.5e+300`).
public enum PythonFloat {
    /// Appends `repr(value)`. Non-finite values get Python's `repr` too (`nan`, `inf`, `-inf`),
    /// which is not JSON: callers writing JSON must deal with them first.
    public static func append(_ value: Double, to bytes: inout [UInt8]) {
        guard value.isFinite else {
            bytes.append(contentsOf: value.isNaN ? Array("nan".utf8) : value < 0 ? Array("-inf".utf8) : Array("inf".utf8))
            return
        }
        if value == 0 {
            bytes.append(contentsOf: value.sign == .minus ? Array("-0.0".utf8) : Array("0.0".utf8))
            return
        }
        // Swift's description also prints the shortest round-tripping digits; only the layout
        // differs from Python's, so take its digits and exponent and lay them out again.
        let (digits, pointPosition) = shortestDigits(value.magnitude)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let count = digits.count
        if pointPosition > -4 && pointPosition <= 16 {
            if pointPosition <= 0 {
                bytes.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")])
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -pointPosition))
                bytes.append(contentsOf: digits)
            } else if pointPosition >= count {
                bytes.append(contentsOf: digits)
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: pointPosition - count))
                bytes.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")])
            } else {
                bytes.append(contentsOf: digits[..<pointPosition])
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: digits[pointPosition...])
            }
        } else {
            bytes.append(digits[0])
            if count > 1 {
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: digits[1...])
            }
            let exponent = pointPosition - 1
            bytes.append(UInt8(ascii: "e"))
            bytes.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            if exponent.magnitude < 10 { bytes.append(UInt8(ascii: "0")) }
            bytes.append(contentsOf: Array(String(exponent.magnitude).utf8))
        }
    }

    /// Python's `repr(value)` as a String.
    public static func repr(_ value: Double) -> String {
        var bytes: [UInt8] = []
        append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The shortest round-trip digits of a positive finite `value` (no leading or trailing zeros)
    /// and the decimal point position: value = 0.d1d2...dn × 10^pointPosition.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], pointPosition: Int) {
        // `description` is "1.2345e-05", "12345.678" or "1e+16": mantissa digits around one '.',
        // optionally followed by an exponent.
        let text = Array(value.description.utf8)
        var digits: [UInt8] = []
        var digitsBeforePoint = 0
        var seenPoint = false
        var exponent = 0
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                seenPoint = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[(i + 1)...], as: UTF8.self)) ?? 0
                break
            } else {
                digits.append(c)
                if !seenPoint { digitsBeforePoint += 1 }
            }
            i += 1
        }
        var pointPosition = digitsBeforePoint + exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, pointPosition)
    }
}
