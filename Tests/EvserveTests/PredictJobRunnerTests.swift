import Inference
import Testing
@testable import Evserve

/// `/predict` jobs answered in a batch: each request gets, byte for byte, the answer it gets alone,
/// whatever else is in the batch.
@Suite struct PredictJobRunnerTests {
    static let reference = ServedModel(name: "reference", version: 1, model: TreeModel.trainReference())
    static let metrics = MetricsRegistry()

    /// A body of `rows` rows of the training data, starting at row `start`.
    static func body(rows: Int, start: Int) -> [UInt8] {
        let features = BostonHousing.trainingFeatures()
        let n = BostonHousing.featureCount
        let text = (start..<(start + rows)).map { r in
            "[" + features[(r * n)..<((r + 1) * n)].map { "\($0)" }.joined(separator: ", ") + "]"
        }
        return Array(#"{"X": ["#.utf8) + Array(text.joined(separator: ", ").utf8) + Array("]}".utf8)
    }

    /// Valid bodies of 1 to 40 rows mixed with every kind of refusal: an empty body, a wrong
    /// Content-Type, broken JSON, a short row, a string where a number goes. Two bodies pass the fast
    /// reader's rows before it gives up, so the rows it had read must leave the batch again: one the
    /// general path accepts (an extra key), one it refuses (a short second row).
    static let jobs: [(body: [UInt8], contentType: String?)] = [
        (body(rows: 2, start: 0), "application/json"),
        ([], "application/json"),
        (body(rows: 1, start: 7), nil),
        (Array(#"{"X": [[1, 2"#.utf8), "application/json"),
        (body(rows: 40, start: 100), "application/json"),
        (body(rows: 3, start: 5), "text/plain"),
        (Array(#"{"X": [[1, 2, 3]]}"#.utf8), "application/json"),
        (body(rows: 5, start: 300), "application/json; charset=utf-8"),
        (Array(#"{"X": [["a", 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]]}"#.utf8), "application/json"),
        (body(rows: 2, start: 0), "application/json"),
        (Array(body(rows: 2, start: 50).dropLast()) + Array(#", "note": "extra keys are ignored"}"#.utf8), "application/json"),
        (Array(body(rows: 3, start: 60).dropLast(2)) + Array(#", [1, 2]]}"#.utf8), "application/json"),
        (body(rows: 1, start: 70), "application/json"),
    ]

    static func modelJobs(_ runner: PredictJobRunner) -> [ModelJob] {
        jobs.map { ModelJob(runner: runner, served: reference, body: $0.body, contentType: $0.contentType) }
    }

    static func answers(_ runner: PredictJobRunner, _ jobs: [ModelJob]) -> [(status: Int, body: [UInt8])?] {
        var answers: [(status: Int, body: [UInt8])?] = Array(repeating: nil, count: jobs.count)
        runner.run(jobs[...]) { index, response in
            #expect(answers[index] == nil, "job \(index) answered twice")
            answers[index] = (response.status, response.body)
        }
        return answers
    }

    /// Every job of a mixed batch is answered once, with its status and body as when it runs alone.
    @Test func batchAnswersEachRequestAsAlone() throws {
        let runner = PredictJobRunner(metrics: Self.metrics, probabilities: false)
        let jobs = Self.modelJobs(runner)
        let batch = Self.answers(runner, jobs)
        for (index, job) in jobs.enumerated() {
            let alone = runner.answer(job)
            let answer = try #require(batch[index], "job \(index) was not answered")
            #expect(answer.status == alone.status, "job \(index)")
            #expect(answer.body == alone.body, "job \(index): \(String(decoding: answer.body, as: UTF8.self))")
        }
        #expect(batch.map { $0?.status } == [200, 422, 200, 422, 200, 422, 422, 200, 422, 200, 200, 422, 200])
    }

    /// A part of a larger batch (a slice, as the worker hands out the parts of one big group) is
    /// answered by the whole batch's indices, each as when it runs alone.
    @Test func partOfABatchAnswersByItsIndices() throws {
        let runner = PredictJobRunner(metrics: Self.metrics, probabilities: false)
        let jobs = Self.modelJobs(runner)
        var answered: [Int: [UInt8]] = [:]
        runner.run(jobs[3..<8]) { index, response in answered[index] = response.body }
        #expect(answered.keys.sorted() == Array(3..<8))
        for index in 3..<8 { #expect(answered[index] == runner.answer(jobs[index]).body, "job \(index)") }
    }

    /// Rows predicted in a batch are the rows' own predictions: a batch's answers equal those of the
    /// same rows sent as one request, and the same request twice in a batch gets the same answer.
    @Test func batchedRowsKeepTheirValues() throws {
        let runner = PredictJobRunner(metrics: Self.metrics, probabilities: false)
        let oneRequest = runner.answer(ModelJob(runner: runner, served: Self.reference, body: Self.body(rows: 2, start: 0)))
        let batch = Self.answers(runner, Self.modelJobs(runner))
        #expect(batch[0]?.body == oneRequest.body)
        #expect(batch[9]?.body == oneRequest.body)
    }

    /// A batch of refusals only answers each refusal and predicts nothing.
    @Test func batchOfRefusals() {
        let runner = PredictJobRunner(metrics: Self.metrics, probabilities: false)
        let jobs = [[UInt8](), Array("{".utf8)].map { ModelJob(runner: runner, served: Self.reference, body: $0) }
        #expect(Self.answers(runner, jobs).map { $0?.status } == [422, 422])
    }
}
