import Glibc

/// The deadline of a `waitUntil` passed with the condition still false.
struct ConditionTimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Waits until `condition` holds, checking it every few milliseconds, and throws if it still does
/// not hold after `timeout` seconds.
///
/// Live tests use this instead of a fixed sleep: a fixed sleep guesses how long the server needs,
/// which a loaded machine outlasts, while polling returns as soon as the state is reached. The
/// deadline only bounds a failing run, so it is generous.
func waitUntil(_ what: @autoclosure () -> String, timeout: Double = 10, _ condition: () throws -> Bool) throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(Int(timeout * 1000)))
    while true {
        if try condition() { return }
        if clock.now >= deadline {
            throw ConditionTimedOut(description: "after \(timeout) s still waiting for: \(what())")
        }
        usleep(2_000)  // the polling interval, not a guess at how long the server needs
    }
}

/// Seconds on a monotonic clock, for measuring how long something took.
func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
