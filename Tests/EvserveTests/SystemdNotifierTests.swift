#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Evserve

/// A datagram socket standing in for the service manager's `NOTIFY_SOCKET`.
private final class NotifyReceiver {
    let fd: Int32
    let name: String  // as it would appear in NOTIFY_SOCKET
    private let unlinkPath: String?

    /// Binds a filesystem socket under /tmp, or an abstract one when `abstract`.
    init(abstract: Bool) throws {
        let unique = "evserve-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        name = abstract ? "@" + unique : "/tmp/" + unique + ".sock"
        unlinkPath = abstract ? nil : name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let address = try #require(NotifyAddress(name))
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        try #require(bound == 0, "bind failed: errno \(errno)")
    }

    deinit {
        close(fd)
        if let unlinkPath { unlink(unlinkPath) }
    }

    /// The next datagram as text, or nil when none arrives within a second.
    func receive() -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 1000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite("SystemdNotifier")
struct SystemdNotifierTests {
    private func makeNotifier(_ socket: String?) -> SystemdNotifier? {
        SystemdNotifier(notifySocket: socket, watchdogMicroseconds: nil, watchdogPID: nil, ownPID: getpid())
    }

    /// A state sent to a filesystem socket arrives as one datagram, byte for byte.
    @Test func deliversToPathSocket() throws {
        let receiver = try NotifyReceiver(abstract: false)
        let notifier = try #require(makeNotifier(receiver.name))
        #expect(notifier.notify("READY=1\nSTATUS=serving on http://127.0.0.1:8000"))
        #expect(receiver.receive() == "READY=1\nSTATUS=serving on http://127.0.0.1:8000")
    }

    /// An '@' name reaches the abstract socket of that name, as systemd's sd_notify does.
    @Test func deliversToAbstractSocket() throws {
        let receiver = try NotifyReceiver(abstract: true)
        let notifier = try #require(makeNotifier(receiver.name))
        #expect(notifier.notify("STOPPING=1"))
        #expect(receiver.receive() == "STOPPING=1")
    }

    /// Successive notifications arrive separately and in order.
    @Test func keepsMessagesApartAndInOrder() throws {
        let receiver = try NotifyReceiver(abstract: false)
        let notifier = try #require(makeNotifier(receiver.name))
        for state in ["READY=1", "WATCHDOG=1", "STOPPING=1"] { notifier.notify(state) }
        #expect(receiver.receive() == "READY=1")
        #expect(receiver.receive() == "WATCHDOG=1")
        #expect(receiver.receive() == "STOPPING=1")
    }

    /// No notifier exists without a usable NOTIFY_SOCKET: unset, empty, relative, or another scheme.
    @Test(arguments: [nil, "", "run/notify", "vsock:2:1234", "@"] as [String?])
    func absentWithoutUsableSocket(_ value: String?) {
        #expect(makeNotifier(value) == nil)
    }

    /// When nobody listens, notify reports failure instead of raising or blocking.
    @Test func reportsFailureWhenNobodyListens() throws {
        let notifier = try #require(makeNotifier("/tmp/evserve-nobody-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"))
        #expect(!notifier.notify("WATCHDOG=1"))
    }

    /// A manager that stops reading never blocks the caller: once its queue is full, sends fail at once.
    @Test func neverBlocksOnFullQueue() throws {
        let receiver = try NotifyReceiver(abstract: false)
        let notifier = try #require(makeNotifier(receiver.name))
        // The kernel queues about net.unix.max_dgram_qlen (10 by default) datagrams per receiving socket;
        // if notify blocked, this loop would hang and the test time out instead of finishing.
        var accepted = 0
        while accepted < 100_000, notifier.notify("WATCHDOG=1") { accepted += 1 }
        #expect(accepted > 0)
        #expect(accepted < 100_000)
        #expect(receiver.receive() == "WATCHDOG=1")
    }

    /// The watchdog interval is half of WATCHDOG_USEC, in seconds.
    @Test func watchdogIntervalIsHalfTheTimeout() {
        #expect(SystemdNotifier.watchdogInterval(microseconds: "200000", watchdogPID: nil, ownPID: 42) == 0.1)
        #expect(SystemdNotifier.watchdogInterval(microseconds: "30000000", watchdogPID: nil, ownPID: 42) == 15)
    }

    /// The watchdog applies only to the process WATCHDOG_PID names, when it names one.
    @Test func watchdogFollowsWatchdogPID() {
        #expect(SystemdNotifier.watchdogInterval(microseconds: "200000", watchdogPID: "42", ownPID: 42) == 0.1)
        #expect(SystemdNotifier.watchdogInterval(microseconds: "200000", watchdogPID: "41", ownPID: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(microseconds: "200000", watchdogPID: "x", ownPID: 42) == nil)
    }

    /// No watchdog without a positive integer WATCHDOG_USEC.
    @Test(arguments: [nil, "", "0", "-5", "1.5", "abc"] as [String?])
    func noWatchdogWithoutTimeout(_ value: String?) {
        #expect(SystemdNotifier.watchdogInterval(microseconds: value, watchdogPID: nil, ownPID: 42) == nil)
    }

    /// The notifier carries the watchdog interval its environment gives.
    @Test func notifierCarriesWatchdogInterval() throws {
        let receiver = try NotifyReceiver(abstract: false)
        let watched = try #require(SystemdNotifier(
            notifySocket: receiver.name, watchdogMicroseconds: "200000", watchdogPID: nil, ownPID: getpid()))
        #expect(watched.watchdogInterval == 0.1)
        #expect(try #require(makeNotifier(receiver.name)).watchdogInterval == nil)
    }
}
