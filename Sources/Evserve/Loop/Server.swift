import Dispatch
import Glibc
import Logging
import Synchronization

/// The running server: one listening socket, `workers` event loops serving it, one job queue;
/// optionally a second, admin socket (`--admin-port`) with its own router, served by one more loop.
///
/// Loops share the listening socket (every loop watches it; the kernel hands each connection to
/// one `accept`). That also works unchanged for a socket inherited from systemd.
final class Server: Sendable {
    let configuration: ServerConfiguration
    let port: Int
    /// The admin listener's port, when there is one.
    let adminPort: Int?
    private let listenFD: Int32
    private let router: Router
    /// The admin listener: its socket and routes. Its own loop keeps slow admin work (a scrape, a
    /// load request) and its connections apart from the served port's loops.
    private let admin: (fd: Int32, router: Router)?
    private let observer: (any ServerObserver)?
    private let logger: Logger
    // Default QoS: raising thread priority needs a capability a hardened systemd unit does not grant.
    private let jobQueue = DispatchQueue(label: "evserve.jobs", attributes: .concurrent)
    /// Each loop's command mailbox, filled in as loops start.
    private let loops = Locked<[LoopMailbox<LoopCommand>]>([])
    private let drainRequested = Atomic<Bool>(false)
    private let reloadRequests = ReloadRequests()
    let hooks: Hooks

    struct Hooks: Sendable {
        /// Runs on the first loop's thread once it is serving (systemd READY=1).
        var onServing: (@Sendable () -> Void)?
        /// Runs when a drain begins (signal or `shutdown()`): readiness off, systemd STOPPING=1.
        var onDrain: (@Sendable () -> Void)?
        /// Runs every `interval` seconds on the first loop's thread, so it proves the loop is
        /// turning (the systemd watchdog).
        var heartbeat: (interval: Double, beat: @Sendable () -> Void)?
        /// Runs on the job queue on SIGHUP (`systemctl reload`): rescan the models. Without it,
        /// SIGHUP is logged and ignored (never its default action, which would end the process).
        var onReload: (@Sendable () -> Void)?
    }

    /// Where the admin listener binds and what it serves.
    struct AdminListener: Sendable {
        var host: String
        var port: Int
        var router: Router
    }

    /// Binds (or adopts `inheritedFD`) right away, so the port is known before `run`.
    init(configuration: ServerConfiguration, router: Router, observer: (any ServerObserver)?,
         logger: Logger, inheritedFD: Int32? = nil, hooks: Hooks = Hooks(),
         admin: AdminListener? = nil) throws(SocketError) {
        self.configuration = configuration
        self.router = router
        self.observer = observer
        self.logger = logger
        self.hooks = hooks
        if let inheritedFD {
            Socket.setNonBlocking(inheritedFD)
            listenFD = inheritedFD
        } else {
            listenFD = try Socket.listen(host: configuration.host, port: configuration.port,
                                         backlog: configuration.backlog, reusePort: false)
        }
        port = Socket.localPort(listenFD)
        if let admin {
            let fd = try Socket.listen(host: admin.host, port: admin.port, backlog: configuration.backlog, reusePort: false)
            self.admin = (fd, admin.router)
            adminPort = Socket.localPort(fd)
        } else {
            self.admin = nil
            adminPort = nil
        }
    }

    /// Serves until drained; returns when every loop has stopped. The calling thread runs loop 0.
    func run() {
        var threads: [LoopThread] = []
        for index in 1..<max(1, configuration.workers) {
            threads.append(LoopThread { [self] in
                self.runLoop(index: index)
            })
        }
        if let admin {
            // One more loop, after the served port's: index `workers` is never loop 0.
            threads.append(LoopThread { [self] in
                self.runLoop(index: configuration.workers, listenFD: admin.fd, router: admin.router)
            })
        }
        runLoop(index: 0)
        for thread in threads { thread.join() }
        close(listenFD)
        if let admin { close(admin.fd) }
    }

    private func runLoop(index: Int, listenFD: Int32? = nil, router: Router? = nil) {
        // The process's default loop is the only one allowed to watch signals.
        let loop = EvLoop(isDefault: index == 0 && configuration.handleSignals)
        let worker = Worker(loop: loop, listenFD: listenFD ?? self.listenFD, configuration: configuration,
                            router: router ?? self.router, observer: observer, jobQueue: jobQueue, logger: logger)
        var signals: [SignalWatcher] = []
        if index == 0 && configuration.handleSignals {
            for signal in [SIGINT, SIGTERM] {
                let watcher = SignalWatcher(loop: loop, signal: signal) { [self] in
                    self.logger.info("received \(signal == SIGINT ? "SIGINT" : "SIGTERM"); draining")
                    self.shutdown()
                }
                watcher.start()
                signals.append(watcher)
            }
            let reload = SignalWatcher(loop: loop, signal: SIGHUP) { [self] in
                guard let onReload = self.hooks.onReload else {
                    self.logger.notice("received SIGHUP; nothing to reload")
                    return
                }
                self.logger.notice("received SIGHUP; reloading models")
                // Loading reads and compiles model files: never on the loop thread. A signal while a
                // reload runs adds one more reload, not one per signal.
                guard self.reloadRequests.request() else { return }
                self.jobQueue.async { self.reloadRequests.run(onReload) }
            }
            reload.start()
            signals.append(reload)
        }
        let alreadyDraining = loops.withLock { list in
            list.append(worker.commands)
            return drainRequested.load(ordering: .acquiring)
        }
        if alreadyDraining { worker.beginDrain() }
        var heartbeat: TimerWatcher?
        if index == 0, let (interval, beat) = hooks.heartbeat {
            heartbeat = TimerWatcher(loop: loop, after: 0, repeat: interval) { beat() }
            heartbeat?.start()
            worker.onDrained = { heartbeat?.stop() }
        }
        if index == 0 { hooks.onServing?() }
        worker.run()
        for watcher in signals { watcher.stop() }
    }

    /// Stops accepting on every loop and lets in-flight requests finish. Any thread.
    func shutdown() {
        guard !drainRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        hooks.onDrain?()
        let mailboxes = loops.withLock { $0 }
        for mailbox in mailboxes { mailbox.post(.drain) }
    }
}
