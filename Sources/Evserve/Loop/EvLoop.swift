import CLibev

/// One libev loop (`struct ev_loop`), run by exactly one thread (its `Worker`'s). Every watcher belongs to one `EvLoop` and is only
/// touched from that loop's thread, except `LoopDoorbell.ring()`, which libev documents as thread-safe.
final class EvLoop {
    /// The `struct ev_loop *`; owned by this object, destroyed in `deinit` unless it is the default loop.
    let raw: OpaquePointer
    private let isDefault: Bool

    /// The default loop is the only one that may watch signals, so the first worker uses it.
    init(isDefault: Bool) {
        // EVFLAG_NOSIGMASK: libev should not touch the signal mask of this (possibly non-main) thread.
        let flags = UInt32(EVFLAG_AUTO | EVFLAG_NOSIGMASK)
        let loop = isDefault ? ev_default_loop(flags) : ev_loop_new(flags)
        guard let loop else { fatalError("libev could not create an event loop") }
        self.raw = loop
        self.isDefault = isDefault
        // libev calls the pending watchers through this hook; evserve's runs them, then its own step.
        ev_set_userdata(loop, Unmanaged.passUnretained(self).toOpaque())
        ev_set_invoke_pending_cb(loop) { loop in
            ev_invoke_pending(loop)
            // The userdata is this EvLoop, alive while its loop runs (it destroys the loop in deinit).
            Unmanaged<EvLoop>.fromOpaque(ev_userdata(loop)!)._withUnsafeGuaranteedRef { $0.afterPendingCallbacks?() }
        }
    }

    /// Runs each time libev has called an iteration's pending watchers (after the poll's events,
    /// and after the prepare watchers), on the loop's thread.
    var afterPendingCallbacks: (() -> Void)?

    deinit {
        if !isDefault { ev_loop_destroy(raw) }
    }

    /// The loop's cached time (seconds), updated once per iteration: cheap to read on every request.
    var now: Double { ev_now(raw) }

    /// The current time, read from the clock (not cached): for measuring durations shorter than
    /// one loop iteration, such as a response made inline.
    var preciseNow: Double { ev_time() }

    func run() { ev_run(raw, 0) }

    func stop() { ev_break(raw, Int32(EVBREAK_ALL)) }
}
