/// A member of a `TimeoutList`: the list's links live in the member itself (an intrusive list), so
/// moving a connection to the back on activity costs a few pointer writes and no allocation.
///
/// The list does not keep its members alive: a member must leave its list before its last other
/// reference goes (a `Connection` leaves in `close()`, before the worker drops it). So the links are
/// `Unmanaged`, and the list reaches through them without retaining: moving a member (twice per
/// request) costs no atomic reference counting. (An `unowned(unsafe)` link is not enough: reading it
/// into a local retains.)
protocol TimeoutListMember: AnyObject {
    var timeoutDeadline: Double { get set }
    var timeoutPrevious: Unmanaged<Self>? { get set }
    var timeoutNext: Unmanaged<Self>? { get set }
    var timeoutListID: Int? { get set }
}

/// Connections waiting on the same kind of timeout, ordered by deadline. This is `man 3 ev`'s
/// "Be smart about timeouts", method 4: every member of a list has the same timeout length, so
/// appending at the back on activity keeps the list sorted, and one repeating timer only has to
/// look at the front of each list instead of every connection.
final class TimeoutList<Member: TimeoutListMember> {
    let id: Int
    /// How long a member may stay in this list before it times out.
    let duration: Double
    // Unmanaged: every member here is kept alive by its owner until it has been removed (see
    // `TimeoutListMember`).
    private var first: Unmanaged<Member>?
    private var last: Unmanaged<Member>?
    private(set) var count = 0

    init(id: Int, duration: Double) {
        self.id = id
        self.duration = duration
    }

    /// Puts `member` at the back with deadline `start + duration`. `start` must not be earlier
    /// than the start of any member already in the list (true for the loop's monotonic clock).
    func append(_ member: Member, start: Double) {
        precondition(member.timeoutListID == nil, "already in a timeout list")
        let link = Unmanaged.passUnretained(member)
        member.timeoutDeadline = start + duration
        member.timeoutListID = id
        member.timeoutPrevious = last
        member.timeoutNext = nil
        if let last { last._withUnsafeGuaranteedRef { $0.timeoutNext = link } } else { first = link }
        last = link
        count += 1
    }

    func remove(_ member: Member) {
        guard member.timeoutListID == id else { return }
        let (previous, next) = (member.timeoutPrevious, member.timeoutNext)
        if let previous { previous._withUnsafeGuaranteedRef { $0.timeoutNext = next } } else { first = next }
        if let next { next._withUnsafeGuaranteedRef { $0.timeoutPrevious = previous } } else { last = previous }
        member.timeoutPrevious = nil
        member.timeoutNext = nil
        member.timeoutListID = nil
        count -= 1
    }

    /// The member that has waited longest (its deadline is the list's earliest).
    var oldest: Member? { first?.takeUnretainedValue() }

    /// Removes and returns every member whose deadline is at or before `now`, oldest first.
    func popExpired(now: Double) -> [Member] {
        var expired: [Member] = []
        while let member = oldest, member.timeoutDeadline <= now {
            remove(member)
            expired.append(member)
        }
        return expired
    }
}
