import Glibc

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7), the `Date` header's value.
/// It is always 29 bytes, so it is held inline: every response copies it without an array to
/// reference-count (an array cost a retain and a release a response).
struct HTTPDate: Equatable {
    static let length = 29
    /// The 29 bytes, then three zeros.
    private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(epochSeconds: Int) {
        var t = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        withUnsafeMutableBytes(of: &storage) { bytes in
            var at = 0
            func put(_ byte: UInt8) {
                bytes[at] = byte
                at += 1
            }
            func name(_ table: StaticString, _ index: Int32) {
                for k in 0..<3 { put(table.utf8Start[3 * Int(index) + k]) }
            }
            func digits(_ value: Int32, _ count: Int) {
                var divisor: Int32 = 1
                for _ in 1..<count { divisor *= 10 }
                while divisor > 0 {
                    put(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                    divisor /= 10
                }
            }
            name("SunMonTueWedThuFriSat", parts.tm_wday)
            put(UInt8(ascii: ","))
            put(UInt8(ascii: " "))
            digits(parts.tm_mday, 2)
            put(UInt8(ascii: " "))
            name("JanFebMarAprMayJunJulAugSepOctNovDec", parts.tm_mon)
            put(UInt8(ascii: " "))
            digits(parts.tm_year + 1900, 4)
            put(UInt8(ascii: " "))
            digits(parts.tm_hour, 2)
            put(UInt8(ascii: ":"))
            digits(parts.tm_min, 2)
            put(UInt8(ascii: ":"))
            digits(parts.tm_sec, 2)
            for byte in " GMT".utf8 { put(byte) }
            precondition(at == Self.length, "an IMF-fixdate of a four-digit year is 29 bytes")
        }
    }

    /// Calls `body` with the 29 bytes.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        withUnsafeBytes(of: storage) { body(UnsafeRawBufferPointer(rebasing: $0[0..<Self.length])) }
    }

    var text: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    static func == (a: HTTPDate, b: HTTPDate) -> Bool {
        a.storage.0 == b.storage.0 && a.storage.1 == b.storage.1 && a.storage.2 == b.storage.2
            && a.storage.3 == b.storage.3
    }
}

/// The `Date` header's value, formatted at most once per second: every response needs it, and
/// formatting a date per request would cost more than the rest of the headers.
struct DateCache {
    private var second = -1
    private var date = HTTPDate(epochSeconds: 0)

    /// `now` is the loop's cached time in seconds since the epoch.
    mutating func value(at now: Double) -> HTTPDate {
        let whole = Int(now)
        if whole != second {
            second = whole
            date = HTTPDate(epochSeconds: whole)
        }
        return date
    }
}
