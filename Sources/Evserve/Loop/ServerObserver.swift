/// What the loop reports as it works, for metrics. Called on loop threads: implementations must be
/// thread-safe (several loops may share one).
/// Class-bound: an optional existential of a class is one reference to copy, where any other takes the
/// standard library's generic copy and destroy (twice a request, a few hundred instructions, callgrind).
protocol ServerObserver: AnyObject, Sendable {
    func connectionOpened()
    func connectionClosed()
    /// A loop iteration's requests started, responses made and requests abandoned, once it ends (and
    /// once more as the loop stops).
    func record(_ tally: ResponseTally)
    /// A job finished after its connection had closed: its response was dropped.
    func jobResponseDropped()
}

extension ServerObserver {
    // Only the live tests watch for dropped responses (to know a job has ended); metrics do not.
    func jobResponseDropped() {}
}
