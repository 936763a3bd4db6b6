/// Whether FastAPI reads a request body as JSON, given its Content-Type header.
///
/// FastAPI parses the header with Python's `email.message.Message`: the media type is the text
/// before the first `;`, stripped and lowercased; unless it has exactly one `/` it counts as
/// `text/plain`. JSON is `application/json` or `application/<anything>+json`.
/// A missing header is where evserve deliberately differs: FastAPI does not read the body as
/// JSON, evserve does (curl users forget the header; the seed's Flask server read it as JSON).
enum ContentType {
    static func isJSON(_ headerValue: String?) -> Bool {
        guard let headerValue else { return true }
        // The common spellings, answered without splitting and lowercasing (this runs per request).
        if headerValue == "application/json" || headerValue == "application/json; charset=utf-8" { return true }
        let mediaType = headerValue.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let normalized = String(mediaType).trimmingPythonWhitespace().lowercased()
        let parts = normalized.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "application" else { return false }
        return parts[1] == "json" || parts[1].hasSuffix("+json")
    }
}

extension String {
    /// Python's `str.strip()` without arguments: strips characters that `str.isspace()` accepts.
    func trimmingPythonWhitespace() -> String {
        let scalars = Array(unicodeScalars)
        var start = 0
        var end = scalars.count
        while start < end, scalars[start].isPythonWhitespace { start += 1 }
        while end > start, scalars[end - 1].isPythonWhitespace { end -= 1 }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }
}

extension Unicode.Scalar {
    /// Python's `str.isspace()`: bidirectional class WS, B or S, or category Zs.
    var isPythonWhitespace: Bool {
        switch value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
