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
        out.append(contentsOf: "\r\n".utf8)
        for header in response.extraHeaders {
            out.append(contentsOf: header.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: header.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if http10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        if !omitBody { out.append(contentsOf: response.body) }
    }

    /// The interim response a client waits for after `Expect: 100-continue` (RFC 9110 §10.1.1).
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Everything before the Date value of a 200.
    private static let okHead = Array("HTTP/1.1 200 OK\r\nServer: evserve\r\nDate: ".utf8)
    /// Everything between the Date value and the Content-Length value of a JSON response.
    private static let jsonTypeAndLength = Array("\r\nContent-Type: application/json\r\nContent-Length: ".utf8)

    /// Appends a non-negative decimal digit by digit (no String, no allocation).
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0, "status codes and lengths are never negative")
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
