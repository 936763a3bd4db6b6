import Glibc

/// The previous request's target, path and Content-Type, kept by a connection's parser: the next
/// request on a keep-alive connection usually repeats them, and a String equal to bytes already at
/// hand is reused instead of made again (a String over 15 bytes is a heap allocation, and
/// `/v2/models/reference/infer` and `application/json` are both over).
///
/// A class, owned by one parser and handed to the head's parsers as a borrowed argument. Each read
/// answers the kept String when the bytes spell it, else makes one and keeps it for the next
/// request: the one copy handed out is the only reference counted (keeping them after the request
/// instead cost two more atomic operations a String, and a field holding the previous one two more).
final class RecentStrings {
    private(set) var target: String?
    private(set) var path: String?
    private(set) var contentType: String?

    init() {}

    /// The target spelled by `bytes`.
    func target(_ bytes: UnsafeRawBufferPointer) -> String { Self.reuse(&target, for: bytes) }

    /// The routing path spelled by `bytes` (a path that needs no decoding).
    func path(_ bytes: UnsafeRawBufferPointer) -> String { Self.reuse(&path, for: bytes) }

    /// The Content-Type spelled by `bytes`. `application/json`, nearly every request's, is the program's
    /// own literal, which has no storage to count references on: a kept String was retained here and
    /// released by the job thread that read the body (an atomic operation each, the second on another
    /// core), and its bytes were one more cache line a request to read.
    func contentType(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.count == Self.json.utf8CodeUnitCount, memcmp(bytes.baseAddress!, Self.json.utf8Start, bytes.count) == 0 {
            return "application/json"
        }
        return Self.reuse(&contentType, for: bytes)
    }

    private static let json: StaticString = "application/json"

    /// `kept` if it spells exactly `bytes`, else a new String of them, which `kept` then holds.
    private static func reuse(_ kept: inout String?, for bytes: UnsafeRawBufferPointer) -> String {
        // memcmp, not `elementsEqual`: the generic comparison cost more than a thousand instructions a
        // request for the three strings (callgrind).
        if let candidate = kept, candidate.utf8.count == bytes.count,
           candidate.utf8.withContiguousStorageIfAvailable({ stored in
               bytes.isEmpty || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0
           }) == true {
            return candidate
        }
        let made = String(decoding: bytes, as: UTF8.self)
        kept = made
        return made
    }
}
