import Inference
import Testing
@testable import Evserve

/// v2 infer jobs answered in a batch: each request gets, byte for byte, the answer it gets alone
/// (status, content type, `Inference-Header-Content-Length`, body), whatever else is in the batch.
@Suite struct V2InferJobRunnerTests {
    static let reference = ServedModel(name: "reference", version: 1, model: TreeModel.trainReference())
    static let metrics = MetricsRegistry()

    /// `rows` rows of the training data from row `start`, as a flat JSON list of numbers.
    static func data(rows: Int, start: Int) -> String {
        let n = BostonHousing.featureCount
        return BostonHousing.trainingFeatures()[(start * n)..<((start + rows) * n)].map { "\($0)" }.joined(separator: ", ")
    }

    /// A JSON inference request for `rows` rows from `start`, with `extra` members after `inputs`.
    static func body(rows: Int, start: Int, _ extra: String = "") -> [UInt8] {
        Array(#"{"inputs": [{"name": "input-0", "shape": [\#(rows), 13], "datatype": "FP64", "data": [\#(data(rows: rows, start: start))]}]\#(extra)}"#.utf8)
    }

    /// The rows as binary tensor data after the JSON, and the JSON's length for the header.
    static func binaryBody(rows: Int, start: Int) -> (body: [UInt8], header: String) {
        let n = BostonHousing.featureCount
        let values = BostonHousing.trainingFeatures()[(start * n)..<((start + rows) * n)]
        let json = Array(#"{"inputs": [{"name": "input-0", "shape": [\#(rows), 13], "datatype": "FP64", "parameters": {"binary_data_size": \#(values.count * 8)}}], "id": "binary"}"#.utf8)
        var bytes = json
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return (bytes, String(json.count))
    }

    /// Valid requests that differ in everything an answer echoes (id, outputs, binary outputs,
    /// binary input, rows), with refusals between them.
    static let jobs: [(body: [UInt8], header: String?)] = [
        (body(rows: 2, start: 0), nil),
        (body(rows: 1, start: 7, #", "id": "seven""#), nil),
        (Array(#"{"inputs": []}"#.utf8), nil),
        (body(rows: 3, start: 20, #", "outputs": [{"name": "predict", "parameters": {"binary_data": true}}]"#), nil),
        (Array(#"{"inputs": [{"name": "input-0", "shape": [1, 13"#.utf8), nil),
        (body(rows: 40, start: 100, #", "id": "escaped \" \\ \t", "parameters": {"binary_data_output": true}"#), nil),
        binaryBody(rows: 4, start: 50),
        (body(rows: 2, start: 0, #", "outputs": [{"name": "predict_proba"}]"#), nil),
        (body(rows: 5, start: 300, #", "outputs": null"#), nil),
        (body(rows: 2, start: 0), nil),
    ]

    static func modelJobs(_ runner: V2InferJobRunner) -> [ModelJob] {
        jobs.map { ModelJob(runner: runner, served: reference, body: $0.body, inferenceHeaderContentLength: $0.header) }
    }

    /// What a client sees of a response, short of the framing headers.
    struct Answer: Equatable {
        var status: Int
        var contentType: String
        var headers: [String]
        var body: [UInt8]

        init(_ response: HTTPResponse) {
            status = response.status
            contentType = response.contentType
            headers = response.extraHeaders.map { "\($0.name): \($0.value)" }
            body = response.body
        }
    }

    static func answers(_ runner: V2InferJobRunner, _ jobs: [ModelJob]) -> [Answer?] {
        var answers: [Answer?] = Array(repeating: nil, count: jobs.count)
        runner.run(jobs[...]) { index, response in
            #expect(answers[index] == nil, "job \(index) answered twice")
            answers[index] = Answer(response)
        }
        return answers
    }

    /// Every job of a mixed batch is answered once, as when it runs alone.
    @Test func batchAnswersEachRequestAsAlone() throws {
        let runner = V2InferJobRunner(metrics: Self.metrics)
        let jobs = Self.modelJobs(runner)
        let batch = Self.answers(runner, jobs)
        for (index, job) in jobs.enumerated() {
            let answer = try #require(batch[index], "job \(index) was not answered")
            #expect(answer == Answer(runner.answer(job)), "job \(index): \(String(decoding: answer.body, as: UTF8.self))")
        }
        #expect(batch.map { $0?.status } == [200, 200, 400, 200, 400, 200, 200, 400, 200, 200])
        #expect(batch.map { $0?.contentType == V2InferenceResponse.binaryContentType } ==
                [false, false, false, true, false, true, false, false, false, false])
    }

    /// Rows predicted in a batch are the rows' own predictions: the same request twice in a batch, and
    /// one alone, get the same answer; a request's rows in a batch equal the same rows in another.
    @Test func batchedRowsKeepTheirValues() throws {
        let runner = V2InferJobRunner(metrics: Self.metrics)
        let alone = Answer(runner.answer(ModelJob(runner: runner, served: Self.reference, body: Self.body(rows: 2, start: 0))))
        let batch = Self.answers(runner, Self.modelJobs(runner))
        #expect(batch[0] == alone)
        #expect(batch[9] == alone)
    }

    /// The binary answer's header gives the JSON's length, and the bytes after it are the 8-byte
    /// little-endian values the same request gets as JSON `data`.
    @Test func binaryOutputIsTheJSONValuesAsBytes() throws {
        let runner = V2InferJobRunner(metrics: Self.metrics)
        let binary = runner.answer(ModelJob(runner: runner, served: Self.reference, body: Self.jobs[3].body))
        let json = runner.answer(ModelJob(runner: runner, served: Self.reference, body: Self.body(rows: 3, start: 20)))
        let length = try #require(binary.extraHeaders.first { $0.name == V2InferenceResponse.headerLengthName }.flatMap { Int($0.value) })
        #expect(binary.body.count == length + 3 * 8)
        let values = (0..<3).map { k in
            Double(bitPattern: binary.body[(length + 8 * k)..<(length + 8 * k + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        let text = String(decoding: json.body, as: UTF8.self)
        #expect(text.hasSuffix(#""data":[\#(values.map { "\($0)" }.joined(separator: ","))]}]}"#))
    }

    /// A batch of refusals only answers each refusal and predicts nothing.
    @Test func batchOfRefusals() {
        let runner = V2InferJobRunner(metrics: Self.metrics)
        let jobs = [[UInt8](), Array("{".utf8)].map { ModelJob(runner: runner, served: Self.reference, body: $0) }
        #expect(Self.answers(runner, jobs).map { $0?.status } == [400, 400])
    }
}
