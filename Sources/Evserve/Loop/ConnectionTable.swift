/// A worker's open connections by id (loop thread only). An id is a slot's generation and index
/// (`generation << 32 | index`): finding a connection is an array read and a comparison, where a
/// dictionary hashed the id for every answer a job sent back (~140 instructions, callgrind). A slot's
/// generation changes each time it is reused, so the id of a closed connection (a job's answer can
/// come back after its connection went) never finds the connection that took its slot.
struct ConnectionTable<Element> {
    private var slots: [(generation: UInt32, connection: Element?)] = []
    /// Indexes of empty slots, reused last-freed first.
    private var free: [Int] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The id the next `insert` gives its connection.
    var nextID: UInt64 {
        let index = free.last ?? slots.count
        let generation = index < slots.count ? slots[index].generation &+ 1 : 0
        return UInt64(generation) << 32 | UInt64(index)
    }

    /// Stores `connection` under `id`, which must be `nextID`.
    mutating func insert(_ connection: Element, id: UInt64) {
        let index = Int(truncatingIfNeeded: id & 0xFFFF_FFFF)
        precondition(id == nextID, "a connection takes the id the table offers")
        if index == slots.count {
            slots.append((0, connection))
        } else {
            free.removeLast()
            slots[index] = (slots[index].generation &+ 1, connection)
        }
        count += 1
    }

    subscript(id: UInt64) -> Element? {
        let index = Int(truncatingIfNeeded: id & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(truncatingIfNeeded: id >> 32) else { return nil }
        return slots[index].connection
    }

    /// The connection with `id`, not retained: for the loop's hot path, where the table keeps it alive
    /// (and, once it has closed, the worker's `retired` list, until the loop iteration ends).
    func unretained(_ id: UInt64) -> Unmanaged<Element>? where Element: AnyObject {
        let index = Int(truncatingIfNeeded: id & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(truncatingIfNeeded: id >> 32),
              let connection = slots[index].connection else { return nil }
        return Unmanaged.passUnretained(connection)
    }

    /// Forgets the connection with `id`, if it is here.
    mutating func remove(_ id: UInt64) {
        let index = Int(truncatingIfNeeded: id & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(truncatingIfNeeded: id >> 32),
              slots[index].connection != nil else { return }
        slots[index].connection = nil
        free.append(index)
        count -= 1
    }

    /// Every open connection (a copy: closing them changes the table).
    var all: [Element] { slots.compactMap(\.connection) }
}
