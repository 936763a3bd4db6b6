#if canImport(Glibc)
import Glibc
#endif

/// Where `NOTIFY_SOCKET` points: a filesystem path ("/run/systemd/notify") or, with a leading '@',
/// a Linux abstract socket whose name starts with a NUL byte instead of the '@'.
struct NotifyAddress: Sendable, Equatable {
    /// The bytes of `sun_path` that count, as sent to the kernel (abstract: leading NUL, no terminator).
    let pathBytes: [UInt8]

    /// `sun_path` holds 108 bytes on Linux; a path needs one of them for its terminating NUL.
    static let sunPathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    init?(_ value: String) {
        var bytes = Array(value.utf8)
        guard let first = bytes.first, !bytes.contains(0) else { return nil }
        switch first {
        case UInt8(ascii: "/"):
            guard bytes.count < Self.sunPathCapacity else { return nil }
        case UInt8(ascii: "@"):
            // Abstract names are not NUL-terminated: the address length says where they end.
            bytes[0] = 0
            guard bytes.count <= Self.sunPathCapacity, bytes.count > 1 else { return nil }
        default:
            return nil  // e.g. "vsock:..." of newer managers: not spoken here
        }
        pathBytes = bytes
    }

    var isAbstract: Bool { pathBytes.first == 0 }

    /// Calls `body` with a `sockaddr_un` for this address and its exact length. The pointer is valid only
    /// inside `body` (it points at a stack copy).
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        withUnsafeMutableBytes(of: &storage.sun_path) { sunPath in
            sunPath.copyBytes(from: pathBytes)  // the zeroed rest terminates a filesystem path
        }
        // A path's length counts its NUL; an abstract name's length is exactly its bytes.
        let length = pathOffset + pathBytes.count + (isAbstract ? 0 : 1)
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
        }
    }
}
