/// Finds where a header section (the request head, or a chunked body's trailers) ends, across any
/// number of reads, and rejects bad line endings as soon as they arrive.
///
/// Line endings are CRLF only (RFC 9112 §2.2): a CR not followed by LF, or an LF not preceded by CR,
/// fails at once, so no lone CR or LF ever ends a line and the head parser can split lines on CR
/// knowing LF follows. The section's size and line count are bounded byte by byte, so where a
/// failure happens never depends on how the input was split into reads.
struct LineScanner {
    enum Section {
        /// A request head: up to `maxEmptyLinesBefore` empty lines before the request line are
        /// skipped (RFC 9112 §2.2); the first empty line after a non-empty one ends it.
        case head
        /// A trailer section: the first empty line ends it, even as its first line.
        case trailers
    }

    enum Outcome {
        /// The section ends just before `end` (an index in the scanned input, after the final LF).
        case end(Int)
        case needMoreInput
        case failure(FramingError)
    }

    static let maxEmptyLinesBefore = 4
    /// Field lines allowed in a section (the request line comes on top in a head).
    static let maxFieldLines = 100

    let section: Section
    let maxBytes: Int
    private var scanned = 0
    private var lineLength = 0
    private var afterCR = false
    private var lines = 0
    private var emptyLinesBefore = 0

    init(section: Section, maxBytes: Int) {
        self.section = section
        self.maxBytes = maxBytes
    }

    /// Forgets the section scanned so far, for the next message.
    mutating func reset() {
        scanned = 0
        lineLength = 0
        afterCR = false
        lines = 0
        emptyLinesBefore = 0
    }

    /// Scans `input` from `start` on, continuing the section of earlier calls.
    mutating func scan(_ input: UnsafeRawBufferPointer, from start: Int) -> Outcome {
        let maxLines = section == .head ? Self.maxFieldLines + 1 : Self.maxFieldLines
        // Scan no further than the byte that would make the section too large.
        let budget = maxBytes - scanned
        let stop = input.count - start > budget ? start + budget : input.count
        var i = start
        while i < stop {
            if !afterCR {
                // Inside a line: eight bytes a step to the first CR or LF (most of the head), then
                // byte by byte for the last few. An LF reached first is a bare LF; the first bad byte
                // decides either way.
                let lineStart = i
                while stop &- i >= 8 {
                    let word = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let ends = ByteClass.lineEndBytes(word)
                    if ends != 0 {
                        i &+= ends.trailingZeroBitCount >> 3
                        break
                    }
                    i &+= 8
                }
                // The last few bytes; after a word's hit `i` is at its CR or LF already.
                while i < stop, input[i] != ByteClass.cr, input[i] != ByteClass.lf { i &+= 1 }
                lineLength += i &- lineStart
                if i < stop {
                    guard input[i] == ByteClass.cr else { return .failure(.malformed("LF not preceded by CR")) }
                    afterCR = true
                    i += 1
                }
                continue
            }
            guard input[i] == ByteClass.lf else { return .failure(.malformed("CR not followed by LF")) }
            i += 1
            afterCR = false
            if lineLength > 0 {
                lines += 1
                lineLength = 0
                if lines > maxLines { return .failure(.tooManyFields) }
            } else if section == .head && lines == 0 {
                emptyLinesBefore += 1
                if emptyLinesBefore > Self.maxEmptyLinesBefore {
                    return .failure(.malformed("too many empty lines before the request line"))
                }
            } else {
                return .end(i)
            }
        }
        scanned += i - start
        if i < input.count { return .failure(.headTooLarge) }
        return .needMoreInput
    }
}
