/// Renders a response into bytes, whole, before any write, so the connection only ever drains byte
/// buffers and a response is never half-built when a write fails.
enum ResponseWriter {
    /// Appends the status line, headers and (unless `omitBody`, for HEAD) the body to `out`.
    /// `keepAlive` says whether the connection stays open; `http10` whether the client spoke HTTP/1.0,
    /// which needs an explicit `Connection: keep-alive` to keep the connection (RFC 9112 §9.3).
    static func render(
        _ response: HTTPResponse, keepAlive: Bool, http10: Bool, omitBody: Bool, date: HTTPDate,
        into out: inout [UInt8]
    ) {
        // Piece by piece: an interpolated line would build (and allocate) a String per response.
        // The usual response (200, JSON) copies two literals around the date. Literals are appended
        // from the binary's constant bytes (`StaticString`): a `static let` array cost a retain and
        // a release per use, and a String's `.utf8` goes through the generic append byte by byte.
        if response.status == 200 {
            append("HTTP/1.1 200 OK\r\nServer: evserve\r\nDate: ", to: &out)
        } else {
            append("HTTP/1.1 ", to: &out)
            appendDecimal(response.status, to: &out)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: HTTPStatus.reason(response.status).utf8)
            append("\r\nServer: evserve\r\nDate: ", to: &out)
        }
        date.withBytes { out.append(contentsOf: $0) }
        if response.contentType == "application/json" {
            append("\r\nContent-Type: application/json\r\nContent-Length: ", to: &out)
        } else {
            append("\r\nContent-Type: ", to: &out)
            out.append(contentsOf: response.contentType.utf8)
            append("\r\nContent-Length: ", to: &out)
        }
        appendDecimal(response.body.count, to: &out)
        if response.extraHeaders.isEmpty && keepAlive && !http10 {
            append("\r\n\r\n", to: &out)
        } else {
            append("\r\n", to: &out)
            for header in response.extraHeaders {
                out.append(contentsOf: header.name.utf8)
                append(": ", to: &out)
                out.append(contentsOf: header.value.utf8)
                append("\r\n", to: &out)
            }
            if !keepAlive {
                append("Connection: close\r\n", to: &out)
            } else if http10 {
                append("Connection: keep-alive\r\n", to: &out)
            }
            append("\r\n", to: &out)
        }
        // Through a buffer pointer: appending the array itself retained and released it.
        if !omitBody { response.body.withUnsafeBufferPointer { out.append(contentsOf: $0) } }
    }

    /// The interim response a client waits for after `Expect: 100-continue` (RFC 9110 §10.1.1).
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Appends a literal's bytes in one run.
    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends a non-negative decimal (no String, no allocation): the digits are made last first in
    /// a 20-byte scratch on the stack (Int.max has 19), then appended in one run.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0, "status codes and lengths are never negative")
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var first = digits.count
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first...]))
        }
    }
}
