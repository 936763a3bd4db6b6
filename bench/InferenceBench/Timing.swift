// Timing shared by both modes of the benchmark.

let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    let (s, attoseconds) = duration.components
    return Double(s) + Double(attoseconds) * 1e-18
}

/// Runs `body` in rounds of `iterations` calls for about `budget` seconds; the best round's time per call.
func bestTimePerCall(budget: Double = 0.4, _ body: () -> Void) -> Double {
    var iterations = 1
    while seconds(clock.measure { for _ in 0..<iterations { body() } }) < 0.01 { iterations *= 2 }
    var best = Double.infinity
    let end = clock.now.advanced(by: .milliseconds(Int(budget * 1000)))
    repeat {
        let elapsed = seconds(clock.measure { for _ in 0..<iterations { body() } })
        best = min(best, elapsed / Double(iterations))
    } while clock.now < end
    return best
}
