import Glibc

/// The previous request's target, path and Content-Type, kept by a connection's parser: the next
/// request on a keep-alive connection usually repeats them, and a String equal to bytes already at
/// hand is reused instead of made again (a String over 15 bytes is a heap allocation, and
/// `/v2/models/reference/infer` and `application/json` are both over).
///
/// A class, owned by one parser and updated in place: handing it to the head's parser is one
/// reference, where a struct of three optional Strings was copied (and destroyed) on every request.
final class RecentStrings {
    var target: String?
    var path: String?
    var contentType: String?

    /// `candidate` if it spells exactly `bytes`, else a new String of them.
    static func reuse(_ candidate: String?, for bytes: UnsafeRawBufferPointer) -> String {
        // memcmp, not `elementsEqual`: the generic comparison cost more than a thousand instructions a
        // request for the three strings (callgrind).
        if let candidate, candidate.utf8.count == bytes.count,
           candidate.utf8.withContiguousStorageIfAvailable({ stored in
               bytes.isEmpty || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0
           }) == true {
            return candidate
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
