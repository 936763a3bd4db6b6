/// The responses a connection owes, in request order (RFC 9112 §9.3.2: responses to pipelined
/// requests go out in the order the requests came). Each request reserves a
/// slot when it is parsed; the slot is filled when its response is ready, which for offloaded
/// jobs may be after later requests' slots. Only the filled prefix may be sent, so pipelined
/// replies always leave in the order the requests came in.
struct ResponseQueue {
    /// How a reserved response must be written, decided when its request was parsed.
    struct Framing {
        var keepAlive: Bool
        var http10: Bool
        var omitBody: Bool
    }

    struct Slot {
        var framing: Framing
        /// What to record once rendered: the route that answered, the method, when it began.
        var route: String
        var method: HTTPMethod
        /// The request target as sent, for the access log.
        var target: String
        var startedAt: Double
        var bytes: [UInt8]?
        /// False for interim responses (`100 Continue`), which answer no request on their own.
        var isFinal: Bool
    }

    /// `slots[head..<end]` are owed; those past `end` are spent, kept to be overwritten by the next
    /// ones (emptying the array after each response cost ~200 instructions of generic removal).
    private var slots: [Slot] = []
    private var head = 0
    private var end = 0
    /// Sequence number of `slots[head]`.
    private var firstSequence = 0

    /// Final responses still owed (reserved and not yet taken).
    private(set) var outstanding = 0
    /// Final responses reserved but not yet made (their jobs may still be running).
    private(set) var unfilled = 0

    var isEmpty: Bool { head == end }

    /// Reserves the next slot and returns its sequence number.
    mutating func reserve(framing: Framing, route: String, method: HTTPMethod, target: String = "",
                          startedAt: Double) -> Int {
        store(Slot(framing: framing, route: route, method: method, target: target, startedAt: startedAt,
                   bytes: nil, isFinal: true))
        outstanding += 1
        unfilled += 1
        return firstSequence + (end - 1 - head)
    }

    /// Puts `slot` at `end`, over a spent slot where there is one.
    private mutating func store(_ slot: consuming Slot) {
        if end < slots.count { slots[end] = slot } else { slots.append(slot) }
        end += 1
    }

    /// Queues bytes that are ready now and answer no request (an interim response).
    mutating func appendInterim(_ bytes: [UInt8]) {
        store(Slot(framing: Framing(keepAlive: true, http10: false, omitBody: false),
                   route: "", method: .get, target: "", startedAt: 0, bytes: bytes, isFinal: false))
    }

    /// The slot for `sequence`, if it is still owed.
    func slot(_ sequence: Int) -> Slot? {
        let index = head + (sequence - firstSequence)
        guard sequence >= firstSequence, index < end, slots[index].bytes == nil else { return nil }
        return slots[index]
    }

    /// Fills the slot for `sequence`. Returns false if there is no such owed slot.
    @discardableResult
    mutating func fill(_ sequence: Int, with bytes: [UInt8]) -> Bool {
        let index = head + (sequence - firstSequence)
        guard sequence >= firstSequence, index < end, slots[index].bytes == nil else { return false }
        slots[index].bytes = bytes
        if slots[index].isFinal { unfilled -= 1 }
        return true
    }

    /// Removes and returns the slot for `sequence` if it is the next to send and still owed: its
    /// response can go straight to the output, with no buffer of its own.
    mutating func takeIfNext(_ sequence: Int) -> Slot? {
        guard sequence == firstSequence, head < end, slots[head].bytes == nil else { return nil }
        let slot = slots[head]
        unfilled -= 1
        advance(past: slot)
        return slot
    }

    /// Removes and returns the first slot if it is ready to send.
    mutating func popReady() -> Slot? {
        guard head < end, slots[head].bytes != nil else { return nil }
        let slot = slots[head]
        slots[head].bytes = nil
        advance(past: slot)
        return slot
    }

    private mutating func advance(past slot: Slot) {
        head += 1
        firstSequence += 1
        if slot.isFinal { outstanding -= 1 }
        if head == end {
            (head, end) = (0, 0)
        } else if head >= 64 {
            slots.removeFirst(head)
            end -= head
            head = 0
        }
    }
}
