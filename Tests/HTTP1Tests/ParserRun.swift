import HTTP1

/// What a parser made of a byte stream, fed as a connection feeds it: requests in order (with the
/// offset where each one ended), then the failure if one came. Comparable across feeding patterns.
struct ParserRun: Equatable {
    struct Parsed: Equatable {
        var method: String
        var target: String
        var path: String
        var minorVersion: Int
        var contentType: String?
        var inferenceHeaderContentLength: String?
        var body: [UInt8]
        var keepAlive: Bool
        /// Offset in the whole stream just after this request's last byte.
        var end: Int
    }

    var requests: [Parsed] = []
    var failure: FramingError?
    /// How many times a `100 Continue` was asked for.
    var continues = 0

    var statuses: Int? { failure?.status }
    var first: Parsed? { requests.first }

    /// Feeds `bytes` in pieces of the given sizes (the rest as one last piece), as `Connection`
    /// does: after each request, the rest of the piece; stops at the first failure.
    init(_ bytes: [UInt8], pieces: [Int] = [], maxHeadSize: Int = 16 * 1024, maxBodySize: Int = 1 << 20) {
        let parser = RequestParser(maxHeadSize: maxHeadSize, maxBodySize: maxBodySize)
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        for size in pieces where start < bytes.count {
            let end = min(bytes.count, start + max(1, size))
            chunks.append(bytes[start..<end])
            start = end
        }
        if start < bytes.count { chunks.append(bytes[start...]) }
        var offset = 0
        for chunk in chunks {
            let stop = chunk.withUnsafeBytes { piece -> Bool in
                var rest = piece
                while !rest.isEmpty {
                    switch parser.feed(rest) {
                    case .needMoreInput(let sendContinue):
                        if sendContinue { continues += 1 }
                        offset += rest.count
                        return false
                    case .request(let request, let consumed):
                        offset += consumed
                        requests.append(Parsed(method: request.method.description, target: request.target, path: request.path,
                                               minorVersion: request.versionMinor, contentType: request.contentType,
                                               inferenceHeaderContentLength: request.inferenceHeaderContentLength,
                                               body: request.body, keepAlive: request.keepAlive, end: offset))
                        rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
                    case .failure(let error):
                        failure = error
                        return true
                    }
                }
                return false
            }
            if stop { break }
        }
    }

    init(_ text: String, pieces: [Int] = [], maxHeadSize: Int = 16 * 1024, maxBodySize: Int = 1 << 20) {
        self.init(Array(text.utf8), pieces: pieces, maxHeadSize: maxHeadSize, maxBodySize: maxBodySize)
    }
}

/// A POST head with Host and the given framing fields, as the smuggling cases start.
func post(_ fields: String) -> String {
    "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + fields
}

/// A complete request sent after a case, in the same write: it must never come out of a broken one.
let probe = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
