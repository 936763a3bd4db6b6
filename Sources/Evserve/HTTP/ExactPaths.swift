import Glibc

/// The route table's exact paths, found from a request's path bytes.
///
/// A `Dictionary<String, _>` hashes a key with SipHash, which guards a table that its users fill
/// against collisions an attacker chooses; it cost ~450 instructions a request for `/predict`
/// (callgrind). Here the keys are the route table's, fixed before the server starts, and a request's
/// path only looks one up: whatever it is, it probes at most as far as the longest run of the few
/// keys, and a full comparison decides. So a cheap multiplicative hash of the bytes is enough.
struct ExactPaths<Value: Sendable>: Sendable {
    private var keys: [[UInt8]] = []
    private(set) var values: [Value] = []
    /// Open addressing, linear probing; a power of two at least four times the keys; -1 is empty.
    private var slots: [Int32] = Array(repeating: -1, count: 8)

    /// The value stored for `path`, if any.
    subscript(path: String) -> Value? {
        get {
            var path = path
            // `withUTF8` reads a native String's own bytes (a small one's from a stack copy).
            return path.withUTF8 { bytes in index(of: UnsafeRawBufferPointer(bytes)).map { values[$0] } }
        }
        set {
            let bytes = Array(path.utf8)
            let found = bytes.withUnsafeBytes { index(of: $0) }
            switch (found, newValue) {
            case (let index?, let value?):
                values[index] = value
            case (nil, let value?):
                keys.append(bytes)
                values.append(value)
                rebuildSlots()
            case (let index?, nil):
                keys.remove(at: index)
                values.remove(at: index)
                rebuildSlots()
            case (nil, nil):
                break
            }
        }
    }

    private func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { return nil }
            let key = keys[index]
            if key.count == bytes.count,
               key.withUnsafeBytes({ $0.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                return index
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func rebuildSlots() {
        var size = 8
        while size < keys.count * 4 { size *= 2 }
        slots = Array(repeating: -1, count: size)
        for (index, key) in keys.enumerated() {
            var slot = key.withUnsafeBytes { Int(truncatingIfNeeded: Self.hash($0)) } & (size - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(index)
        }
    }

    /// The length and the bytes, eight at a time, folded by multiplication (the golden ratio's
    /// odd constant); the top bits, which every byte reaches, are folded into the low ones used.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = UInt64(bytes.count) &* multiplier
        var i = 0
        while bytes.count &- i >= 8 {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* multiplier
            i &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift &+= 8
            i &+= 1
        }
        hash = (hash ^ tail) &* multiplier
        return hash ^ (hash >> 32)
    }
}
