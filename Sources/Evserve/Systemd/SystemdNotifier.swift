#if canImport(Glibc)
import Glibc
#endif

/// Tells the service manager how evserve is doing, by the `sd_notify` protocol: one datagram of
/// newline-separated `KEY=VALUE` lines to the Unix socket named by `NOTIFY_SOCKET`.
/// Spoken directly instead of linking libsystemd: the protocol is a few lines and documented as stable
/// (systemd's "Interface Portability and Stability" page lists `sd_notify` and the watchdog variables).
final class SystemdNotifier: Sendable {
    /// Half of `WATCHDOG_USEC`, in seconds, when the service manager watches this process; else nil.
    /// Half, as `sd_watchdog_enabled(3)` advises, so one late loop turn does not get the service killed.
    let watchdogInterval: Double?

    /// Non-blocking, close-on-exec datagram socket, owned by this object and closed in `deinit`.
    private let descriptor: Int32
    private let address: NotifyAddress

    /// nil when `NOTIFY_SOCKET` is unset or names something other than a path or an abstract socket.
    convenience init?() {
        self.init(
            notifySocket: SystemdEnvironment.value("NOTIFY_SOCKET"),
            watchdogMicroseconds: SystemdEnvironment.value("WATCHDOG_USEC"),
            watchdogPID: SystemdEnvironment.value("WATCHDOG_PID"),
            ownPID: getpid()
        )
    }

    /// The same, from the variables' values rather than the process environment (tests call this).
    init?(notifySocket: String?, watchdogMicroseconds: String?, watchdogPID: String?, ownPID: pid_t) {
        guard let notifySocket, let address = NotifyAddress(notifySocket) else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.descriptor = fd
        self.address = address
        self.watchdogInterval = SystemdNotifier.watchdogInterval(
            microseconds: watchdogMicroseconds, watchdogPID: watchdogPID, ownPID: ownPID)
    }

    deinit {
        close(descriptor)
    }

    /// Sends `state` (e.g. "READY=1\nSTATUS=serving on ...") as one datagram. Never blocks: if the
    /// manager's queue is full the message is dropped, which for READY/WATCHDOG beats stalling the loop.
    /// Returns whether the datagram was accepted by the kernel.
    @discardableResult
    func notify(_ state: String) -> Bool {
        var bytes = Array(state.utf8)
        return bytes.withUnsafeMutableBytes { payload in
            address.withSockaddr { sockaddrPointer, length in
                // MSG_NOSIGNAL: a vanished manager must not SIGPIPE us; MSG_DONTWAIT: never block the loop.
                sendto(descriptor, payload.baseAddress, payload.count,
                       Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), sockaddrPointer, length) == payload.count
            }
        }
    }

    /// The watchdog rule of `sd_watchdog_enabled(3)`: enabled when `WATCHDOG_USEC` is a positive integer
    /// and `WATCHDOG_PID` is absent or names this process (a manager may set it for a parent only).
    static func watchdogInterval(microseconds: String?, watchdogPID: String?, ownPID: pid_t) -> Double? {
        guard let microseconds, let usec = UInt64(microseconds), usec > 0 else { return nil }
        if let watchdogPID {
            guard let pid = pid_t(watchdogPID), pid == ownPID else { return nil }
        }
        return Double(usec) / 2 / 1_000_000
    }
}
