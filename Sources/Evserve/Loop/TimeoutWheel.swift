/// A member of a `TimeoutWheel`: the wheel's links live in the member itself (intrusive lists), so
/// scheduling costs a few pointer writes and no allocation.
///
/// The wheel does not keep its members alive: a member must leave it (`remove`) before its last other
/// reference goes (a `Connection` leaves in `close()`, before the worker drops it). So the links are
/// `Unmanaged`, and the wheel reaches through them without retaining: no atomic reference counting.
/// (An `unowned(unsafe)` link is not enough: reading it into a local retains.)
protocol TimeoutWheelMember: AnyObject {
    /// When the member times out; infinity while it waits on nothing (see `TimeoutWheel.schedule`).
    var timeoutDeadline: Double { get set }
    var wheelPrevious: Unmanaged<Self>? { get set }
    var wheelNext: Unmanaged<Self>? { get set }
    /// The bucket the member is in (see `TimeoutWheel`), or nil.
    var wheelBucket: Int? { get set }
}

/// Members waiting on deadlines, in buckets of `period` seconds (a timing wheel): bucket b holds
/// members due in [b × period, (b + 1) × period), and a periodic `sweep` looks at the buckets that
/// have come due. One repeating timer serves every connection (`man 3 ev`, "Be smart about
/// timeouts"), and a timeout fires at most one period late.
///
/// A member whose deadline moves later stays in its bucket (it is only looked at early), and one
/// that waits on nothing for a while (a connection whose request is being answered) only says so:
/// the sweep, when its bucket comes, moves it on or lets it go. So the usual request, which takes a
/// connection from idle to waiting on nothing and back to idle a little later, touches no list at
/// all. (A deadline-ordered list per timeout had to move the connection to its back twice a
/// request, and unlinking it wrote to its two neighbours, connections served long before it: at
/// 10 000 connections, two cache misses a request.) Only a deadline earlier than the member's bucket
/// moves it at once.
final class TimeoutWheel<Member: TimeoutWheelMember> {
    /// The width of a bucket, and how often `sweep` should run.
    let period: Double
    /// Heads of the buckets' lists, bucket b in slot b % count. A deadline past the ring's span waits
    /// in the slot it wraps to, and is moved on when that slot comes due.
    private var heads: [Unmanaged<Member>?]
    /// The earliest bucket that may hold members: every earlier one has been swept.
    private var firstDue: Int
    private(set) var count = 0

    init(period: Double, now: Double, slots: Int = 64) {
        self.period = period
        heads = Array(repeating: nil, count: slots)
        firstDue = Int((now / period).rounded(.down))
    }

    /// The bucket holding `time` (finite).
    private func bucket(at time: Double) -> Int {
        Int((time / period).rounded(.down))
    }

    /// The bucket for a member due at `deadline` (finite): its own, or the first not yet swept.
    private func dueBucket(_ deadline: Double) -> Int {
        max(firstDue, bucket(at: deadline))
    }

    /// Makes `member` time out at `deadline` (infinity: at no time, for now). Nothing in the wheel
    /// moves unless the deadline comes before the member's bucket, or the member is in none.
    func schedule(_ member: Member, deadline: Double) {
        member.timeoutDeadline = deadline
        if let current = member.wheelBucket {
            // Looked at no later than `deadline` needs (or waiting on nothing): stays.
            if !deadline.isFinite || current <= dueBucket(deadline) { return }
            remove(member)
        } else if !deadline.isFinite {
            return
        }
        insert(member, into: dueBucket(deadline))
    }

    /// Takes `member` out of the wheel now (it is going away).
    func remove(_ member: Member) {
        guard let current = member.wheelBucket else { return }
        let (previous, next) = (member.wheelPrevious, member.wheelNext)
        if let previous {
            previous._withUnsafeGuaranteedRef { $0.wheelNext = next }
        } else {
            heads[current % heads.count] = next
        }
        if let next { next._withUnsafeGuaranteedRef { $0.wheelPrevious = previous } }
        member.wheelPrevious = nil
        member.wheelNext = nil
        member.wheelBucket = nil
        count -= 1
    }

    private func insert(_ member: Member, into bucket: Int) {
        let link = Unmanaged.passUnretained(member)
        let slot = bucket % heads.count
        member.wheelBucket = bucket
        member.wheelPrevious = nil
        member.wheelNext = heads[slot]
        if let head = heads[slot] { head._withUnsafeGuaranteedRef { $0.wheelPrevious = link } }
        heads[slot] = link
        count += 1
    }

    /// Takes every member whose deadline is at or before `now` out of the wheel and returns them;
    /// the others in the buckets that came due move on to their deadline's bucket, or, waiting on
    /// nothing, leave the wheel. The bucket holding `now` stays due: it is looked at again next time.
    func sweep(now: Double) -> [Member] {
        var expired: [Member] = []
        let last = bucket(at: now)
        guard last >= firstDue else { return expired }
        // Each slot at most once, even after a long pause (a stopped process): a slot's list holds
        // every bucket that wraps to it.
        for due in firstDue...min(last, firstDue + heads.count - 1) {
            let slot = due % heads.count
            // Detached first: members moved on into this same slot are not looked at twice now.
            var next = heads[slot]
            heads[slot] = nil
            while let link = next {
                let member = link.takeUnretainedValue()
                next = member.wheelNext
                member.wheelPrevious = nil
                member.wheelNext = nil
                member.wheelBucket = nil
                count -= 1
                if member.timeoutDeadline <= now {
                    expired.append(member)
                } else if member.timeoutDeadline.isFinite {
                    // Due after now, so in the bucket holding now or a later one.
                    insert(member, into: bucket(at: member.timeoutDeadline))
                }
            }
        }
        firstDue = last
        return expired
    }
}
