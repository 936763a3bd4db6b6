/// A request for a model's answer (`/predict`, `/predict_proba`, v2 infer), handed to the job queue
/// as plain values instead of a closure: which kind of answer (`runner`, made once with the route
/// table), from which model version (`served`, taken when the request was routed), and the
/// request's bytes.
///
/// Because a job says what it asks of which model, the worker can hand the jobs one loop iteration
/// collected for the same runner and model over together, and the runner can predict all their rows
/// at once (see `JobBatch`). A closure would hide that, and cost an allocation per request.
struct ModelJob: Sendable {
    var runner: any ModelJobRunner
    var served: ServedModel
    var body: [UInt8]
    var contentType: String?
    /// The Open Inference Protocol's `Inference-Header-Content-Length`, for v2 infer.
    var inferenceHeaderContentLength: String?

    /// Jobs with equal keys may run as one batch.
    var batchKey: BatchKey { BatchKey(runner: ObjectIdentifier(runner), model: ObjectIdentifier(served)) }

    struct BatchKey: Hashable {
        var runner: ObjectIdentifier
        var model: ObjectIdentifier
    }
}

extension ModelJob {
    /// A job for `request`: its body and the headers a runner reads are moved over (left empty in
    /// the request, which its handler owns and drops after), not copied and released.
    init(runner: any ModelJobRunner, served: ServedModel, taking request: inout HTTPRequest) {
        self.init(runner: runner, served: served, body: [])
        swap(&body, &request.body)
        swap(&contentType, &request.contentType)
        swap(&inferenceHeaderContentLength, &request.inferenceHeaderContentLength)
    }
}

/// Answers model jobs on the job queue (never on a loop thread).
///
/// Each job's answer must be byte for byte the answer it would get alone: a body that fails
/// validation fails on its own, and rows predicted together give the values they would give apart.
protocol ModelJobRunner: AnyObject, Sendable {
    /// Answers one job (a loop iteration that collected no other for this runner and model).
    func answer(_ job: ModelJob) -> HTTPResponse

    /// Answers every job of `jobs` (all with this runner and the same `served`), calling `answer`
    /// exactly once per job with its index in `jobs` (a slice: its indices are the whole array's).
    func run(_ jobs: ArraySlice<ModelJob>, answer: (Int, consuming HTTPResponse) -> Void)
}
