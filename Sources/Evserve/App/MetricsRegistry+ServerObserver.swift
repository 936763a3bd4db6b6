/// The metrics registry is what the loops report to.
extension MetricsRegistry: ServerObserver {
    func record(_ tally: ResponseTally) {
        requestsInFlightChanged(by: tally.started - tally.answered - tally.abandoned)
        tally.forEachRun { run, seconds in
            recordRequests(route: run.route, method: run.method.description, status: run.status, seconds: seconds)
        }
    }
}
