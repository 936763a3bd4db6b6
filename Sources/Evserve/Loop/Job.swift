// Work a connection hands to the job queue (model work never runs on a loop thread), and its result
// on the way back to the worker that owns the connection (see Worker.flushJobs and Worker.deliver).

/// A job handed to the job queue: what to run, and which response slot its result fills.
struct PendingJob: Sendable {
    var connection: UInt64
    var sequence: Int
    var work: @Sendable () -> HTTPResponse
}

/// A finished job, posted to its worker's completion mailbox.
struct JobCompletion: Sendable {
    var connection: UInt64
    var sequence: Int
    var response: HTTPResponse
}
