#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Evserve

@Suite("SocketActivation", .serialized)
struct SystemdSocketActivationTests {
    /// Sockets passed to this process are descriptors 3 up to 3 + LISTEN_FDS.
    @Test func descriptorsStartAtThree() {
        #expect(SocketActivation.descriptors(listenPID: "77", listenFDs: "1", ownPID: 77) == [3])
        #expect(SocketActivation.descriptors(listenPID: "77", listenFDs: "3", ownPID: 77) == [3, 4, 5])
    }

    /// Variables meant for another process (a parent that leaked them) are ignored.
    @Test func ignoresOtherProcessesSockets() {
        #expect(SocketActivation.descriptors(listenPID: "76", listenFDs: "2", ownPID: 77) == [])
    }

    /// Missing, zero, negative or malformed values mean no inherited sockets.
    @Test(arguments: [
        (nil, "1"), ("77", nil), ("77", "0"), ("77", "-1"), ("77", "two"), ("", "1"), ("77", "2147483647"),
    ] as [(String?, String?)])
    func noSocketsFromBadValues(_ pid: String?, _ fds: String?) {
        #expect(SocketActivation.descriptors(listenPID: pid, listenFDs: fds, ownPID: 77) == [])
    }

    /// Whatever it finds, reading the passed sockets removes the variables, so no child inherits them.
    @Test func unsetsTheVariables() {
        setenv("LISTEN_PID", "\(getpid() + 1)", 1)
        setenv("LISTEN_FDS", "2", 1)
        setenv("LISTEN_FDNAMES", "http:admin", 1)
        #expect(SocketActivation.inheritedListeners() == [])
        #expect(getenv("LISTEN_PID") == nil)
        #expect(getenv("LISTEN_FDS") == nil)
        #expect(getenv("LISTEN_FDNAMES") == nil)
    }

    /// Not socket-activated: no sockets.
    @Test func emptyWithoutVariables() {
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        #expect(SocketActivation.inheritedListeners() == [])
    }

    /// Passed sockets get FD_CLOEXEC, which systemd leaves off so that the exec could inherit them.
    @Test func marksSocketsCloseOnExec() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0)
        SocketActivation.markCloseOnExec([fd])
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
    }
}
