#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What the server tells systemd, wired to the server's hooks: READY=1 with a STATUS= line once it
/// serves and the model is loaded, STOPPING=1 when draining begins (readiness goes off at the same
/// moment), and WATCHDOG=1 from the first loop's thread while the service manager watches us.
/// Without `NOTIFY_SOCKET` (not under systemd) the notifications are skipped; readiness still works.
final class SystemdHooks: Sendable {
    let readiness: ReadinessGate
    let hooks: Server.Hooks
    private let notifier: SystemdNotifier?
    /// The port actually served (`--port 0` picks one), known only once the socket is bound.
    private let port = BoundPort()

    private final class BoundPort: Sendable {
        let value = Atomic<Int>(0)
    }

    init(notifier: SystemdNotifier?, store: ModelStore, summary: ModelSummary) {
        let port = self.port
        self.notifier = notifier
        readiness = ReadinessGate {
            _ = notifier?.notify("READY=1\nSTATUS=serving \(summary.estimator) on port \(port.value.load(ordering: .acquiring))")
        }
        var hooks = Server.Hooks()
        hooks.onServing = { [readiness] in readiness.mark(.serving) }
        hooks.onDrain = {
            store.markDraining()
            _ = notifier?.notify("STOPPING=1\nSTATUS=draining")
        }
        if let notifier, let interval = notifier.watchdogInterval {
            hooks.heartbeat = (interval, { _ = notifier.notify("WATCHDOG=1") })
        }
        self.hooks = hooks
    }

    /// A reload (SIGHUP, `systemctl reload`) begins: systemd shows the unit as reloading until
    /// `reloaded`. MONOTONIC_USEC ties the message to this reload (systemd.service(5), Type=notify-reload).
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        _ = notifier?.notify("RELOADING=1\nMONOTONIC_USEC=\(Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1000)\nSTATUS=reloading models")
    }

    /// The reload finished (whatever failed is logged and stays visible in the repository index).
    func reloaded(failures: Int) {
        let status = failures == 0 ? "models reloaded" : "models reloaded; \(failures) failed to load (see the log)"
        _ = notifier?.notify("READY=1\nSTATUS=\(status) on port \(port.value.load(ordering: .acquiring))")
    }

    /// Records the bound port, before the server runs (and so before READY=1 can go out).
    func listening(on port: Int) {
        self.port.value.store(port, ordering: .releasing)
    }
}
