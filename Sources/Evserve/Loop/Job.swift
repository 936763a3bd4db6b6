// Work a connection hands to the job queue (model work never runs on a loop thread), and its result
// on the way back to the worker that owns the connection (see Worker.flushJobs and Worker.deliver).

/// A job handed to the job queue: what to run, and which response slot its result fills.
struct PendingJob: Sendable {
    enum Work: Sendable {
        /// Any work (metrics, a reloaded model's OpenAPI document, the repository API); runs alone.
        case closure(@Sendable () -> HTTPResponse)
        /// A model's answer; may run in a batch with others (`JobBatch`).
        case model(ModelJob)
    }

    var connection: UInt64
    var sequence: Int
    var work: Work

    /// Runs this job alone and posts its response.
    func run(posting mailbox: LoopMailbox<JobCompletion>) {
        switch work {
        case .closure(let work):
            mailbox.post(JobCompletion(connection: connection, sequence: sequence, response: work()))
        case .model(let job):
            mailbox.post(JobCompletion(connection: connection, sequence: sequence, response: job.runner.answer(job)))
        }
    }
}

/// A finished job, posted to its worker's completion mailbox.
struct JobCompletion: Sendable {
    var connection: UInt64
    var sequence: Int
    var response: HTTPResponse
}
