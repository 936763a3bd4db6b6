import Testing
@testable import Evserve
import TestSupport

/// The timing wheel that holds every connection's timeout: each member times out at the first sweep
/// at or after its deadline, at most one period late, never early, however its deadline moved.
@Suite struct TimeoutWheelTests {
    final class Member: TimeoutWheelMember {
        let name: String
        var timeoutDeadline = Double.infinity
        var wheelPrevious: Unmanaged<Member>?
        var wheelNext: Unmanaged<Member>?
        var wheelBucket: Int?
        init(_ name: String) { self.name = name }
    }

    static func names(_ members: [Member]) -> [String] { members.map(\.name).sorted() }

    /// Members time out once a sweep's time reaches their deadline; later ones stay.
    @Test func expiresAtTheDeadline() {
        let wheel = TimeoutWheel<Member>(period: 1, now: 0)
        let a = Member("a"), b = Member("b"), c = Member("c")
        wheel.schedule(a, deadline: 5)
        wheel.schedule(b, deadline: 6.5)
        wheel.schedule(c, deadline: 15)
        #expect(wheel.sweep(now: 4.9).isEmpty)
        #expect(Self.names(wheel.sweep(now: 6)) == ["a"])
        #expect(wheel.sweep(now: 6.4).isEmpty)
        #expect(Self.names(wheel.sweep(now: 7)) == ["b"])
        #expect(wheel.count == 1 && c.wheelBucket != nil && a.wheelBucket == nil)
    }

    /// A deadline moved later is honoured though the member stays in its bucket until then; one moved
    /// earlier moves it at once.
    @Test func deadlinesMoveBothWays() {
        let wheel = TimeoutWheel<Member>(period: 1, now: 0)
        let later = Member("later"), earlier = Member("earlier")
        wheel.schedule(later, deadline: 2)
        wheel.schedule(earlier, deadline: 9)
        let bucket = later.wheelBucket
        wheel.schedule(later, deadline: 8)
        #expect(later.wheelBucket == bucket)
        wheel.schedule(earlier, deadline: 3)
        #expect(wheel.sweep(now: 2.5).isEmpty)
        #expect(Self.names(wheel.sweep(now: 3)) == ["earlier"])
        #expect(wheel.sweep(now: 7.9).isEmpty)
        #expect(Self.names(wheel.sweep(now: 8)) == ["later"])
        #expect(wheel.count == 0)
    }

    /// A member waiting on nothing (deadline infinity) never times out and leaves the wheel when its
    /// bucket comes; scheduled again, it comes back.
    @Test func waitingOnNothing() {
        let wheel = TimeoutWheel<Member>(period: 1, now: 0)
        let a = Member("a")
        wheel.schedule(a, deadline: 2)
        wheel.schedule(a, deadline: .infinity)
        #expect(wheel.sweep(now: 100).isEmpty)
        #expect(a.wheelBucket == nil && wheel.count == 0)
        wheel.schedule(a, deadline: 103)
        #expect(wheel.sweep(now: 102).isEmpty)
        #expect(Self.names(wheel.sweep(now: 103.5)) == ["a"])
    }

    /// Deadlines past the ring's span (64 buckets) wrap to an earlier slot and wait there: the
    /// sweeps that reach that slot early move them on, and they time out on time.
    @Test func deadlinesBeyondTheRing() {
        let wheel = TimeoutWheel<Member>(period: 0.5, now: 0)
        let far = Member("far"), near = Member("near")
        wheel.schedule(far, deadline: 100)
        wheel.schedule(near, deadline: 1)
        var expired: [String: Double] = [:]
        var now = 0.0
        while now < 120 {
            now += 0.5
            for member in wheel.sweep(now: now) { expired[member.name] = now }
        }
        #expect(expired == ["near": 1, "far": 100])
    }

    /// Removing members, from any place in a bucket, leaves the others' links whole; a member of no
    /// wheel is ignored.
    @Test func removalKeepsLinksConsistent() {
        let wheel = TimeoutWheel<Member>(period: 1, now: 0)
        let members = (0..<5).map { Member("\($0)") }
        for member in members { wheel.schedule(member, deadline: 3.5) }
        wheel.remove(members[2])
        wheel.remove(members[4])
        wheel.remove(members[0])
        wheel.remove(Member("stranger"))
        #expect(wheel.count == 2)
        #expect(Self.names(wheel.sweep(now: 4)) == ["1", "3"])
        #expect(members.allSatisfy { $0.wheelBucket == nil && $0.wheelNext == nil && $0.wheelPrevious == nil })
    }

    /// Random schedules and removals against a plain model: each member expires at the first sweep at
    /// or after its last deadline, never before, and removed ones never.
    @Test func agreesWithAPlainModel() {
        var generator = SeededGenerator(seed: 11)
        let period = 0.25
        let wheel = TimeoutWheel<Member>(period: period, now: 0)
        let members = (0..<200).map { Member("\($0)") }
        var deadlines: [String: Double] = [:]  // the model: live members' deadlines
        var now = 0.0
        for _ in 0..<4_000 {
            let member = members[Int.random(in: 0..<members.count, using: &generator)]
            switch Int.random(in: 0..<10, using: &generator) {
            case 0:
                wheel.remove(member)
                deadlines[member.name] = nil
            case 1:
                wheel.schedule(member, deadline: .infinity)
                deadlines[member.name] = nil
            default:
                let deadline = now + Double.random(in: 0...40, using: &generator)
                wheel.schedule(member, deadline: deadline)
                deadlines[member.name] = deadline
            }
            if Int.random(in: 0..<20, using: &generator) == 0 {
                now += period * Double.random(in: 0.5...1.5, using: &generator)
                let expired = Set(wheel.sweep(now: now).map(\.name))
                let due = Set(deadlines.filter { $0.value <= now }.keys)
                #expect(expired == due, "at \(now)")
                for name in due { deadlines[name] = nil }
            }
        }
        #expect(wheel.count >= deadlines.count)
    }
}
