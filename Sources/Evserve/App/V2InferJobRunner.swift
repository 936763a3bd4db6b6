/// v2 infer on the job queue. Each request runs alone (`V2Routes.predict`): requests may ask for
/// different outputs, as JSON or binary, so a batch is only a way to reach the job queue without a
/// closure per request; predicting their rows together is left for when it measures better.
final class V2InferJobRunner: ModelJobRunner {
    let metrics: MetricsRegistry

    init(metrics: MetricsRegistry) {
        self.metrics = metrics
    }

    func answer(_ job: ModelJob) -> HTTPResponse {
        V2Routes.predict(body: job.body, inferenceHeaderContentLength: job.inferenceHeaderContentLength,
                         served: job.served, metrics: metrics)
    }

    func run(_ jobs: [ModelJob], answer: (Int, HTTPResponse) -> Void) {
        for (index, job) in jobs.enumerated() { answer(index, self.answer(job)) }
    }
}
