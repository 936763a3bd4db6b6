/// Maps a label value (a route path, an HTTP method) to a small dense index, so the metrics
/// hot path compares a few short strings instead of formatting or hashing label sets.
///
/// Values must come from a bounded set (matched routes, methods). As a guard against a caller
/// passing raw request paths, the table stops growing at `capacity` and maps anything new to
/// `overflowName`, keeping the number of time series bounded.
struct LabelTable: Sendable {
    private(set) var names: [String]
    let capacity: Int
    let overflowName: String

    init(_ names: [String], capacity: Int, overflowName: String = "other") {
        precondition(names.count <= capacity)
        self.names = names
        self.names.reserveCapacity(capacity + 1)
        self.capacity = capacity
        self.overflowName = overflowName
    }

    /// The index of `name`, added on first sight (the only time this allocates).
    mutating func index(of name: String) -> Int {
        // Short ASCII strings are stored inline, so `==` on them is a cheap word comparison.
        if let i = names.firstIndex(of: name) { return i }
        if names.count < capacity {
            names.append(name)
            return names.count - 1
        }
        if let i = names.firstIndex(of: overflowName) { return i }
        names.append(overflowName)
        return names.count - 1
    }
}
