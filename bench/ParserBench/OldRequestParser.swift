// TEMPORARY: the C http_parser bridge as it was before issue 9, kept only to measure it beside
// the HTTP1 parser in the same run; it goes with Sources/CHTTPParser.
import HTTP1
import CHTTPParser

/// What one call to `OldRequestParser.feed` produced.
enum OldParseResult {
    /// Every byte was consumed and no request is complete yet. `sendContinue`: the request in
    /// progress asked for `100 Continue` (RFC 9110 §10.1.1) and has not been sent one yet.
    case needMoreInput(sendContinue: Bool)
    /// One complete request, made of the first `consumed` bytes; the rest belongs to the next one.
    case request(HTTPRequest, consumed: Int)
    /// The byte stream is not HTTP we serve; the connection cannot continue.
    case failure(OldParserError)
}

/// The bridge to Node's http_parser (Debian's libhttp-parser). This file is the only one that
/// sees the C parser; the rest of the server sees `OldParseResult` values.
///
/// The parser is paused after each complete message, so requests come out one at a time and the
/// connection can stop taking more (back-pressure) between any two of them.
final class OldRequestParser {
    // Both C structs are owned by this object and freed in deinit. `parser.data` holds an unretained
    // pointer back to `self`, valid because callbacks only run inside `feed`, while `self` is alive.
    private let parser = UnsafeMutablePointer<http_parser>.allocate(capacity: 1)
    private let settings = UnsafeMutablePointer<http_parser_settings>.allocate(capacity: 1)
    private let maxBodySize: Int

    // The message being parsed.
    private var url: [UInt8] = []
    private var headerName: [UInt8] = []
    private var headerValue: [UInt8] = []
    private var readingValue = false
    private var contentType: String?
    private var expectsContinue = false
    private var continueSent = false
    private var transferEncoding: [UInt8]?
    private var body: [UInt8] = []
    private var completed: HTTPRequest?
    private var failure: OldParserError?

    /// True between the first byte of a request and its end: a request timeout applies.
    private(set) var inMessage = false
    /// Loop time at which the current message began (valid while `inMessage`).
    private(set) var messageStartedAt = 0.0
    /// The loop's time, set by the connection before each `feed`.
    var now = 0.0

    /// http_parser's head limit is process-wide; evserve sets it once, before any parsing.
    static func setMaxHeadSize(_ bytes: Int) {
        http_parser_set_max_header_size(UInt32(bytes))
    }

    init(maxBodySize: Int) {
        self.maxBodySize = maxBodySize
        http_parser_init(parser, HTTP_REQUEST)
        http_parser_settings_init(settings)
        settings.pointee.on_message_begin = { p in OldRequestParser.owner(p).messageBegan() }
        settings.pointee.on_url = { p, at, length in
            OldRequestParser.owner(p).url.append(contentsOf: OldRequestParser.bytes(at, length))
            return 0
        }
        settings.pointee.on_header_field = { p, at, length in
            OldRequestParser.owner(p).headerNamePart(OldRequestParser.bytes(at, length))
        }
        settings.pointee.on_header_value = { p, at, length in
            let owner = OldRequestParser.owner(p)
            owner.readingValue = true
            owner.headerValue.append(contentsOf: OldRequestParser.bytes(at, length))
            return 0
        }
        settings.pointee.on_headers_complete = { p in OldRequestParser.owner(p).headersCompleted() }
        settings.pointee.on_body = { p, at, length in
            OldRequestParser.owner(p).bodyPart(OldRequestParser.bytes(at, length))
        }
        settings.pointee.on_message_complete = { p in OldRequestParser.owner(p).messageCompleted() }
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        parser.deallocate()
        settings.deallocate()
    }

    /// Parses from the start of `input` until one request is complete, the input runs out, or an error.
    func feed(_ input: UnsafeRawBufferPointer) -> OldParseResult {
        guard let base = input.baseAddress, !input.isEmpty else { return .needMoreInput(sendContinue: false) }
        let consumed = http_parser_execute(parser, settings, base.assumingMemoryBound(to: CChar.self), input.count)
        if let failure { return .failure(failure) }
        let errno = http_errno(rawValue: parser.pointee.http_errno)
        if errno == HPE_PAUSED, let request = completed {
            http_parser_pause(parser, 0)
            completed = nil
            return .request(request, consumed: consumed)
        }
        switch errno {
        case HPE_OK:
            if expectsContinue && !continueSent {
                continueSent = true
                return .needMoreInput(sendContinue: true)
            }
            return .needMoreInput(sendContinue: false)
        case HPE_HEADER_OVERFLOW:
            return .failure(.headTooLarge)
        case HPE_INVALID_TRANSFER_ENCODING:
            return .failure(.unsupportedTransferEncoding)
        default:
            return .failure(.malformed)
        }
    }

    // MARK: - Callbacks (called from inside http_parser_execute)

    private static func owner(_ p: UnsafeMutablePointer<http_parser>?) -> OldRequestParser {
        Unmanaged<OldRequestParser>.fromOpaque(p!.pointee.data).takeUnretainedValue()
    }

    /// The callback's bytes point into the buffer being fed, valid only during the callback: copy.
    private static func bytes(_ at: UnsafePointer<CChar>?, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: at, count: length)
    }

    private func messageBegan() -> Int32 {
        inMessage = true
        messageStartedAt = now
        url.removeAll(keepingCapacity: true)
        headerName.removeAll(keepingCapacity: true)
        headerValue.removeAll(keepingCapacity: true)
        readingValue = false
        contentType = nil
        expectsContinue = false
        continueSent = false
        transferEncoding = nil
        body = []
        return 0
    }

    private func headerNamePart(_ part: UnsafeRawBufferPointer) -> Int32 {
        if readingValue { finishHeader() }
        headerName.append(contentsOf: part)
        return 0
    }

    /// Keeps the three headers the server acts on; the rest are not needed by any route.
    private func finishHeader() {
        if Self.equalsIgnoringCase(headerName, "content-type") {
            contentType = String(decoding: headerValue, as: UTF8.self)
        } else if Self.equalsIgnoringCase(headerName, "expect") {
            expectsContinue = Self.equalsIgnoringCase(Self.trimmed(headerValue), "100-continue")
        } else if Self.equalsIgnoringCase(headerName, "transfer-encoding") {
            transferEncoding = Self.trimmed(headerValue)
        }
        headerName.removeAll(keepingCapacity: true)
        headerValue.removeAll(keepingCapacity: true)
        readingValue = false
    }

    private func headersCompleted() -> Int32 {
        if readingValue || !headerName.isEmpty { finishHeader() }
        // http_parser accepts any coding list ending in "chunked"; evserve decodes only chunked itself.
        if let coding = transferEncoding, !Self.equalsIgnoringCase(coding, "chunked") {
            failure = .unsupportedTransferEncoding
            return -1
        }
        let declared = parser.pointee.content_length
        if transferEncoding == nil, declared != UInt64.max, declared > UInt64(maxBodySize) {
            // Refuse before reading the body: the client may be about to send gigabytes.
            failure = .bodyTooLarge(limit: maxBodySize)
            return -1
        }
        if transferEncoding == nil, declared != UInt64.max, declared > 0 {
            body.reserveCapacity(Int(declared))
        }
        // 100-continue only means something from HTTP/1.1 clients (RFC 9110 §10.1.1).
        if parser.pointee.http_major == 1 && parser.pointee.http_minor == 0 { expectsContinue = false }
        return 0
    }

    private func bodyPart(_ part: UnsafeRawBufferPointer) -> Int32 {
        if body.count + part.count > maxBodySize {
            failure = .bodyTooLarge(limit: maxBodySize)
            return -1
        }
        body.append(contentsOf: part)
        return 0
    }

    private func messageCompleted() -> Int32 {
        let p = parser.pointee
        let method = HTTPMethod(String(cString: http_method_str(http_method(rawValue: p.method))))
        completed = HTTPRequest(
            method: method,
            target: String(decoding: url, as: UTF8.self),
            versionMajor: Int(p.http_major),
            versionMinor: Int(p.http_minor),
            contentType: contentType,
            body: body,
            keepAlive: http_should_keep_alive(parser) != 0
        )
        body = []
        inMessage = false
        // Stop here, so the connection handles this request before parsing the next.
        http_parser_pause(parser, 1)
        return 0
    }

    // MARK: - ASCII helpers

    private static func equalsIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        var i = 0
        for byte in bytes {
            let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
            if folded != lowercase.utf8Start[i] { return false }
            i += 1
        }
        return true
    }

    private static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        let isSpace = { (b: UInt8) in b == 0x20 || b == 0x09 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) }) else { return [] }
        return Array(bytes[first...last])
    }
}

/// The old bridge's error values (status only: the benchmark never fails).
struct OldParserError: Error {
    var status: Int
    static let malformed = OldParserError(status: 400)
    static let headTooLarge = OldParserError(status: 431)
    static let unsupportedTransferEncoding = OldParserError(status: 501)
    static func bodyTooLarge(limit: Int) -> OldParserError { OldParserError(status: 413) }
}
