import Testing
@testable import Evserve

/// The intrusive, deadline-ordered timeout list.
@Suite struct TimeoutListTests {
    final class Member: TimeoutListMember {
        let name: String
        var timeoutDeadline = 0.0
        var timeoutPrevious: Unmanaged<Member>?
        var timeoutNext: Unmanaged<Member>?
        var timeoutListID: Int?
        init(_ name: String) { self.name = name }
    }

    /// Members expire in order once now passes start + duration; later ones stay.
    @Test func expiresOldestFirst() {
        let list = TimeoutList<Member>(id: 0, duration: 5)
        let a = Member("a"), b = Member("b"), c = Member("c")
        list.append(a, start: 0)
        list.append(b, start: 1)
        list.append(c, start: 10)
        #expect(list.popExpired(now: 4.9).isEmpty)
        #expect(list.popExpired(now: 6).map(\.name) == ["a", "b"])
        #expect(list.count == 1)
        #expect(c.timeoutDeadline == 15)
    }

    /// Moving a member to the back on activity (remove + append) postpones only that member.
    @Test func activityMovesAMemberToTheBack() {
        let list = TimeoutList<Member>(id: 0, duration: 5)
        let a = Member("a"), b = Member("b")
        list.append(a, start: 0)
        list.append(b, start: 1)
        list.remove(a)
        list.append(a, start: 3)
        #expect(list.popExpired(now: 7).map(\.name) == ["b"])
        #expect(list.popExpired(now: 8).map(\.name) == ["a"])
        #expect(a.timeoutListID == nil)
    }

    /// Removing from the middle, or a member of another list, leaves the list consistent.
    @Test func removalKeepsLinksConsistent() {
        let list = TimeoutList<Member>(id: 0, duration: 1)
        let other = TimeoutList<Member>(id: 1, duration: 1)
        let members = (0..<5).map { Member("\($0)") }
        for (i, m) in members.enumerated() { list.append(m, start: Double(i)) }
        let stranger = Member("x")
        other.append(stranger, start: 0)
        list.remove(members[2])
        list.remove(stranger)  // not ours: ignored
        #expect(stranger.timeoutListID == 1)
        #expect(list.popExpired(now: 100).map(\.name) == ["0", "1", "3", "4"])
        #expect(list.oldest == nil)
    }
}
