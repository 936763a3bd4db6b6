import Glibc
import Synchronization

/// A blocking HTTP/1.1 client over a real loopback socket, reading responses byte-exactly as a
/// strict client would (framing by Content-Length), so tests see what a real client sees.
// @unchecked: a test helper; each test uses a client from one thread at a time.
final class TestClient: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    let fd: Int32
    private var buffer: [UInt8] = []
    /// How long a send or a read may wait for the server before failing.
    private let timeout: Double
    /// Bytes handed to the kernel so far; atomic because a test may send from another thread.
    let sentBytes = Atomic<Int>(0)
    /// Bytes read from the socket so far (responses read plus any buffered beyond them).
    private(set) var receivedBytes = 0

    /// `receiveBufferSize`: a fixed, small kernel receive buffer, for tests that must know how much
    /// the kernel can hold on the client's side (set before connecting, so the window fits it).
    init(port: Int, timeout: Double = 10, receiveBufferSize: Int? = nil) throws {
        self.timeout = timeout
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBufferSize.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "connect: \(String(cString: strerror(code)))")
        }
        var receiveTimeout = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receiveTimeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends all of `bytes`, waiting (up to the timeout at a time) while the kernel's buffers are
    /// full. Each part the kernel takes is counted in `sentBytes` at once, so another thread sees
    /// how far a blocked send got.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n > 0 {
                offset += n
                sentBytes.wrappingAdd(n, ordering: .relaxed)
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                guard wait(for: Int16(POLLOUT), timeout: timeout) else {
                    throw Failure(description: "timed out sending: the server stopped reading")
                }
            } else {
                throw Failure(description: "send failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// True once a response (or the server's close) can be read, false if nothing arrives within
    /// `timeout` seconds.
    func waitForInput(timeout: Double) -> Bool {
        !buffer.isEmpty || wait(for: Int16(POLLIN), timeout: timeout)
    }

    private func wait(for events: Int16, timeout: Double) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        return poll(&entry, 1, Int32(timeout * 1000)) > 0
    }

    /// The client's own port: with the server's port, it names this connection in the kernel's tables.
    var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Reads more bytes into the buffer; false on orderly close.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
            receivedBytes += n
            return true
        }
        if n == 0 { return false }
        if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure(description: "timed out waiting for the server") }
        if errno == ECONNRESET { return false }
        throw Failure(description: "recv: \(String(cString: strerror(errno)))")
    }

    /// Reads one response. `head`: the request was HEAD, so no body follows despite Content-Length.
    func readResponse(head: Bool = false) throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            end = buffer.firstRange(of: separator)?.lowerBound
            if end == nil { guard try fill() else { throw Failure(description: "closed before a response head") } }
        }
        let headText = String(decoding: buffer[0..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Failure(description: "bad status line: \(headText)")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters()
        }
        let length = head || status == 100 ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length {
            guard try fill() else { throw Failure(description: "closed inside a body") }
        }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return Response(status: status, headers: headers, body: body)
    }

    /// True if the server closes the connection (orderly or reset) before sending anything more.
    func waitsForClose() throws -> Bool {
        buffer.isEmpty ? !(try fill()) : false
    }

    /// Aborts the connection: the peer gets a reset (RST), not an orderly close.
    func reset() {
        var abort = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
        shutdown(fd, Int32(SHUT_RD))
    }

    /// Half-closes: tells the server this client will send nothing more.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }
}

private extension Substring {
    func trimmingCharacters() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
