import Testing
@testable import Evserve

/// The ids a worker's table hands out: unique among open connections, and never found again once
/// their connection is gone, even when its slot is reused.
@Suite struct ConnectionTableTests {
    /// A model of the table: random opens and closes, checked against a dictionary of the open ids.
    @Test func idsFindExactlyTheOpenConnections() {
        var table = ConnectionTable<Int>()
        var open: [UInt64: Int] = [:]  // id -> the value stored (a stand-in for a connection)
        var closed: [UInt64] = []
        var seen = Set<UInt64>()
        var generator = SystemRandomNumberGenerator()
        for step in 0..<5_000 {
            if open.isEmpty || Int.random(in: 0..<3, using: &generator) > 0 && open.count < 40 {
                let id = table.nextID
                #expect(!seen.contains(id), "id \(id) handed out twice")
                seen.insert(id)
                table.insert(step, id: id)
                open[id] = step
            } else {
                let id = open.keys.randomElement(using: &generator)!
                table.remove(id)
                open[id] = nil
                closed.append(id)
            }
            #expect(table.count == open.count)
            #expect(table.isEmpty == open.isEmpty)
        }
        for (id, value) in open { #expect(table[id] == value) }
        for id in closed { #expect(table[id] == nil) }
        #expect(table.all.sorted() == open.values.sorted())
        // Removing an id twice, or one never handed out, changes nothing.
        if let id = closed.first {
            table.remove(id)
            #expect(table.count == open.count)
        }
        table.remove(UInt64.max)
        #expect(table.count == open.count)
    }
}
