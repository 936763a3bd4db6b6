import CLibev

// Swift wrappers for the four kinds of libev watcher evserve uses. Each owns a heap-allocated C
// watcher (libev keeps a pointer to it while it is active, so it must not move) and stores an
// unretained pointer to itself in the watcher's `data` field, which the C callback turns back into
// the Swift object. The owner keeps the wrapper alive at least as long as the watcher is started;
// `deinit` stops the watcher before freeing it, so libev never sees a dangling pointer.
// A connection's two watchers have no wrapper object: see `ConnectionWatchers`.

/// Readiness of one file descriptor (EV_READ or EV_WRITE), handled by a method of the watcher's owner.
///
/// An event reaches the owner (the listening socket's `Listener`) with no reference counted on the
/// way: the owner is held unretained (it owns the watcher and stops it in its `close()`, before it
/// goes), and both this watcher and the owner are borrowed for the call.
/// The owner attaches itself after its own init, so it can hold its watchers in `let`s (a method
/// called on a `var` property costs a retain and a release, after every event).
final class IOWatcher {
    private let watcher = UnsafeMutablePointer<ev_io>.allocate(capacity: 1)
    // Strong: the loop must outlive every watcher on it (deinit stops the watcher on the loop).
    private let loop: EvLoop
    /// The owner, unretained, once `attach`ed; and its type, which `attach` checks.
    private var owner: UnsafeMutableRawPointer?
    private let ownerType: ObjectIdentifier
    /// Calls the handler with the owner at `owner`, borrowed.
    private let call: (UnsafeMutableRawPointer) -> Void

    /// `handler` runs on each event with the owner `attach` names (before `start`).
    init<Owner: AnyObject>(loop: EvLoop, fd: Int32, events: Int32, calling handler: @escaping (Owner) -> Void) {
        self.loop = loop
        ownerType = ObjectIdentifier(Owner.self)
        call = { Unmanaged<Owner>.fromOpaque($0)._withUnsafeGuaranteedRef(handler) }
        evserve_io_init(watcher, { _, w, _ in
            // A started watcher is alive (its owner holds it): borrowed, not retained.
            Unmanaged<IOWatcher>.fromOpaque(w!.pointee.data)._withUnsafeGuaranteedRef { $0.fire() }
        }, fd, events)
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// Names the owner the handler is called with.
    func attach<Owner: AnyObject>(_ owner: Owner) {
        precondition(ObjectIdentifier(Owner.self) == ownerType, "a watcher's owner is the type its handler takes")
        self.owner = Unmanaged.passUnretained(owner).toOpaque()
    }

    private func fire() {
        if let owner { call(owner) }
    }

    var isActive: Bool { evserve_io_is_active(watcher) != 0 }

    func start() { if !isActive { ev_io_start(loop.raw, watcher) } }

    func stop() { if isActive { ev_io_stop(loop.raw, watcher) } }

    deinit {
        stop()
        watcher.deallocate()
    }
}

/// A connection's two I/O watchers, one for reading and one for writing, in one allocation and with
/// no Swift object of their own. At 10 000 connections nearly every object a request touches is a
/// cache miss, and two `IOWatcher`s were six objects (each its own, its handler's context and its C
/// watcher). Each watcher's `data` is the owner, unretained, and the C callbacks given to `init` take
/// it back borrowed (the owner stops both watchers before it goes, and frees them in its `deinit`).
/// Whether each is started is noted here, so deciding to start or stop one reads no C watcher.
struct ConnectionWatchers {
    /// `[0]` reads, `[1]` writes; libev keeps pointers to them while started, so they never move.
    private let watchers = UnsafeMutablePointer<ev_io>.allocate(capacity: 2)
    /// The `struct ev_loop *`, not its `EvLoop`: passing the object to each start and stop cost a
    /// retain and a release (callgrind), and the loop outlives every connection on it.
    private let loop: OpaquePointer
    private(set) var isReading = false
    private(set) var isWriting = false

    init(loop: EvLoop, fd: Int32, onReadable: evserve_io_cb, onWritable: evserve_io_cb) {
        self.loop = loop.raw
        evserve_io_init(watchers, onReadable, fd, Int32(EV_READ))
        evserve_io_init(watchers + 1, onWritable, fd, Int32(EV_WRITE))
    }

    /// Names the object the callbacks get (unretained: see above); before the first start.
    func attach(_ owner: AnyObject) {
        let data = Unmanaged.passUnretained(owner).toOpaque()
        watchers[0].data = data
        watchers[1].data = data
    }

    mutating func setReading(_ on: Bool) {
        guard on != isReading else { return }
        if on { ev_io_start(loop, watchers) } else { ev_io_stop(loop, watchers) }
        isReading = on
    }

    mutating func setWriting(_ on: Bool) {
        guard on != isWriting else { return }
        if on { ev_io_start(loop, watchers + 1) } else { ev_io_stop(loop, watchers + 1) }
        isWriting = on
    }

    /// Stops both (the owner's `close()`).
    mutating func stop() {
        setReading(false)
        setWriting(false)
    }

    /// Stops both, then frees them: the owner's last word on them (its `deinit`).
    mutating func free() {
        stop()
        watchers.deallocate()
    }
}

/// A repeating timer.
final class TimerWatcher {
    private let watcher = UnsafeMutablePointer<ev_timer>.allocate(capacity: 1)
    // Strong: the loop must outlive every watcher on it (deinit stops the watcher on the loop).
    private let loop: EvLoop
    private let onFire: () -> Void

    init(loop: EvLoop, after: Double, repeat interval: Double, onFire: @escaping () -> Void) {
        self.loop = loop
        self.onFire = onFire
        evserve_timer_init(watcher, { _, w, _ in
            Unmanaged<TimerWatcher>.fromOpaque(w!.pointee.data).takeUnretainedValue().onFire()
        }, after, interval)
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    func start() { ev_timer_start(loop.raw, watcher) }

    func stop() { ev_timer_stop(loop.raw, watcher) }

    deinit {
        stop()
        watcher.deallocate()
    }
}

/// A signal delivered to the process, handled safely on the loop (only on the default loop).
final class SignalWatcher {
    private let watcher = UnsafeMutablePointer<ev_signal>.allocate(capacity: 1)
    // Strong: the loop must outlive every watcher on it (deinit stops the watcher on the loop).
    private let loop: EvLoop
    private let onSignal: () -> Void

    init(loop: EvLoop, signal: Int32, onSignal: @escaping () -> Void) {
        self.loop = loop
        self.onSignal = onSignal
        evserve_signal_init(watcher, { _, w, _ in
            Unmanaged<SignalWatcher>.fromOpaque(w!.pointee.data).takeUnretainedValue().onSignal()
        }, signal)
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    func start() { ev_signal_start(loop.raw, watcher) }

    func stop() { ev_signal_stop(loop.raw, watcher) }

    deinit {
        stop()
        watcher.deallocate()
    }
}

/// Runs just before the loop blocks for I/O: the place to hand a whole iteration's jobs off at once.
final class PrepareWatcher {
    private let watcher = UnsafeMutablePointer<ev_prepare>.allocate(capacity: 1)
    // Strong: the loop must outlive every watcher on it (deinit stops the watcher on the loop).
    private let loop: EvLoop
    private let onPrepare: () -> Void

    init(loop: EvLoop, onPrepare: @escaping () -> Void) {
        self.loop = loop
        self.onPrepare = onPrepare
        evserve_prepare_init(watcher, { _, w, _ in
            Unmanaged<PrepareWatcher>.fromOpaque(w!.pointee.data).takeUnretainedValue().onPrepare()
        })
        watcher.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    func start() { ev_prepare_start(loop.raw, watcher) }

    func stop() { ev_prepare_stop(loop.raw, watcher) }

    deinit {
        stop()
        watcher.deallocate()
    }
}
