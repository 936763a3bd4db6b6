import Synchronization

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

    /// Runs this job alone and posts its response; `finishing`, if given, learns that its hand-off
    /// ended before the response is posted (so the loop that the post wakes sees it).
    func run(posting mailbox: LoopMailbox<JobCompletion>, finishing handOffs: HandOffs? = nil) {
        let response = switch work {
        case .closure(let work): work()
        case .model(let job): job.runner.answer(job)
        }
        handOffs?.finished()
        mailbox.post(JobCompletion(connection: connection, sequence: sequence, response: response))
    }
}

/// A finished job, posted to its worker's completion mailbox.
struct JobCompletion: Sendable {
    var connection: UInt64
    var sequence: Int
    var response: HTTPResponse
}

/// How many of a worker's hand-offs to the job queue are running or waiting to run: the loop counts
/// them out, the job threads count them back in just before posting their last answers.
final class HandOffs: Sendable {
    let running = Atomic<Int>(0)

    /// Loop thread.
    func started(_ count: Int) { running.add(count, ordering: .relaxed) }

    /// Job thread, before the hand-off's last post to the loop's mailbox (whose lock the loop then
    /// takes, so the loop sees this).
    func finished() { running.subtract(1, ordering: .releasing) }
}
