/// One unit of work for the job queue: the model jobs a loop iteration collected for the same runner
/// and model version (validated one by one, predicted together, answered one by one), or any other
/// job on its own.
///
/// A batch of 64 two-row requests then costs one prediction of 128 rows instead of 64 of two, and
/// every request still gets exactly its own answer (`ModelJobRunner`'s promise).
struct JobBatch: Sendable {
    private enum Contents: Sendable {
        case alone(PendingJob)
        /// `jobs[range]`, whose answers fill `slots[range]`: the parts of one large group share its
        /// arrays instead of each copying its own.
        case model(jobs: [ModelJob], slots: [JobSlot], range: Range<Int>)
    }

    private var contents: Contents

    /// A body this large (~70 rows of 13 features) is a batch of its own: it gains nothing from
    /// company, and small requests batched with it would wait for its rows.
    static let largeBody = 16 * 1024

    /// The most requests one batch answers. A batch's bodies, rows, keys and responses (about 1 KiB a
    /// small request) then stay in a core's L2 cache; at 10 000 connections one iteration collects
    /// thousands of jobs, and predicted as one batch each of them missed the cache about 27 times
    /// (callgrind's cache simulation with a 1 MiB L2, job thread); in batches of 256, 16. A part of a
    /// hand-off runs its batches in turn and posts each one's answers as soon as they exist.
    static let mostJobs = 256

    /// How many requests this batch answers.
    var count: Int {
        switch contents {
        case .alone: 1
        case .model(_, _, let range): range.count
        }
    }

    /// The response slots this batch fills, in the order its jobs run.
    var slots: [JobSlot] {
        switch contents {
        case .alone(let job): [JobSlot(connection: job.connection, sequence: job.sequence)]
        case .model(_, let slots, let range): Array(slots[range])
        }
    }

    init(alone job: PendingJob) {
        contents = .alone(job)
    }

    /// `jobs[range]` (all of them by default), answering into `slots[range]`.
    init(jobs: [ModelJob], slots: [JobSlot], range: Range<Int>? = nil) {
        contents = .model(jobs: jobs, slots: slots, range: range ?? jobs.indices)
    }

    /// Runs the batch on the calling (job-queue) thread and posts its responses together when the
    /// batch is done. Its answers are made within microseconds of each other (one prediction for all
    /// rows); posting them one by one cost a lock each and, on a shared core, could wake the loop
    /// for the first answer only, then again for the rest.
    /// `finishing`: the hand-off this batch ends, told so before the answers are posted.
    func run(posting mailbox: LoopMailbox<JobCompletion>, finishing handOffs: HandOffs? = nil) {
        switch contents {
        case .alone(let job):
            job.run(posting: mailbox, finishing: handOffs)
        case .model(let jobs, let slots, let range):
            var completions: [JobCompletion] = []
            completions.reserveCapacity(range.count)
            jobs[range.lowerBound].runner.run(jobs[range]) { index, response in
                completions.append(JobCompletion(connection: slots[index].connection, sequence: slots[index].sequence,
                                                 response: response))
            }
            handOffs?.finished()
            mailbox.post(contentsOf: completions)
        }
    }
}
