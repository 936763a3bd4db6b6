import Testing
@testable import Evserve

/// How one loop iteration's jobs are grouped for the job queue: model jobs by runner and model
/// version, in arrival order; anything else alone; large groups cut into near-equal batches.
@Suite struct JobBatchTests {
    static let metrics = MetricsRegistry()
    static let labels = PredictJobRunner(metrics: metrics, probabilities: false)
    static let probabilities = PredictJobRunner(metrics: metrics, probabilities: true)
    static let first = ServedModel(name: "m", version: 1, model: try! stumpModel(base: 1))
    static let second = ServedModel(name: "m", version: 2, model: try! stumpModel(base: 2))

    static func job(_ sequence: Int, _ runner: PredictJobRunner, _ served: ServedModel, connection: UInt64 = 1) -> PendingJob {
        PendingJob(connection: connection, sequence: sequence, work: .model(ModelJob(runner: runner, served: served, body: [])))
    }

    static func other(_ sequence: Int) -> PendingJob {
        PendingJob(connection: 1, sequence: sequence, work: .closure { .json("{}") })
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
        let batches = JobBatch.group(jobs, maxJobs: 64)
        #expect(Self.sequences(batches) == [[1], [6], [0, 3, 7], [2, 5], [4]])
        #expect(batches[2].slots.map(\.connection) == [1, 2, 1])
        #expect(batches.map(\.count) == [1, 1, 3, 2, 1])
    }

    /// A large body runs alone: the small requests around it are batched without it.
    @Test func largeBodiesRunAlone() {
        var large = Self.job(1, Self.labels, Self.first)
        if case .model(var job) = large.work {
            job.body = Array(repeating: 0x20, count: JobBatch.largeBody)
            large.work = .model(job)
        }
        let jobs = [Self.job(0, Self.labels, Self.first), large, Self.job(2, Self.labels, Self.first)]
        #expect(Self.sequences(JobBatch.group(jobs, maxJobs: 64)) == [[1], [0, 2]])
    }

    /// A group over `maxJobs` is cut into the fewest near-equal batches that fit, order kept.
    @Test func cutsLargeGroups() {
        let jobs = (0..<10).map { Self.job($0, Self.labels, Self.first) }
        #expect(Self.sequences(JobBatch.group(jobs, maxJobs: 4)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]])
        #expect(Self.sequences(JobBatch.group(jobs, maxJobs: 10)) == [Array(0..<10)])
        #expect(Self.sequences(JobBatch.group(jobs, maxJobs: 1)) == (0..<10).map { [$0] })
    }
}
