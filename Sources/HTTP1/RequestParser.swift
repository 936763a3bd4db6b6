/// HTTP/1.1 request framing, strict by construction (RFC 9112): bytes in, one request at a time out.
///
/// The head is scanned until its empty line (bounded by `maxHeadSize`, bad line endings rejected as
/// they arrive), then parsed in one pass: straight from the caller's buffer when it arrived in one
/// read, from a copy only when it spans reads. Body bytes are copied once, into the request.
///
/// The parser stops after each complete message and never looks at a byte past it, so the caller
/// can stop taking requests (back-pressure) between any two. After a failure it takes nothing more.
public final class RequestParser {
    private enum Stage {
        case head
        case body(remaining: Int)
        case chunkedBody
    }

    private let maxHeadSize: Int
    private let maxBodySize: Int
    private var stage = Stage.head
    /// The head of the message whose body is being read (set when `stage` leaves `.head`).
    private var head: RequestHead?
    /// The request being read: its head's part is written in place by `RequestHead.parse`, the body
    /// joins it at the end, and `finish` moves it out whole (no String is copied on the way).
    private var request = RequestParser.blank()
    /// The chunked body being decoded, boxed and only while there is one: a `ChunkedBody` inline (120
    /// bytes) made every connection's parser two cache lines larger, for the few requests that are
    /// chunked.
    private var chunks: ChunkedDecoding?
    private var headScanner: LineScanner
    /// The head so far, only while it spans reads.
    private var headBytes: [UInt8] = []
    private var body: [UInt8] = []
    private var continueSent = false
    /// The last Strings read, for the next head to reuse.
    private let recent = RecentStrings()
    private var failed: FramingError?

    /// True between the first byte of a request and its end: a request timeout applies.
    public private(set) var inMessage = false
    /// Loop time at which the current message began (valid while `inMessage`).
    public private(set) var messageStartedAt = 0.0
    /// The loop's time, set by the connection before each `feed`.
    public var now = 0.0

    public init(maxHeadSize: Int, maxBodySize: Int) {
        self.maxHeadSize = maxHeadSize
        self.maxBodySize = maxBodySize
        headScanner = LineScanner(section: .head, maxBytes: maxHeadSize)
    }

    /// Parses from the start of `input` until one request is complete, the input runs out, or an
    /// error. `input` is only read during the call.
    public func feed(_ input: UnsafeRawBufferPointer) -> ParseResult {
        if let failed { return .failure(failed) }
        do {
            return try parse(input)
        } catch {
            failed = error
            return .failure(error)
        }
    }

    private func parse(_ input: UnsafeRawBufferPointer) throws(FramingError) -> ParseResult {
        guard !input.isEmpty else { return .needMoreInput(sendContinue: false) }
        var offset = 0
        if case .head = stage {
            if !inMessage {
                inMessage = true
                messageStartedAt = now
            }
            switch headScanner.scan(input, from: 0) {
            case .failure(let error):
                throw error
            case .needMoreInput:
                headBytes.appendBytes(input)
                return .needMoreInput(sendContinue: false)
            case .end(let end):
                offset = end
                try startBody(head: parseHead(UnsafeRawBufferPointer(rebasing: input[0..<end])))
            }
        }
        switch stage {
        case .head:
            preconditionFailure("the head was parsed above")
        case .body(let remaining):
            let take = min(remaining, input.count - offset)
            body.appendBytes(UnsafeRawBufferPointer(rebasing: input[offset..<(offset + take)]))
            offset += take
            if take == remaining { return finish(consumed: offset) }
            stage = .body(remaining: remaining - take)
        case .chunkedBody:
            if let end = try chunks!.decoder.decode(input, from: offset, into: &body) { return finish(consumed: end) }
        }
        return .needMoreInput(sendContinue: askContinue())
    }

    /// The head's last bytes are `last`; earlier reads' bytes, if any, are in `headBytes`.
    private func parseHead(_ last: UnsafeRawBufferPointer) throws(FramingError) -> RequestHead {
        guard !headBytes.isEmpty else { return try RequestHead.parse(last, maxBodySize: maxBodySize, recent: recent, into: &request) }
        headBytes.appendBytes(last)
        defer { headBytes.removeAll(keepingCapacity: headBytes.capacity <= 4096) }
        var request = RequestParser.blank()
        swap(&request, &self.request)
        defer { swap(&request, &self.request) }
        let result = headBytes.withUnsafeBytes { whole in
            Result { () throws(FramingError) in
                try RequestHead.parse(whole, maxBodySize: maxBodySize, recent: recent, into: &request)
            }
        }
        return try result.get()
    }

    private func startBody(head: RequestHead) {
        self.head = head
        body = []
        switch head.framing {
        case .length(let length):
            // Exactly one allocation of the body's final size; 0 allocates nothing.
            body.reserveCapacity(length)
            stage = .body(remaining: length)
        case .chunked:
            chunks = ChunkedDecoding(ChunkedBody(maxHeadSize: maxHeadSize, maxBodySize: maxBodySize))
            stage = .chunkedBody
        }
    }

    /// 100 Continue is owed once per request that asked for it, while its body is still to come.
    private func askContinue() -> Bool {
        // Reads the one flag: binding `head` would copy its strings.
        guard self.head?.expectsContinue == true && !continueSent else { return false }
        continueSent = true
        return true
    }

    private func finish(consumed: Int) -> ParseResult {
        head = nil
        chunks = nil
        // Moved out, with the body, by swaps: the request's Strings are not copied and released.
        var request = RequestParser.blank()
        swap(&request, &self.request)
        swap(&request.body, &body)
        stage = .head
        headScanner.reset()
        continueSent = false
        inMessage = false
        return .request(consume request, consumed: consumed)
    }

    /// An empty request for the next head to fill (its Strings empty: nothing allocated).
    private static func blank() -> HTTPRequest {
        HTTPRequest(method: .get, target: "", path: "", versionMajor: 1, versionMinor: 1,
                    contentType: nil, body: [], keepAlive: true)
    }
}

/// A chunked body's decoder, in a box of its own (see `RequestParser.chunks`).
private final class ChunkedDecoding {
    var decoder: ChunkedBody

    init(_ decoder: ChunkedBody) {
        self.decoder = decoder
    }
}
