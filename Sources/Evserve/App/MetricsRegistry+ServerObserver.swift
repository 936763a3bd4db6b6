/// The metrics registry is what the loops report to.
extension MetricsRegistry: ServerObserver {
    func responseReady(route: String, method: HTTPMethod, status: Int, seconds: Double) {
        requestFinished()
        recordRequest(route: route, method: method.description, status: status, seconds: seconds)
    }

    func requestAbandoned() {
        requestFinished()
    }
}
