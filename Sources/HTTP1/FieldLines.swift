/// The header and trailer sections' field lines (RFC 9112 §5): `field-name ":" OWS field-value OWS
/// CRLF`, and the fields that decide framing and what the server acts on.
struct FieldLines {
    var hostCount = 0
    var contentLength: Int?
    var transferCodings = TransferCodings()
    var connectionClose = false
    var connectionKeepAlive = false
    var expectsContinue = false
    var contentType: String?
    /// `Inference-Header-Content-Length` as sent (the Open Inference Protocol's binary tensor extension).
    var inferenceHeaderContentLength: String?

    /// Parses field lines from `start` up to and including the empty line that ends the section,
    /// returning the index after it. Line endings are already checked (`LineScanner`): each line
    /// ends at its first CR, and LF follows. With `recognizing` false (trailers) fields are only
    /// checked against the grammar, then discarded.
    /// `recent`: the connection's Strings, the Content-Type reused from them when it repeats.
    mutating func parse(_ section: UnsafeRawBufferPointer, from start: Int, recognizing: Bool,
                        recent: RecentStrings? = nil) throws(FramingError) -> Int {
        var i = start
        while true {
            let first = section[i]
            if first == ByteClass.cr { return i + 2 }
            // §5.2: obs-fold (and whitespace right after the request line) is rejected, not unfolded.
            if ByteClass.isBlank(first) { throw .malformed("header line starts with whitespace (obsolete line folding)") }
            let nameStart = i
            while ByteClass.isTokenChar(section[i]) { i += 1 }
            let nameEnd = i
            guard section[i] == 0x3A else {
                throw ByteClass.isBlank(section[i])
                    ? .malformed("whitespace between header field name and colon")
                    : .malformed("invalid byte in header field name")
            }
            guard nameEnd > nameStart else { throw .malformed("empty header field name") }
            i += 1
            while ByteClass.isBlank(section[i]) { i += 1 }
            let valueStart = i
            var valueEnd = i
            // Eight bytes a step while all are plain text (read only where eight bytes remain in
            // `section`); the value's last bytes, its CR, and anything blank or refused go byte by
            // byte below.
            while section.count &- i >= 8, ByteClass.isPlainFieldText(section.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                i &+= 8
                valueEnd = i
            }
            while true {
                let b = section[i]
                if b == ByteClass.cr { break }
                guard ByteClass.isFieldValueByte(b) else { throw .malformed("invalid byte in header field value") }
                i += 1
                if !ByteClass.isBlank(b) { valueEnd = i }
            }
            i += 2
            if recognizing {
                try recognize(name: UnsafeRawBufferPointer(rebasing: section[nameStart..<nameEnd]),
                              value: UnsafeRawBufferPointer(rebasing: section[valueStart..<valueEnd]), recent: recent)
            }
        }
    }

    /// Records the fields framing and routing depend on; the rest are not needed by any route.
    private mutating func recognize(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                                    recent: RecentStrings?) throws(FramingError) {
        switch name.count {
        case 4 where ByteClass.equalsIgnoringCase(name, "host"):
            hostCount += 1
            guard hostCount == 1 else { throw .malformed("more than one Host header") }
            guard HostValue.isValid(value) else { throw .malformed("invalid Host header") }
        case 6 where ByteClass.equalsIgnoringCase(name, "expect"):
            expectsContinue = ByteClass.equalsIgnoringCase(value, "100-continue")
        case 10 where ByteClass.equalsIgnoringCase(name, "connection"):
            try Self.forEachListElement(value) { option in
                if ByteClass.equalsIgnoringCase(option, "close") { connectionClose = true }
                if ByteClass.equalsIgnoringCase(option, "keep-alive") { connectionKeepAlive = true }
            }
        case 12 where ByteClass.equalsIgnoringCase(name, "content-type"):
            contentType = recent?.contentType(value) ?? String(decoding: value, as: UTF8.self)
        case 14 where ByteClass.equalsIgnoringCase(name, "content-length"):
            guard contentLength == nil else { throw .malformed("more than one Content-Length header") }
            contentLength = try Self.contentLength(value)
        case 17 where ByteClass.equalsIgnoringCase(name, "transfer-encoding"):
            try transferCodings.add(value)
        case 31 where ByteClass.equalsIgnoringCase(name, "inference-header-content-length"):
            inferenceHeaderContentLength = String(decoding: value, as: UTF8.self)
        default:
            break
        }
    }

    /// `Content-Length = 1*DIGIT` (RFC 9110 §8.6), fitting Int64: no sign, space, hex or list.
    private static func contentLength(_ value: UnsafeRawBufferPointer) throws(FramingError) -> Int {
        guard !value.isEmpty else { throw .malformed("empty Content-Length") }
        var length = 0
        for b in value {
            guard ByteClass.isDigit(b) else { throw .malformed("Content-Length is not a number") }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(b - 0x30))
            guard !overflow1 && !overflow2 else { throw .malformed("Content-Length too large") }
            length = sum
        }
        return length
    }

    /// Calls `body` with each element of a comma-separated list, without OWS (empty ones included).
    static func forEachListElement(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws(FramingError) -> Void) throws(FramingError) {
        var start = 0
        for i in 0...value.count where i == value.count || value[i] == 0x2C {
            try body(ByteClass.trimmed(UnsafeRawBufferPointer(rebasing: value[start..<i])))
            start = i + 1
        }
    }
}

/// The combined Transfer-Encoding list over all its field lines (RFC 9112 §6.1, §6.3).
struct TransferCodings {
    private(set) var isPresent = false
    private var count = 0
    private var chunkedCount = 0
    private var lastIsChunked = false

    /// Adds one field line's codings; an empty element or a malformed coding is a 400.
    mutating func add(_ value: UnsafeRawBufferPointer) throws(FramingError) {
        isPresent = true
        try FieldLines.forEachListElement(value) { (coding) throws(FramingError) in
            guard !coding.isEmpty else { throw .malformed("empty Transfer-Encoding element") }
            for b in coding where !ByteClass.isTokenChar(b) { throw .malformed("malformed Transfer-Encoding") }
            count += 1
            lastIsChunked = ByteClass.equalsIgnoringCase(coding, "chunked")
            if lastIsChunked { chunkedCount += 1 }
        }
    }

    /// Exactly one `chunked`, last: anything else before it is a coding evserve does not decode (501);
    /// `chunked` twice, or not last, leaves the body's end unknown (400).
    func check() throws(FramingError) {
        guard chunkedCount <= 1 else { throw .malformed("chunked applied more than once") }
        guard lastIsChunked else { throw .malformed("Transfer-Encoding does not end in chunked") }
        guard count == 1 else { throw .codingNotImplemented }
    }
}
