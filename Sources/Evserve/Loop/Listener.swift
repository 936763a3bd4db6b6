import CLibev
import Glibc
import Logging

/// Accepts connections for one loop from a listening socket that may be shared with other loops.
///
/// Out of descriptors (EMFILE/ENFILE), a level-triggered accept watcher would fire forever with the
/// connection still queued (`man 3 ev`, "special problems"). The listener keeps one spare
/// descriptor: it frees it, accepts the waiting connection, closes it at once (the client sees a
/// reset instead of a hang) and takes the spare back; and it logs the condition once per minute.
final class Listener {
    let fd: Int32
    private let watcher: IOWatcher
    private var spare: Int32 = -1
    private var lastExhaustionLog = -Double.infinity
    private let logger: Logger
    // Strong: the loop must outlive every watcher on it (deinit stops the watcher on the loop).
    private let loop: EvLoop
    private let onAccept: (Int32) -> Void

    init(fd: Int32, loop: EvLoop, logger: Logger, onAccept: @escaping (Int32) -> Void) {
        self.fd = fd
        self.loop = loop
        self.logger = logger
        self.onAccept = onAccept
        self.spare = open("/dev/null", O_RDONLY | O_CLOEXEC)
        self.watcher = IOWatcher(loop: loop, fd: fd, events: Int32(EV_READ)) { (listener: Listener) in listener.acceptAll() }
        watcher.attach(self)
    }

    deinit {
        if spare >= 0 { close(spare) }
    }

    /// Starts or resumes accepting (e.g. when the connection limit frees up).
    func resume() { watcher.start() }

    /// Stops accepting; new connections wait in the kernel's backlog.
    func pause() { watcher.stop() }

    var isAccepting: Bool { watcher.isActive }

    /// Accepts until the queue is empty, or until the owner pauses us (connection limit).
    private func acceptAll() {
        while watcher.isActive {
            let client = accept4(fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            if client >= 0 {
                // Responses are written whole; Nagle would only delay them.
                Socket.setOption(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                onAccept(client)
                continue
            }
            switch errno {
            case EAGAIN, EWOULDBLOCK:
                return  // another loop sharing the socket may have taken it: normal
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE:
                shedOneConnection()
                return
            default:
                logger.error("accept failed", metadata: ["errno": "\(String(cString: strerror(errno)))"])
                return
            }
        }
    }

    private func shedOneConnection() {
        let now = loop.now
        if now - lastExhaustionLog >= 60 {
            lastExhaustionLog = now
            logger.warning("out of file descriptors: refusing new connections (raise the fd limit, e.g. LimitNOFILE=)")
        }
        guard spare >= 0 else { return }
        close(spare)
        let client = accept4(fd, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
        if client >= 0 { close(client) }
        spare = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }
}
