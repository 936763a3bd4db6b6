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
            headerValue = Self.format(epochSeconds: whole)
        }
        return headerValue
    }

    static func format(epochSeconds: Int) -> [UInt8] {
        var t = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let text = "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return Array(text.utf8)
    }
}
