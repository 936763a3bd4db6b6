import Glibc

/// What the kernel holds for one TCP socket: bytes that arrived and its owner has not read yet, and
/// bytes its owner wrote that the peer has not acknowledged yet. Tests read these to tell bytes
/// parked in the kernel from bytes a server holds in its own memory.
struct KernelQueues: Equatable {
    var unread: Int
    var unsent: Int

    /// The queues of a socket of this process.
    init(fd: Int32) {
        var unread: Int32 = 0
        var unsent: Int32 = 0
        // For TCP, FIONREAD is SIOCINQ and TIOCOUTQ is SIOCOUTQ (tcp(7)).
        _ = ioctl(fd, UInt(FIONREAD), &unread)
        _ = ioctl(fd, UInt(TIOCOUTQ), &unsent)
        self.unread = Int(unread)
        self.unsent = Int(unsent)
    }

    init(unread: Int, unsent: Int) {
        self.unread = unread
        self.unsent = unsent
    }

    /// The queues of the IPv4 socket bound to `localPort` and connected to `remotePort`, from the
    /// kernel's table (/proc/net/tcp), for a socket owned by another process; nil if not listed.
    static func ofSocket(localPort: Int, remotePort: Int) -> KernelQueues? {
        guard let table = readProcFile("/proc/net/tcp") else { return nil }
        // Columns: sl local_address rem_address st tx_queue:rx_queue ...; addresses are hex ADDR:PORT.
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 4, port(fields[1]) == localPort, port(fields[2]) == remotePort else { continue }
            let queues = fields[4].split(separator: ":")
            guard queues.count == 2, let tx = Int(queues[0], radix: 16), let rx = Int(queues[1], radix: 16) else { return nil }
            return KernelQueues(unread: rx, unsent: tx)
        }
        return nil
    }

    private static func port(_ address: Substring) -> Int? {
        address.split(separator: ":").last.flatMap { Int($0, radix: 16) }
    }
}

/// The whole of a /proc file. (Foundation's `String(contentsOfFile:)` stops after the first page of
/// a /proc file, which for /proc/net/tcp on a busy test run misses most sockets.)
func readProcFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { return nil }
        if count == 0 { return String(decoding: bytes, as: UTF8.self) }
        bytes += chunk[0..<count]
    }
}

/// The descriptor, in this process, of the server's end of `client`'s connection to `serverPort`:
/// for servers that run inside the test process, whose sockets the test can then look at.
func serverEnd(of client: TestClient, serverPort: Int) -> Int32? {
    let clientPort = client.localPort
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    for fd in 0..<Int32(min(limit.rlim_cur, 1 << 16)) where fd != client.fd {
        if port(of: fd, peer: true) == clientPort && port(of: fd, peer: false) == serverPort { return fd }
    }
    return nil
}

/// The local (or, with `peer`, remote) port of an IPv4 socket; nil for anything else.
private func port(of fd: Int32, peer: Bool) -> Int? {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let status = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length) }
    }
    guard status == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
    return Int(UInt16(bigEndian: address.sin_port))
}
