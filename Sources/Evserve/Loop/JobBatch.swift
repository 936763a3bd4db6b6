/// One unit of work for the job queue: the model jobs a loop iteration collected for the same runner
/// and model version (validated one by one, predicted together, answered one by one), or any other
/// job on its own.
///
/// A batch of 64 two-row requests then costs one prediction of 128 rows instead of 64 of two, and
/// every request still gets exactly its own answer (`ModelJobRunner`'s promise).
struct JobBatch: Sendable {
    private enum Contents: Sendable {
        case alone(PendingJob)
        case model(jobs: [ModelJob], slots: [(connection: UInt64, sequence: Int)])
    }

    private var contents: Contents

    /// A body this large (~70 rows of 13 features) is a batch of its own: it gains nothing from
    /// company, and small requests batched with it would wait for its rows.
    static let largeBody = 16 * 1024

    /// How many requests this batch answers.
    var count: Int {
        switch contents {
        case .alone: 1
        case .model(let jobs, _): jobs.count
        }
    }

    /// The response slots this batch fills, in the order its jobs run.
    var slots: [(connection: UInt64, sequence: Int)] {
        switch contents {
        case .alone(let job): [(job.connection, job.sequence)]
        case .model(_, let slots): slots
        }
    }

    /// `jobs` (one loop iteration's, in arrival order) grouped by runner and model; jobs keep their
    /// arrival order inside a batch. A group larger than `maxJobs` is cut into near-equal batches, so
    /// that a large group can still use several cores.
    static func group(_ jobs: [PendingJob], maxJobs: Int) -> [JobBatch] {
        var batches: [JobBatch] = []
        // The groups in order of their first job. Usually one model is asked, so a short list searched
        // front to back beats a dictionary: no hashing per job, and no table to allocate.
        var groups: [(key: ModelJob.BatchKey, jobs: [ModelJob], slots: [(connection: UInt64, sequence: Int)])] = []
        for (index, job) in jobs.enumerated() {
            guard case .model(let modelJob) = job.work, modelJob.body.count < largeBody else {
                batches.append(JobBatch(contents: .alone(job)))
                continue
            }
            let key = modelJob.batchKey
            var position = groups.count - 1
            while position >= 0 && groups[position].key != key { position -= 1 }
            if position < 0 {
                // Room for every job still to come: usually they all ask the same model.
                var group: (key: ModelJob.BatchKey, jobs: [ModelJob], slots: [(connection: UInt64, sequence: Int)]) = (key, [], [])
                group.jobs.reserveCapacity(jobs.count - index)
                group.slots.reserveCapacity(jobs.count - index)
                groups.append(group)
                position = groups.count - 1
            }
            groups[position].jobs.append(modelJob)
            groups[position].slots.append((job.connection, job.sequence))
        }
        for (_, groupJobs, slots) in groups {
            let pieces = (groupJobs.count + max(1, maxJobs) - 1) / max(1, maxJobs)
            if pieces == 1 {
                batches.append(JobBatch(contents: .model(jobs: groupJobs, slots: slots)))
                continue
            }
            for piece in 0..<pieces {
                let start = piece * groupJobs.count / pieces
                let end = (piece + 1) * groupJobs.count / pieces
                batches.append(JobBatch(contents: .model(jobs: Array(groupJobs[start..<end]), slots: Array(slots[start..<end]))))
            }
        }
        return batches
    }

    /// Runs the batch on the calling (job-queue) thread and posts its responses together when the
    /// batch is done. Its answers are made within microseconds of each other (one prediction for all
    /// rows); posting them one by one cost a lock each and, on a shared core, could wake the loop
    /// for the first answer only, then again for the rest.
    func run(posting mailbox: LoopMailbox<JobCompletion>) {
        switch contents {
        case .alone(let job):
            job.run(posting: mailbox)
        case .model(let jobs, let slots):
            var completions: [JobCompletion] = []
            completions.reserveCapacity(jobs.count)
            jobs[0].runner.run(jobs) { index, response in
                completions.append(JobCompletion(connection: slots[index].connection, sequence: slots[index].sequence,
                                                 response: response))
            }
            mailbox.post(contentsOf: completions)
        }
    }
}
