/// A Prometheus histogram with fixed bucket bounds, stored as per-bucket (not cumulative) counts
/// so recording touches one slot; `render` adds them up.
struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds. evserve answers in tens of microseconds to a few milliseconds, so
    /// the bounds start at 100 µs, well below Prometheus's default 5 ms first bucket, and keep
    /// the default ladder's 1-2.5-5 steps up to 10 s for stalls.
    static let bounds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// counts[i] = observations in (bounds[i-1], bounds[i]]; the last slot holds those above
    /// every bound (the `+Inf` bucket's own share).
    private(set) var counts: [UInt64] = Array(repeating: 0, count: LatencyHistogram.bounds.count + 1)
    private(set) var sum: Double = 0
    private(set) var count: UInt64 = 0

    /// The slot `seconds` falls in. Pure, so callers compute it before taking a lock.
    /// Prometheus buckets are `le` (less or equal) bounds; NaN lands in `+Inf` only.
    static func slot(for seconds: Double) -> Int {
        var low = 0, high = bounds.count
        while low < high {
            let mid = (low + high) / 2
            if seconds <= bounds[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// `observations` of the same `seconds` (a batch's requests, answered together).
    mutating func record(seconds: Double, slot: Int, count observations: UInt64 = 1) {
        counts[slot] &+= observations
        count &+= observations
        sum += seconds * Double(observations)
    }

    mutating func record(seconds: Double) {
        record(seconds: seconds, slot: Self.slot(for: seconds))
    }

    /// Cumulative counts per bound, then `+Inf` (which equals `count`).
    var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return counts.map { running &+= $0; return running }
    }
}
