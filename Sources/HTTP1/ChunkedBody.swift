/// A chunked body (RFC 9112 §7.1), decoded as it arrives: size lines, data copied once into the
/// body, exactly CRLF after each chunk's data, the last chunk, then a trailer section whose fields
/// are checked against the field-line grammar and discarded.
struct ChunkedBody {
    private enum Place {
        case sizeLine, data(remaining: Int), dataCR, dataLF, trailers
    }

    private let maxBodySize: Int
    private var place = Place.sizeLine
    private var sizeLine = ChunkSizeLine()
    private var trailerScanner: LineScanner
    /// Trailer bytes when they span reads (rare: trailers are checked then dropped).
    private var trailerBytes: [UInt8] = []

    init(maxHeadSize: Int, maxBodySize: Int) {
        self.maxBodySize = maxBodySize
        trailerScanner = LineScanner(section: .trailers, maxBytes: maxHeadSize)
    }

    /// Decodes `input` from `start`, appending data to `body`. Returns the index just after the
    /// message's end, or nil when every byte was used and more are needed.
    mutating func decode(_ input: UnsafeRawBufferPointer, from start: Int, into body: inout [UInt8]) throws(FramingError) -> Int? {
        var i = start
        while i < input.count {
            switch place {
            case .sizeLine:
                let b = input[i]
                i += 1
                guard try sizeLine.take(b) else { continue }
                let size = sizeLine.size
                sizeLine = ChunkSizeLine()
                // Refuse before the data arrives: the size alone says the body will be too large.
                if size > maxBodySize - body.count { throw .bodyTooLarge(limit: maxBodySize) }
                place = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, input.count - i)
                body.appendBytes(UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                i += take
                place = take == remaining ? .dataCR : .data(remaining: remaining - take)
            case .dataCR:
                guard input[i] == ByteClass.cr else { throw .malformed("chunk data not followed by CRLF") }
                i += 1
                place = .dataLF
            case .dataLF:
                guard input[i] == ByteClass.lf else { throw .malformed("chunk data not followed by CRLF") }
                i += 1
                place = .sizeLine
            case .trailers:
                switch trailerScanner.scan(input, from: i) {
                case .failure(let error):
                    throw error
                case .needMoreInput:
                    trailerBytes.appendBytes(UnsafeRawBufferPointer(rebasing: input[i...]))
                    return nil
                case .end(let end):
                    try checkTrailers(UnsafeRawBufferPointer(rebasing: input[i..<end]))
                    return end
                }
            }
        }
        return nil
    }

    /// Trailer fields follow the header field grammar (§7.1.2); evserve uses none of them.
    private mutating func checkTrailers(_ last: UnsafeRawBufferPointer) throws(FramingError) {
        var fields = FieldLines()
        if trailerBytes.isEmpty {
            _ = try fields.parse(last, from: 0, recognizing: false)
        } else {
            trailerBytes.appendBytes(last)
            let result = trailerBytes.withUnsafeBytes { all in
                Result { () throws(FramingError) in _ = try fields.parse(all, from: 0, recognizing: false) }
            }
            try result.get()
        }
    }
}
