/// What a worker's connections reported in one loop iteration (requests started, responses made,
/// requests abandoned), handed to the `ServerObserver` once, as the iteration ends.
///
/// Reporting each request on its own cost the loop six atomic operations a request (the in-flight
/// gauge twice, the metrics lock and unlock, the observer retained and released: callgrind); an
/// iteration answers tens of requests, and the metrics see them all before the loop waits again.
/// Loop thread only. Responses of the same route, method and status in a row are one run: the route
/// String is copied once a run, not once a response.
struct ResponseTally {
    /// Consecutive responses with the same labels; their times are `count` entries of `seconds`.
    struct Run {
        var route: String
        var method: HTTPMethod
        var status: Int
        var count: Int
    }

    private(set) var started = 0
    private(set) var abandoned = 0
    private(set) var runs: [Run] = []
    /// Each response's time from its request's first byte, in the order of `runs`.
    private(set) var seconds: [Double] = []

    var isEmpty: Bool { started == 0 && abandoned == 0 && seconds.isEmpty }

    /// Responses counted.
    var answered: Int { seconds.count }

    mutating func requestStarted() { started += 1 }

    /// A started request will get no response: its connection closed while its job ran.
    mutating func requestAbandoned() { abandoned += 1 }

    /// A final response was rendered, `seconds` after its request's first byte arrived.
    mutating func responseReady(route: String, method: HTTPMethod, status: Int, seconds: Double) {
        if let last = runs.indices.last, runs[last].status == status, runs[last].route == route, runs[last].method == method {
            runs[last].count += 1
        } else {
            runs.append(Run(route: route, method: method, status: status, count: 1))
        }
        self.seconds.append(seconds)
    }

    /// Each run with its responses' times.
    func forEachRun(_ body: (Run, ArraySlice<Double>) -> Void) {
        var start = 0
        for run in runs {
            body(run, seconds[start..<(start + run.count)])
            start += run.count
        }
    }

    /// Empties the tally for the next iteration, keeping its storage (unless a burst made it large).
    mutating func removeAll() {
        started = 0
        abandoned = 0
        runs.removeAll(keepingCapacity: runs.capacity <= 1024)
        seconds.removeAll(keepingCapacity: seconds.capacity <= 4096)
    }
}
