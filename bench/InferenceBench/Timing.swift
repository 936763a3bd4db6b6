// Timing shared by both modes of the benchmark.
import Glibc

let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    let (s, attoseconds) = duration.components
    return Double(s) + Double(attoseconds) * 1e-18
}

/// INFERENCE_BENCH_CPU_TIME=1 times rounds by this thread's CPU time instead of the wall clock: on a
/// machine shared with other work, time spent preempted then does not count (comparisons between
/// builds measured alike; scikit-learn's side is always wall-clock).
let usesThreadTime = getenv("INFERENCE_BENCH_CPU_TIME").map { String(cString: $0) == "1" } ?? false

/// Seconds `body` took, by the chosen clock.
func measure(_ body: () -> Void) -> Double {
    guard usesThreadTime else { return seconds(clock.measure(body)) }
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
    body()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
    return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9
}

/// Runs `body` in rounds of `iterations` calls for about `budget` seconds; the best round's time per call.
func bestTimePerCall(budget: Double = 0.4, _ body: () -> Void) -> Double {
    var iterations = 1
    while measure({ for _ in 0..<iterations { body() } }) < 0.01 { iterations *= 2 }
    var best = Double.infinity
    let end = clock.now.advanced(by: .milliseconds(Int(budget * 1000)))
    repeat {
        let elapsed = measure { for _ in 0..<iterations { body() } }
        best = min(best, elapsed / Double(iterations))
    } while clock.now < end
    return best
}
