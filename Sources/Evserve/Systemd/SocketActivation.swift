#if canImport(Glibc)
import Glibc
#endif

/// Socket activation, the `sd_listen_fds` protocol: systemd (or `systemd-socket-activate`) binds the
/// listening sockets, starts us with them open as descriptors 3, 4, ... and says so in the environment.
/// Serving from them lets the socket outlive restarts: connections wait in its backlog meanwhile.
enum SocketActivation {
    /// `SD_LISTEN_FDS_START`: passed descriptors always begin right after stdin, stdout, stderr.
    static let firstDescriptor: Int32 = 3

    /// Listening sockets passed by systemd (`LISTEN_PID` == getpid(), `LISTEN_FDS` = n, fds 3..<3+n).
    /// Unsets `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` so children don't inherit them, and sets
    /// `FD_CLOEXEC` on each descriptor. Empty when not socket-activated.
    static func inheritedListeners() -> [Int32] {
        let listeners = descriptors(
            listenPID: SystemdEnvironment.value("LISTEN_PID"),
            listenFDs: SystemdEnvironment.value("LISTEN_FDS"),
            ownPID: getpid()
        )
        // Unset whatever the outcome, as sd_listen_fds(unset_environment=1) does: the variables describe
        // this process only, and a child that saw them could mistake its own descriptors for sockets.
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
        markCloseOnExec(listeners)
        return listeners
    }

    /// The descriptors the variables announce for `ownPID`: empty unless `LISTEN_PID` names this
    /// process (the variables may have leaked from a parent) and `LISTEN_FDS` is a positive count.
    static func descriptors(listenPID: String?, listenFDs: String?, ownPID: pid_t,
                            first: Int32 = firstDescriptor) -> [Int32] {
        guard let listenPID, let pid = pid_t(listenPID), pid == ownPID,
              let listenFDs, let count = Int32(listenFDs), count > 0,
              count <= Int32.max - first
        else { return [] }
        return Array(first..<(first + count))
    }

    /// Keeps listening sockets out of anything we exec; systemd passes them without `FD_CLOEXEC`.
    static func markCloseOnExec(_ descriptors: [Int32]) {
        for fd in descriptors {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
