/// What the loop reports as it works, for metrics and the access log. Called on loop threads, on
/// the hot path: implementations must be cheap and thread-safe (several loops may share one).
/// Class-bound: an optional existential of a class is one reference to copy, where any other takes the
/// standard library's generic copy and destroy (twice a request, a few hundred instructions, callgrind).
protocol ServerObserver: AnyObject, Sendable {
    func connectionOpened()
    func connectionClosed()
    func requestStarted()
    /// A final response was rendered for a request, `seconds` after its first byte arrived.
    func responseReady(route: String, method: HTTPMethod, status: Int, seconds: Double)
    /// A started request will get no response: its connection closed while its job ran.
    func requestAbandoned()
    /// A job finished after its connection had closed: its response was dropped.
    func jobResponseDropped()
}

extension ServerObserver {
    // Only the live tests watch for dropped responses (to know a job has ended); metrics do not.
    func jobResponseDropped() {}
}
