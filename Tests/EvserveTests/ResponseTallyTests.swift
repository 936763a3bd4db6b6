import Testing
@testable import Evserve

/// A loop iteration's requests and responses, reported at once, count exactly as reporting each
/// response on its own did.
@Suite struct ResponseTallyTests {
    static let labels: [(route: String, method: HTTPMethod, status: Int)] = [
        ("/predict", .post, 200), ("/predict", .post, 422), ("/v2/models/{name}/infer", .post, 200),
        ("unmatched", .get, 404), ("/predict", .other("BREW"), 405),
    ]

    /// Consecutive responses with the same labels are one run; each run gets its own responses'
    /// times, in order.
    @Test func runsOfTheSameLabels() {
        var tally = ResponseTally()
        let order = [0, 0, 0, 1, 0, 2, 2, 4, 4, 3]
        for (n, i) in order.enumerated() {
            let (route, method, status) = Self.labels[i]
            tally.responseReady(route: route, method: method, status: status, seconds: Double(n))
        }
        #expect(tally.runs.map(\.count) == [3, 1, 1, 2, 2, 1])
        #expect(tally.runs.map(\.status) == [200, 422, 200, 200, 405, 404])
        var seen: [Double] = []
        tally.forEachRun { run, seconds in
            #expect(seconds.count == run.count)
            seen += seconds
        }
        #expect(seen == order.indices.map(Double.init))
        #expect(tally.answered == order.count)
        tally.removeAll()
        #expect(tally.isEmpty && tally.runs.isEmpty)
    }

    /// Random iterations of random responses, started and abandoned requests: the registry's text is
    /// the same as when each was reported alone, and the in-flight gauge ends where it should.
    @Test func aTallyCountsAsEachResponseAlone() {
        let batched = MetricsRegistry(), alone = MetricsRegistry()
        var generator = SystemRandomNumberGenerator()
        var inFlight = 0
        for _ in 0..<200 {
            var tally = ResponseTally()
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<3:
                    tally.requestStarted()
                    alone.requestStarted()
                    inFlight += 1
                case 3 where inFlight > 0:
                    tally.requestAbandoned()
                    alone.requestFinished()
                    inFlight -= 1
                default:
                    guard inFlight > 0 else { continue }
                    let (route, method, status) = Self.labels[Int.random(in: 0..<Self.labels.count, using: &generator)]
                    // Times on a few buckets' bounds and between them.
                    let seconds = [0.0001, 0.0003, 0.001, 0.02, 3.0].randomElement(using: &generator)!
                    tally.responseReady(route: route, method: method, status: status, seconds: seconds)
                    alone.requestFinished()
                    alone.recordRequest(route: route, method: method.description, status: status, seconds: seconds)
                    inFlight -= 1
                }
            }
            batched.record(tally)
        }
        // The request series (not the process's, which change between two renders).
        func requestLines(_ registry: MetricsRegistry) -> [Substring] {
            String(decoding: registry.render(), as: UTF8.self).split(separator: "\n")
                .filter { $0.hasPrefix("evserve_http_") || $0.hasPrefix("evserve_requests_in_flight") }
        }
        #expect(requestLines(batched) == requestLines(alone))
        #expect(requestLines(batched).contains("evserve_requests_in_flight \(inFlight)"))
        #expect(requestLines(batched).count > 20)
    }
}
