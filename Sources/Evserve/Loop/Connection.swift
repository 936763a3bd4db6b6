import CLibev
import Glibc

/// One client connection on one loop: reads requests, keeps their responses in order, writes them,
/// and decides when to stop reading (back-pressure), when to time out and when to close.
///
/// One object serves the whole keep-alive connection; the parser resets itself per message.
/// Everything here runs on the owning loop's thread.
final class Connection: TimeoutWheelMember {
    // The stored properties are laid out in this order, those every request reads or writes first:
    // at thousands of connections each cache line of a connection a request touches is likely a miss.

    /// Strong on purpose: the loop's table of connections and this reference form a cycle that
    /// `close()` breaks (the loop drops the connection), and a strong reference costs nothing per
    /// access, where `unowned` checks the object on every use in the hot path.
    private let worker: Worker
    private let parser: RequestParser
    private var watchers: ConnectionWatchers
    /// False once a request asked to close, a protocol error was answered, or the peer closed.
    private var takesRequests = true
    private var peerClosed = false
    /// Write side shut down; reading and discarding until the peer closes (see `startLingering`).
    private var lingering = false
    private(set) var isClosed = false
    /// What the connection waits on, which decides what its timeout does (`timedOut`).
    private var waitingOn = Waiting.nothing
    let fd: Int32
    let id: UInt64

    private var responses = ResponseQueue()
    private var output: [UInt8] = []
    private var outputOffset = 0
    /// Bytes read but not yet parsed, kept while back-pressure holds parsing back.
    private var pendingInput: [UInt8] = []
    private var lastActivity: Double

    // TimeoutWheelMember. The links are not retained: the worker's table keeps every connection alive
    // until `close()`, which takes it out of the wheel first; so no link outlives its target. The
    // links come last: a request seldom moves the connection in the wheel.
    var timeoutDeadline = Double.infinity
    var wheelBucket: Int?
    private var lastWriteProgress: Double
    private var lingerStartedAt = 0.0
    var wheelPrevious: Unmanaged<Connection>?
    var wheelNext: Unmanaged<Connection>?

    /// What a connection can be waiting on, each with its own timeout.
    enum Waiting {
        case nothing, nextRequest, restOfRequest, clientToRead, peerToClose
    }

    init(id: UInt64, fd: Int32, worker: Worker) {
        self.id = id
        self.fd = fd
        self.worker = worker
        self.parser = RequestParser(maxHeadSize: worker.configuration.maxHeadSize,
                                    maxBodySize: worker.configuration.maxBodySize)
        self.lastActivity = worker.loop.now
        self.lastWriteProgress = worker.loop.now
        // The watchers' `data` is this connection, unretained: they are its own and are stopped in
        // `close()`, and a connection that closes in a callback stays alive to its end (the worker's
        // `retired` list). Readable sockets are served after the iteration's callbacks, in the
        // kernel's order (`Worker.serveReadable`).
        self.watchers = ConnectionWatchers(loop: worker.loop, fd: fd, onReadable: { _, watcher, _ in
            Unmanaged<Connection>.fromOpaque(watcher!.pointee.data)._withUnsafeGuaranteedRef { $0.worker.becameReadable($0) }
        }, onWritable: { _, watcher, _ in
            Unmanaged<Connection>.fromOpaque(watcher!.pointee.data)._withUnsafeGuaranteedRef { $0.settle() }
        })
        watchers.attach(self)
    }

    deinit {
        watchers.free()
    }

    func start() {
        watchers.setReading(true)
        updateTimeout()
    }

    private var unsentBytes: Int { output.count - outputOffset }

    private var isOverloaded: Bool {
        responses.outstanding >= worker.configuration.maxPipelinedRequests
            || unsentBytes >= worker.configuration.maxUnsentBytes
    }

    /// Nothing owed, nothing half-received: the connection may be closed without losing anything.
    var isIdle: Bool {
        responses.isEmpty && unsentBytes == 0 && !parser.inMessage && pendingInput.isEmpty
    }

    // MARK: - Reading

    /// Reads and serves what arrived, if the connection still wants input (its socket was readable when
    /// the loop polled; something served before it this iteration may have closed it or paused reading).
    func readable() {
        guard !isClosed, watchers.isReading else { return }
        let buffer = worker.readBuffer
        let count = recv(fd, buffer.baseAddress, buffer.count, 0)
        if count > 0 {
            lastActivity = worker.loop.now
            if !lingering { consume(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        } else if count == 0 {
            if lingering { close(); return }
            peerClosed = true
            takesRequests = false
        } else {
            if errno == EAGAIN || errno == EINTR { return }
            close()
            return
        }
        settle()
    }

    /// Parses requests out of `bytes`, one at a time, until they run out or back-pressure holds.
    private func consume(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        parser.now = worker.loop.now
        while !rest.isEmpty && takesRequests {
            if isOverloaded {
                pendingInput.appendBytes(rest)
                return
            }
            switch parser.feed(rest) {
            case .needMoreInput(let sendContinue):
                if sendContinue { responses.appendInterim(ResponseWriter.continueResponse) }
                return
            case .request(let request, let consumed):
                rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
                handle(request)
            case .failure(let error):
                respond(to: HTTPError(error))
                return
            }
        }
    }

    private func handle(_ request: consuming HTTPRequest) {
        let keepAlive = request.keepAlive && !worker.isDraining
        if !keepAlive { takesRequests = false }
        let framing = ResponseQueue.Framing(
            keepAlive: keepAlive,
            http10: request.versionMajor == 1 && request.versionMinor == 0,
            omitBody: request.method == .head)
        let method = request.method
        // Kept for the access log only: a long target is a reference, counted at each copy of its slot.
        let target = worker.configuration.accessLog ? request.target : ""
        // The request goes to its route's handler, which owns it from there.
        let (route, outcome) = worker.route(request)
        let sequence = responses.reserve(framing: framing, route: route, method: method,
                                         target: target, startedAt: parser.messageStartedAt)
        worker.tally.requestStarted()
        // Consumed: a model job moves into the worker's pending jobs instead of being copied there.
        switch consume outcome {
        case .respond(let response):
            complete(sequence, with: response)
        case .offload(let work):
            worker.submit(PendingJob(connection: id, sequence: sequence, work: .closure(work)))
        case .model(let job):
            worker.submit(job, slot: JobSlot(connection: id, sequence: sequence))
        }
    }

    /// Answers a protocol error (after every response already owed) and stops taking requests.
    private func respond(to error: HTTPError) {
        takesRequests = false
        let framing = ResponseQueue.Framing(keepAlive: !error.closesConnection, http10: false, omitBody: false)
        let sequence = responses.reserve(framing: framing, route: Router.unmatched, method: .other("-"),
                                         startedAt: parser.inMessage ? parser.messageStartedAt : worker.loop.now)
        worker.tally.requestStarted()
        complete(sequence, with: error.response)
    }

    /// Renders the response for request `sequence`; it is sent once every earlier one has been.
    /// `now`: the clock read once for a batch of answers (`Worker.deliver`); else it is read here.
    func complete(_ sequence: Int, with response: HTTPResponse, now: Double? = nil) {
        let slot: ResponseQueue.Slot
        if let next = responses.takeIfNext(sequence) {
            // Next in line (the usual case): rendered straight into the output, a spare of the
            // worker's when this connection holds none (see `SpareOutputs`).
            slot = next
            if output.capacity == 0 { worker.takeSpareOutput(into: &output, room: 160 + response.body.count) }
            render(response, for: slot, into: &output)
            if !slot.framing.keepAlive { takesRequests = false }
        } else {
            // An earlier response is still owed: this one waits in its slot, in a buffer of its own.
            guard let owed = responses.slot(sequence) else { return }
            slot = owed
            var bytes: [UInt8] = []
            bytes.reserveCapacity(160 + response.body.count)
            render(response, for: slot, into: &bytes)
            responses.fill(sequence, with: bytes)
        }
        let seconds = max(0, (now ?? worker.loop.preciseNow) - slot.startedAt)
        worker.tally.responseReady(route: slot.route, method: slot.method, status: response.status, seconds: seconds)
        worker.logAccess(method: slot.method, target: slot.target, status: response.status, seconds: seconds)
    }

    private func render(_ response: HTTPResponse, for slot: ResponseQueue.Slot, into bytes: inout [UInt8]) {
        ResponseWriter.render(response, keepAlive: slot.framing.keepAlive, http10: slot.framing.http10,
                              omitBody: slot.framing.omitBody, date: worker.dateHeader(), into: &bytes)
    }

    // MARK: - Writing and deciding what next

    /// Moves ready responses to the output, writes, then sets watchers, back-pressure and timeout to
    /// match the new state. Called after every event on this connection.
    func settle() {
        while !isClosed {
            var closeAfterOutput = false
            while let slot = responses.popReady() {
                output.append(contentsOf: slot.bytes!)
                if slot.isFinal && !slot.framing.keepAlive { closeAfterOutput = true }
            }
            if closeAfterOutput { takesRequests = false }
            writeOutput()
            if isClosed { return }

            if responses.isEmpty && unsentBytes == 0 && !lingering {
                if peerClosed { close(); return }
                if !takesRequests || (worker.isDraining && !parser.inMessage) {
                    startLingering()
                }
            }
            // Input held back by back-pressure: parse it now that there is room.
            if !pendingInput.isEmpty && !isOverloaded && takesRequests {
                let held = pendingInput
                pendingInput = []
                held.withUnsafeBytes { consume($0) }
                continue
            }
            break
        }
        if isClosed { return }
        watchers.setWriting(unsentBytes > 0)
        let wantsInput = lingering || (takesRequests && !peerClosed && !isOverloaded && pendingInput.isEmpty)
        watchers.setReading(wantsInput)
        updateTimeout()
    }

    private func writeOutput() {
        while outputOffset < output.count {
            // Mutable access though nothing is written: a read of the stored array would retain it.
            let written = output.withUnsafeMutableBytes { bytes in
                // MSG_NOSIGNAL: a peer that went away gives EPIPE here, not a process-killing SIGPIPE.
                send(fd, bytes.baseAddress! + outputOffset, bytes.count - outputOffset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                outputOffset += written
                lastWriteProgress = worker.loop.now
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                close()
                return
            }
        }
        // All sent: the buffer goes back to the worker for whichever connection answers next.
        outputOffset = 0
        if output.capacity > 0 { worker.giveBackOutput(&output) }
    }

    /// Closing right after the last response could make the kernel answer still-unread input with a
    /// reset that destroys that response at the client (RFC 9112 §9.6). So shut down the write side
    /// and read until the peer closes, or until a short linger timeout.
    private func startLingering() {
        lingering = true
        takesRequests = false
        pendingInput = []
        lingerStartedAt = worker.loop.now
        shutdown(fd, Int32(SHUT_WR))
    }

    // MARK: - Timeouts

    /// Sets the connection's timeout to match its state (none while a job runs).
    private func updateTimeout() {
        // Each field read through the worker: a copy of the whole configuration would retain its Strings.
        let deadline: Double
        if lingering {
            (waitingOn, deadline) = (.peerToClose, lingerStartedAt + worker.configuration.lingerTimeout)
        } else if unsentBytes > 0 {
            (waitingOn, deadline) = (.clientToRead, lastWriteProgress + worker.configuration.writeTimeout)
        } else if parser.inMessage && takesRequests {
            (waitingOn, deadline) = (.restOfRequest, parser.messageStartedAt + worker.configuration.requestTimeout)
        } else if !responses.isEmpty || !pendingInput.isEmpty {
            (waitingOn, deadline) = (.nothing, .infinity)
        } else {
            (waitingOn, deadline) = (.nextRequest, lastActivity + worker.configuration.keepAliveTimeout)
        }
        worker.scheduleTimeout(self, deadline: deadline)
    }

    /// The sweep found this connection past its deadline.
    func timedOut() {
        if waitingOn == .restOfRequest && parser.inMessage {
            // Slowloris or a stalled upload: say so, then close.
            respond(to: .requestTimeout)
            settle()
        } else {
            close()
        }
    }

    /// Asked to shut down: close now if nothing would be lost, else finish what is owed first.
    func beginDrain() {
        if isIdle { close() } else { settle() }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        // Watchers stop before the descriptor closes: libev must never watch a reused fd number.
        watchers.stop()
        worker.removeTimeout(self)
        Glibc.close(fd)
        // Requests whose jobs are still running will never be answered: they leave the in-flight count.
        for _ in 0..<responses.unfilled { worker.tally.requestAbandoned() }
        worker.connectionDidClose(self)
    }
}
