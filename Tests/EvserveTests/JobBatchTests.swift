import Testing
@testable import Evserve

/// How one loop iteration's jobs are grouped for the job queue (`PendingJobs`): model jobs by runner and model
/// version, in arrival order; anything else alone; large groups cut into near-equal batches.
@Suite struct JobBatchTests {
    static let metrics = MetricsRegistry()
    static let labels = PredictJobRunner(metrics: metrics, probabilities: false)
    static let probabilities = PredictJobRunner(metrics: metrics, probabilities: true)
    static let first = ServedModel(name: "m", version: 1, model: try! stumpModel(base: 1))
    static let second = ServedModel(name: "m", version: 2, model: try! stumpModel(base: 2))

    /// What a loop iteration submits, in order: a model job for `slot`, or other work.
    enum Submitted {
        case model(ModelJob, JobSlot)
        case other(PendingJob)
    }

    static func job(_ sequence: Int, _ runner: PredictJobRunner, _ served: ServedModel, connection: UInt64 = 1,
                    bodySize: Int = 0) -> Submitted {
        .model(ModelJob(runner: runner, served: served, body: Array(repeating: 0x20, count: bodySize)),
               JobSlot(connection: connection, sequence: sequence))
    }

    static func other(_ sequence: Int) -> Submitted {
        .other(PendingJob(connection: 1, sequence: sequence, work: .closure { .json("{}") }))
    }

    /// The batches the worker hands off after `submitted`.
    static func batches(_ submitted: [Submitted], maxJobs: Int) -> [JobBatch] {
        var pending = PendingJobs()
        for item in submitted {
            switch item {
            case .model(let job, let slot): pending.append(job, slot: slot)
            case .other(let job): pending.append(job)
            }
        }
        #expect(pending.count == submitted.count)
        let batches = pending.takeBatches(maxJobs: maxJobs)
        #expect(pending.isEmpty)
        return batches
    }

    static func sequences(_ batches: [JobBatch]) -> [[Int]] {
        batches.map { $0.slots.map(\.sequence) }
    }

    /// Jobs for the same runner and the same model version share a batch, in the order they came;
    /// another model version or another runner is another batch, and other work runs alone.
    @Test func groupsByRunnerAndModel() {
        let jobs = [
            Self.job(0, Self.labels, Self.first), Self.other(1), Self.job(2, Self.labels, Self.second),
            Self.job(3, Self.labels, Self.first, connection: 2), Self.job(4, Self.probabilities, Self.first),
            Self.job(5, Self.labels, Self.second), Self.other(6), Self.job(7, Self.labels, Self.first),
        ]
        let batches = Self.batches(jobs, maxJobs: 64)
        #expect(Self.sequences(batches) == [[1], [6], [0, 3, 7], [2, 5], [4]])
        #expect(batches[2].slots.map(\.connection) == [1, 2, 1])
        #expect(batches.map(\.count) == [1, 1, 3, 2, 1])
    }

    /// A large body runs alone: the small requests around it are batched without it.
    @Test func largeBodiesRunAlone() {
        let large = Self.job(1, Self.labels, Self.first, bodySize: JobBatch.largeBody)
        let jobs = [Self.job(0, Self.labels, Self.first), large, Self.job(2, Self.labels, Self.first)]
        #expect(Self.sequences(Self.batches(jobs, maxJobs: 64)) == [[1], [0, 2]])
    }

    /// A group over `maxJobs` is cut into the fewest near-equal batches that fit, order kept.
    @Test func cutsLargeGroups() {
        let jobs = (0..<10).map { Self.job($0, Self.labels, Self.first) }
        #expect(Self.sequences(Self.batches(jobs, maxJobs: 4)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]])
        #expect(Self.sequences(Self.batches(jobs, maxJobs: 10)) == [Array(0..<10)])
        #expect(Self.sequences(Self.batches(jobs, maxJobs: 1)) == (0..<10).map { [$0] })
    }

    /// However many cores there are to share it, no batch answers more than `JobBatch.mostJobs`
    /// requests: a larger one would not fit a core's cache.
    @Test func noBatchOutgrowsTheCache() {
        let count = JobBatch.mostJobs * 2 + 10
        let jobs = (0..<count).map { Self.job($0, Self.labels, Self.first) }
        let batches = Self.batches(jobs, maxJobs: count)
        #expect(batches.count == 3)
        #expect(batches.allSatisfy { $0.count <= JobBatch.mostJobs })
        #expect(batches.map(\.count).max()! - batches.map(\.count).min()! <= 1)
        #expect(Self.sequences(batches).flatMap { $0 } == Array(0..<count))
    }

    /// One job pending, of either kind, is handed off alone and as it came; with more, there is none.
    @Test func aLoneJobTravelsAsItCame() {
        var pending = PendingJobs()
        pending.append(ModelJob(runner: Self.labels, served: Self.first, body: [1, 2]), slot: JobSlot(connection: 3, sequence: 7))
        let lone = pending.takeLone()
        #expect(lone?.connection == 3 && lone?.sequence == 7)
        if case .model(let job)? = lone?.work { #expect(job.body == [1, 2]) } else { Issue.record("not a model job") }
        #expect(pending.isEmpty)
        pending.append(PendingJob(connection: 1, sequence: 0, work: .closure { .json("{}") }))
        #expect(pending.takeLone()?.sequence == 0)
        for sequence in 0..<2 { pending.append(ModelJob(runner: Self.labels, served: Self.first, body: []), slot: JobSlot(connection: 1, sequence: sequence)) }
        #expect(pending.takeLone() == nil)
        #expect(Self.sequences(pending.takeBatches(maxJobs: 64)) == [[0, 1]])
    }
}
