import Glibc

/// The `Date` header value (RFC 9110 §5.6.7 IMF-fixdate), formatted at most once per second: every
/// response needs it, and formatting a date per request would cost more than the rest of the headers.
struct DateCache {
    private var second = -1
    private(set) var headerValue: [UInt8] = []

    /// `now` is the loop's cached time in seconds since the epoch.
    mutating func value(at now: Double) -> [UInt8] {
        let whole = Int(now)
        if whole != second {
            second = whole
            // Rewritten in place: the value handed out last second is not kept by anyone.
            headerValue.removeAll(keepingCapacity: true)
            Self.append(epochSeconds: whole, to: &headerValue)
        }
        return headerValue
    }

    static func format(epochSeconds: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        append(epochSeconds: epochSeconds, to: &bytes)
        return bytes
    }

    /// Appends e.g. `Sun, 06 Nov 1994 08:49:37 GMT` byte by byte (no String is built).
    private static func append(epochSeconds: Int, to bytes: inout [UInt8]) {
        var t = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days: StaticString = "SunMonTueWedThuFriSat"
        let months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"
        func name(_ table: StaticString, _ index: Int32) {
            let start = table.utf8Start + 3 * Int(index)
            for k in 0..<3 { bytes.append(start[k]) }
        }
        func digits(_ value: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        name(days, parts.tm_wday)
        bytes.append(contentsOf: ", ".utf8)
        digits(parts.tm_mday, 2)
        bytes.append(UInt8(ascii: " "))
        name(months, parts.tm_mon)
        bytes.append(UInt8(ascii: " "))
        digits(parts.tm_year + 1900, 4)
        bytes.append(UInt8(ascii: " "))
        digits(parts.tm_hour, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_min, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(parts.tm_sec, 2)
        bytes.append(contentsOf: " GMT".utf8)
    }
}
