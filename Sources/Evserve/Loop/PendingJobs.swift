/// The response slot a job fills: which connection, which of its requests.
struct JobSlot: Sendable, Equatable {
    var connection: UInt64
    var sequence: Int
}

/// One loop iteration's jobs, grouped as they are submitted (loop thread only): model jobs by runner
/// and model version, in arrival order inside a group; anything else, and a large body, alone.
///
/// Grouping on arrival moves each job once, into its group, where grouping the iteration's list at
/// the hand-off copied every job out of it and then destroyed the list: under load those copies
/// (five references a model job) were a sixth of the server's reference counting (perf).
struct PendingJobs {
    private var alone: [PendingJob] = []
    /// The groups in order of their first job. Usually one model is asked, so a short list searched
    /// from the back beats a dictionary: no hashing per job, and no table to allocate.
    private var groups: [(key: ModelJob.BatchKey, jobs: [ModelJob], slots: [JobSlot])] = []
    private(set) var count = 0
    /// The largest group of the last hand-off: a new group reserves that much, so that under steady
    /// load its lists are allocated once, not regrown from empty.
    private var expectedGroupSize = 1
    /// The lists of a group whose only job left alone (`takeLone`), emptied with their storage kept:
    /// the next group takes them, so a request at a time allocates no lists.
    private var spare: (jobs: [ModelJob], slots: [JobSlot])?

    var isEmpty: Bool { count == 0 }
    /// Whether a closure (not a model's answer) is pending: those never wait for model work.
    private(set) var hasClosure = false

    /// Work that runs alone (a closure: metrics, the repository API, ...).
    mutating func append(_ job: consuming PendingJob) {
        if case .closure = job.work { hasClosure = true }
        alone.append(job)
        count += 1
    }

    /// A model's answer for `slot`: joins the group of its runner and model version, unless its body
    /// is large enough to be a batch of its own (`JobBatch.largeBody`).
    mutating func append(_ job: consuming ModelJob, slot: JobSlot) {
        count += 1
        guard job.body.count < JobBatch.largeBody else {
            alone.append(PendingJob(connection: slot.connection, sequence: slot.sequence, work: .model(job)))
            return
        }
        let key = job.batchKey
        var position = groups.count - 1
        while position >= 0 && groups[position].key != key { position -= 1 }
        if position < 0 {
            var (jobs, slots) = spare.take() ?? ([], [])
            jobs.reserveCapacity(expectedGroupSize)
            slots.reserveCapacity(expectedGroupSize)
            groups.append((key, jobs, slots))
            position = groups.count - 1
        }
        groups[position].jobs.append(job)
        groups[position].slots.append(slot)
    }

    /// The only job, when exactly one is pending (the usual case under light load): it travels alone,
    /// as it came, and the lists keep their storage.
    mutating func takeLone() -> PendingJob? {
        guard count == 1 else { return nil }
        count = 0
        hasClosure = false
        if let job = alone.popLast() { return job }
        var group = groups.removeLast()
        let slot = group.slots.removeLast()
        let job = group.jobs.removeLast()
        spare = (group.jobs, group.slots)
        return PendingJob(connection: slot.connection, sequence: slot.sequence, work: .model(job))
    }

    /// Every pending job as batches, leaving none: the alone ones first, then each group, cut into the
    /// fewest near-equal batches of at most `maxJobs` so that a large group can use several cores, and
    /// never more than `JobBatch.mostJobs`. Jobs keep their arrival order inside a batch.
    mutating func takeBatches(maxJobs: Int) -> [JobBatch] {
        let maxJobs = min(maxJobs, JobBatch.mostJobs)
        var batches: [JobBatch] = []
        batches.reserveCapacity(alone.count + groups.count)
        for job in alone { batches.append(JobBatch(alone: job)) }
        alone.removeAll(keepingCapacity: true)
        expectedGroupSize = groups.reduce(1) { max($0, $1.jobs.count) }
        for index in groups.indices {
            // Moved out of the group, which is about to go.
            var jobs: [ModelJob] = []
            var slots: [JobSlot] = []
            swap(&jobs, &groups[index].jobs)
            swap(&slots, &groups[index].slots)
            // The parts share the group's arrays, each its own range of them.
            let pieces = (jobs.count + max(1, maxJobs) - 1) / max(1, maxJobs)
            for piece in 0..<pieces {
                let range = (piece * jobs.count / pieces)..<((piece + 1) * jobs.count / pieces)
                batches.append(JobBatch(jobs: jobs, slots: slots, range: range))
            }
        }
        groups.removeAll(keepingCapacity: true)
        count = 0
        hasClosure = false
        return batches
    }
}
