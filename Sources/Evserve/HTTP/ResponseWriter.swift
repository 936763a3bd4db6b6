/// Renders a response into bytes, whole, before any write, so the connection only ever drains byte
/// buffers and a response is never half-built when a write fails.
enum ResponseWriter {
    /// Appends the status line, headers and (unless `omitBody`, for HEAD) the body to `out`.
    /// `keepAlive` says whether the connection stays open; `http10` whether the client spoke HTTP/1.0,
    /// which needs an explicit `Connection: keep-alive` to keep the connection (RFC 9112 §9.3).
    static func render(
        _ response: HTTPResponse, keepAlive: Bool, http10: Bool, omitBody: Bool, date: [UInt8],
        into out: inout [UInt8]
    ) {
        // Piece by piece: an interpolated line would build (and allocate) a String per response.
        // The usual response (200, JSON) copies two prepared runs of bytes around the date.
        if response.status == 200 {
            out.append(contentsOf: okHead)
        } else {
            out.append(contentsOf: "HTTP/1.1 ".utf8)
            appendDecimal(response.status, to: &out)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: HTTPStatus.reason(response.status).utf8)
            out.append(contentsOf: "\r\nServer: evserve\r\nDate: ".utf8)
        }
        out.append(contentsOf: date)
        if response.contentType == "application/json" {
            out.append(contentsOf: jsonTypeAndLength)
        } else {
            out.append(contentsOf: "\r\nContent-Type: ".utf8)
            out.append(contentsOf: response.contentType.utf8)
            out.append(contentsOf: "\r\nContent-Length: ".utf8)
        }
        appendDecimal(response.body.count, to: &out)
        if response.extraHeaders.isEmpty && keepAlive && !http10 {
            // The usual end of the head: one run of prepared bytes (a String's `.utf8` appends byte
            // by byte through the generic path, ~170 instructions for two bytes).
            out.append(contentsOf: headEnd)
        } else {
            out.append(contentsOf: crlf)
            for header in response.extraHeaders {
                out.append(contentsOf: header.name.utf8)
                out.append(contentsOf: ": ".utf8)
                out.append(contentsOf: header.value.utf8)
                out.append(contentsOf: crlf)
            }
            if !keepAlive {
                out.append(contentsOf: "Connection: close\r\n".utf8)
            } else if http10 {
                out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
            }
            out.append(contentsOf: crlf)
        }
        if !omitBody { out.append(contentsOf: response.body) }
    }

    /// The interim response a client waits for after `Expect: 100-continue` (RFC 9110 §10.1.1).
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Everything before the Date value of a 200.
    private static let okHead = Array("HTTP/1.1 200 OK\r\nServer: evserve\r\nDate: ".utf8)
    /// Everything between the Date value and the Content-Length value of a JSON response.
    private static let jsonTypeAndLength = Array("\r\nContent-Type: application/json\r\nContent-Length: ".utf8)

    private static let crlf: [UInt8] = [0x0D, 0x0A]
    /// The end of the last field line and the empty line after it.
    private static let headEnd: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

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
