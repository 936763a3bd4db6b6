import CLibev
import Dispatch
import Glibc
import Logging

/// Messages other threads send a loop.
enum LoopCommand: Sendable {
    /// Stop accepting, finish what is owed, close; stop the loop when no connection is left or
    /// after the graceful timeout.
    case drain
}

/// A worker: one thread running one libev loop (`EvLoop`) and serving the connections it accepts
/// (`--workers N` starts N). It owns them, their timeouts (`TimeoutWheel`), the shared read buffer,
/// and the hand-off of jobs to the job queue and back. The process-wide `Server` starts the workers.
final class Worker {
    let loop: EvLoop
    let configuration: ServerConfiguration
    let router: Router
    /// The last path this worker matched against the router's templates (`Router.TemplateMemo`).
    private var templateMemo = Router.TemplateMemo()
    let observer: (any ServerObserver)?
    private let logger: Logger
    private let jobQueue: DispatchQueue

    /// One read buffer for every connection of this loop: bytes are parsed as soon as they are read,
    /// so no connection needs a buffer of its own. Freed in deinit.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    /// Every connection's timeout (idle, request, write, linger), swept by one timer.
    private let timeouts: TimeoutWheel<Connection>

    private var listener: Listener?
    private var connections = ConnectionTable<Connection>()
    private let maxConnections: Int
    private var dates = DateCache()
    private(set) var isDraining = false
    private var isDrained = false

    private var sweepTimer: TimerWatcher!
    private var gracefulTimer: TimerWatcher?
    private var jobFlusher: PrepareWatcher!
    private var pendingJobs = PendingJobs()
    /// This worker's hand-offs to the job queue that have not finished (see `flushJobs`).
    private let handOffs = HandOffs()
    /// This iteration's requests and responses, reported to the observer as it ends (`reportTally`).
    /// Loop thread only, and never accessed re-entrantly: unchecked, so each report is not also a
    /// dynamic exclusivity check.
    @exclusivity(unchecked) var tally = ResponseTally()
    /// Output buffers that connections gave back, for the next answers to render into.
    private var spareOutputs = SpareOutputs()

    /// Connections whose sockets libev reported readable this iteration, in the order it called them.
    private var readable: [Unmanaged<Connection>] = []
    /// The connections `deliver` answered, to settle once each batch is in (not retained: see `deliver`);
    /// kept between calls so a delivery allocates nothing.
    private var touched: [Unmanaged<Connection>] = []
    /// Connections closed in this loop iteration, kept until it ends: a connection's watchers call it
    /// through an unretained reference, and one that closes itself (a read of 0 bytes, a failed send)
    /// still runs to the end of its method.
    private var retired: [Connection] = []
    private var completions: LoopMailbox<JobCompletion>!
    private(set) var commands: LoopMailbox<LoopCommand>!

    /// Called on this loop's thread when the loop has stopped taking connections and every
    /// connection is closed (after a drain).
    var onDrained: (() -> Void)?

    init(loop: EvLoop, listenFD: Int32, configuration: ServerConfiguration, router: Router,
         observer: (any ServerObserver)?, jobQueue: DispatchQueue, logger: Logger) {
        self.loop = loop
        self.configuration = configuration
        self.router = router
        self.observer = observer
        self.jobQueue = jobQueue
        self.logger = logger
        self.maxConnections = max(1, configuration.maxConnections / max(1, configuration.workers))
        // One timer for all connections (see TimeoutWheel). Its period bounds how late a timeout fires.
        let shortest = min(configuration.keepAliveTimeout, configuration.requestTimeout, configuration.lingerTimeout)
        timeouts = TimeoutWheel(period: min(1.0, max(0.02, shortest / 4)), now: loop.now)

        listener = Listener(fd: listenFD, loop: loop, logger: logger) { [unowned self] fd in self.accepted(fd) }
        completions = LoopMailbox(loop: loop) { [unowned self] batch in self.deliver(&batch) }
        commands = LoopMailbox(loop: loop) { [unowned self] batch in
            for command in batch {
                switch command {
                case .drain: self.beginDrain()
                }
            }
        }
        sweepTimer = TimerWatcher(loop: loop, after: timeouts.period, repeat: timeouts.period) { [unowned self] in self.sweep() }
        jobFlusher = PrepareWatcher(loop: loop) { [unowned self] in self.flushAndDeliver() }
        loop.afterPendingCallbacks = { [unowned self] in self.serveReadable() }
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Serves until drained. Blocks the calling thread, which becomes this loop's thread.
    func run() {
        // The loop does microseconds of work per wake-up and must never wait behind model work: with
        // the shortest slice the scheduler allows, a loop that wakes (a health check, a small request)
        // preempts a job thread computing a heavy batch on its CPU instead of waiting out that thread's
        // slice (milliseconds). Job threads keep the default slice, and their share of the CPU.
        _ = evserve_set_thread_slice(Self.loopSlice)
        // A drain asked for before this loop ran (no connection yet: it finished at once) has
        // already stopped it, and `ev_run` would forget that `ev_break`: then it must not run at all.
        if !isDrained {
            listener?.resume()
            sweepTimer.start()
            jobFlusher.start()
            loop.run()
        }
        reportTally()
        completions.close()
        commands.close()
    }

    /// 0.1 ms, the shortest slice Linux grants (kernel/sched/syscalls.c clamps to 0.1–100 ms).
    static let loopSlice: UInt64 = 100_000

    func dateHeader() -> HTTPDate { dates.value(at: loop.now) }

    /// Routes `request` with this worker's table. A method here, not `worker.router.route` at the
    /// call: reading the stored struct through another object copied its five arrays (five retains
    /// and five releases a request); inside a method of its owner it is only borrowed.
    func route(_ request: consuming HTTPRequest) -> (route: String, outcome: RouteOutcome) {
        router.route(request, memo: &templateMemo)
    }

    // MARK: - Connections

    /// Marks `connection` to be read once this iteration's callbacks have run (`serveReadable`).
    func becameReadable(_ connection: Connection) {
        readable.append(Unmanaged.passUnretained(connection))
    }

    /// Reads the connections whose sockets were readable, in the order the kernel reported them:
    /// the order their requests arrived in. libev calls an iteration's pending watchers last first
    /// (`ev_invoke_pending` pops its array), so served from their callbacks the connections that
    /// waited longest went last: under load each request's wait swung between about none and two
    /// iterations, where in arrival order every request waits about one (the tail, not the mean).
    /// Thousands at once are read the same way, in one pass (`ReadOrder` says what was measured).
    /// Runs right after libev has called this iteration's watchers (`EvLoop.afterPendingCallbacks`).
    func serveReadable() {
        // Not retained: each is alive in the table or, closed this iteration, in `retired`, which
        // is emptied only before the loop blocks, after this. One that has closed reads nothing
        // (`Connection.readable`).
        ReadOrder.visit(count: readable.count) { index in
            readable[index]._withUnsafeGuaranteedRef { $0.readable() }
        }
        readable.removeAll(keepingCapacity: readable.capacity <= 4096)
    }

    /// Puts a spare output buffer in `buffer` (see `SpareOutputs`).
    func takeSpareOutput(into buffer: inout [UInt8], room bytes: Int) {
        spareOutputs.take(into: &buffer, room: bytes)
    }

    /// Takes `buffer`'s storage to lend again, and leaves `buffer` with none (see `SpareOutputs`).
    func giveBackOutput(_ buffer: inout [UInt8]) {
        spareOutputs.giveBack(&buffer)
    }

    private func accepted(_ fd: Int32) {
        let connection = Connection(id: connections.nextID, fd: fd, worker: self)
        connections.insert(connection, id: connection.id)
        observer?.connectionOpened()
        if connections.count >= maxConnections {
            // Over the limit, new connections wait in the kernel's backlog rather than being
            // refused: a burst is served late instead of failed. Accepting resumes below.
            listener?.pause()
        }
        connection.start()
    }

    func connectionDidClose(_ connection: Connection) {
        retired.append(connection)
        connections.remove(connection.id)
        observer?.connectionClosed()
        if isDraining {
            if connections.isEmpty { finishDrain() }
        } else if let listener, !listener.isAccepting, connections.count < maxConnections {
            listener.resume()
        }
    }

    /// Makes `connection` time out at `deadline` (infinity: not for now). A method here, not
    /// `worker.timeouts.schedule` at the call: reaching the wheel through another object retained and
    /// released it, twice a request.
    func scheduleTimeout(_ connection: Connection, deadline: Double) {
        timeouts.schedule(connection, deadline: deadline)
    }

    /// Takes `connection`, which is closing, out of the timeouts.
    func removeTimeout(_ connection: Connection) {
        timeouts.remove(connection)
    }

    private func sweep() {
        for connection in timeouts.sweep(now: loop.now) where !connection.isClosed {
            connection.timedOut()
        }
    }

    // MARK: - Jobs

    /// Queued until the loop is about to block, so one iteration's jobs leave in one hand-off.
    func submit(_ job: consuming PendingJob) {
        pendingJobs.append(job)
    }

    /// A model's answer for `slot`, queued with the iteration's other jobs for the same model.
    func submit(_ job: consuming ModelJob, slot: JobSlot) {
        pendingJobs.append(job, slot: slot)
    }

    /// Hands this iteration's jobs to the job queue: model jobs for the same model go together, as
    /// one batch (`JobBatch`); the batches are spread over as many threads as there are cores to use.
    ///
    /// At most one hand-off per usable core is running at a time. While they all are, model jobs
    /// wait here and leave together when one finishes (its completions wake the loop, and this runs
    /// again before the loop blocks): a hand-off more would only share a busy core, costing thread
    /// switches, where waiting makes the next batch larger and so cheaper per request. Closures
    /// (metrics, the repository API) never wait for model work.
    /// Before the loop blocks: hands off the jobs collected, then, after a small hand-off, delivers
    /// any answers already posted. With the job threads on the loop's own core (`taskset -c 1`, a
    /// one-core container) the woken job thread takes the core from the loop at once, so by the time
    /// the loop thread is back here the batch has usually been answered: those answers go out in this
    /// loop iteration, not the next, and the clients' next requests arrive together with the rest
    /// and join one batch, where they used to trail an iteration behind as a second group (two
    /// batches of ~32 at 64 connections: twice the thread switches). Large batches already spread
    /// the switches thin, and answering them early only lengthens the iteration that requests arriving
    /// meanwhile wait out (at 512 connections p99 measured higher with it), so they keep the doorbell's
    /// turn. Delivering can parse held-back input into new jobs, so each delivery is followed by a
    /// hand-off (bounded: the loop must get to its I/O).
    private func flushAndDeliver() {
        // No callback of this iteration is running any more: the connections it closed may go.
        if !retired.isEmpty { retired.removeAll(keepingCapacity: retired.capacity <= 4096) }
        // Reported last, after any early delivery: every response this iteration sent is counted
        // before the loop waits again.
        defer { reportTally() }
        var passes = 0
        while true {
            let handedOff = flushJobs()
            passes += 1
            guard handedOff > 0, handedOff <= Self.earlyDeliveryBatch, passes < 4, completions.takePosted() else { return }
        }
    }

    /// Hands the iteration's tally to the observer (one call, where each request cost six atomic
    /// operations when reported on its own).
    private func reportTally() {
        guard !tally.isEmpty else { return }
        observer?.record(tally)
        tally.removeAll()
    }

    /// The largest hand-off whose answers are delivered before the loop blocks (`flushAndDeliver`).
    static let earlyDeliveryBatch = 64

    /// Hands off what may go now; answers how many jobs went.
    private func flushJobs() -> Int {
        guard !pendingJobs.isEmpty else { return 0 }
        let handOffs = self.handOffs
        let idleCores = CPUAffinity.usableCores - handOffs.running.load(ordering: .acquiring)
        guard idleCores > 0 || pendingJobs.hasClosure else { return 0 }
        // The requests go into the in-flight gauge before any of their jobs can run. `/metrics` is
        // formatted on a job thread: reported after the hand-off, the gauge counted the scrape asking
        // it or not depending on which thread got there first (the soak saw 0, then 1 for 30 s).
        reportTally()
        let mailbox = completions!
        if let job = pendingJobs.takeLone() {
            // The usual case under light load: the job travels alone.
            handOffs.started(1)
            jobQueue.async { job.run(posting: mailbox, finishing: handOffs) }
            return 1
        }
        let jobCount = pendingJobs.count
        // Work is split only as far as there are idle cores to run the parts: each part costs a
        // thread wake-up, which on a single core (e.g. `taskset -c 1`) buys nothing. A part is at
        // least 8 jobs, and a batch is cut so that the parts come out near equal.
        let partCount = max(1, min(idleCores, (jobCount + 7) / 8))
        let batches = pendingJobs.takeBatches(maxJobs: (jobCount + partCount - 1) / partCount)
        var parts = Array(repeating: (jobs: 0, batches: [JobBatch]()), count: partCount)
        for batch in batches {
            let lightest = parts.indices.min { parts[$0].jobs < parts[$1].jobs }!
            parts[lightest].jobs += batch.count
            parts[lightest].batches.append(batch)
        }
        for part in parts where !part.batches.isEmpty {
            let batches = part.batches
            handOffs.started(1)
            jobQueue.async {
                // Each batch's results are posted as soon as they exist: the loop can write them
                // while the rest of the part is computed. The last one also ends the hand-off.
                for index in batches.indices {
                    batches[index].run(posting: mailbox, finishing: index == batches.count - 1 ? handOffs : nil)
                }
            }
        }
        return jobCount
    }

    /// Finished jobs, all of them since the last wake-up. A connection that closed meanwhile is
    /// simply not found: its response is dropped.
    private func deliver(_ batch: inout [JobCompletion]) {
        // Connections are borrowed, not retained (four atomic operations an answer): each stays alive
        // through this call, in the table or, if it closes while settling, in `retired`.
        // One clock read for the batch's response times (they are rendered microseconds apart).
        let now = loop.preciseNow
        for index in batch.indices {
            guard let connection = connections.unretained(batch[index].connection) else {
                observer?.jobResponseDropped()
                continue
            }
            // Moved out of the list, an empty response left in its place: handing the element
            // itself over copied the response (three retains, and three releases after).
            var response = HTTPResponse(status: 0, contentType: "", body: [])
            swap(&response, &batch[index].response)
            connection._withUnsafeGuaranteedRef { $0.complete(batch[index].sequence, with: response, now: now) }
            touched.append(connection)
            if touched.count == Self.settleEvery { settleTouched() }
        }
        settleTouched()
    }

    /// Sends what `deliver` rendered: each connection it answered settles once (writes its answers, which
    /// may be several pipelined ones, in one call) while its state is still in the cache.
    private func settleTouched() {
        for connection in touched {
            connection._withUnsafeGuaranteedRef { if !$0.isClosed { $0.settle() } }
        }
        touched.removeAll(keepingCapacity: true)
    }

    /// `deliver` settles the connections it answered this often. At 10 000 connections one delivery can
    /// bring thousands of answers: settled only after all of them, each connection was a cache miss
    /// again by then, and each answer needed its own output buffer where now one spare goes round.
    static let settleEvery = 64

    // MARK: - Shutdown

    func beginDrain() {
        guard !isDraining else { return }
        isDraining = true
        listener?.pause()
        listener = nil
        gracefulTimer = TimerWatcher(loop: loop, after: configuration.gracefulTimeout, repeat: 0) { [unowned self] in
            self.logger.warning("graceful timeout reached; closing \(self.connections.count) connection(s)")
            for connection in self.connections.all { connection.close() }
            self.finishDrain()
        }
        gracefulTimer?.start()
        for connection in connections.all { connection.beginDrain() }
        if connections.isEmpty { finishDrain() }
    }

    /// Runs once: both the last connection closing and the graceful timeout lead here.
    private func finishDrain() {
        guard !isDrained else { return }
        isDrained = true
        sweepTimer.stop()
        gracefulTimer?.stop()
        jobFlusher.stop()
        onDrained?()
        loop.stop()
    }

    func logAccess(method: HTTPMethod, target: String, status: Int, seconds: Double) {
        guard configuration.accessLog else { return }
        logger.info("\(method) \(target.isEmpty ? "-" : target) \(status) \(Int(seconds * 1_000_000))us")
    }
}
