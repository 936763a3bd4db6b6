import Synchronization

/// What the server tells systemd, wired to the server's hooks: READY=1 with a STATUS= line once it
/// serves and the model is loaded, STOPPING=1 when draining begins (readiness goes off at the same
/// moment), and WATCHDOG=1 from the first loop's thread while the service manager watches us.
/// Without `NOTIFY_SOCKET` (not under systemd) the notifications are skipped; readiness still works.
final class SystemdHooks: Sendable {
    let readiness: ReadinessGate
    let hooks: Server.Hooks
    /// The port actually served (`--port 0` picks one), known only once the socket is bound.
    private let port = BoundPort()

    private final class BoundPort: Sendable {
        let value = Atomic<Int>(0)
    }

    init(notifier: SystemdNotifier?, store: ModelStore, summary: ModelSummary) {
        let port = self.port
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

    /// Records the bound port, before the server runs (and so before READY=1 can go out).
    func listening(on port: Int) {
        self.port.value.store(port, ordering: .releasing)
    }
}
