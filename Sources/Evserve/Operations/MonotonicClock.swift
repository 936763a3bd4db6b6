import Glibc

/// Seconds on the monotonic clock, for durations (inference time, training time). The loop's own
/// cached time (`EvLoop.now`) is used for everything the loop measures.
enum MonotonicClock {
    static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
