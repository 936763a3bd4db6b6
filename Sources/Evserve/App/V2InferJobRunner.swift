import Validation

/// v2 infer on the job queue, for one request or a batch of them: each body is read on its own (its
/// 400 stays its own and is answered at once), each output the valid requests asked for is predicted
/// in one call over the rows of the requests that want it (`V2BatchPrediction`), and each request is
/// answered with its own rows, ids, outputs and binary flags: byte for byte what it gets alone.
final class V2InferJobRunner: ModelJobRunner {
    let metrics: MetricsRegistry

    init(metrics: MetricsRegistry) {
        self.metrics = metrics
    }

    func answer(_ job: ModelJob) -> HTTPResponse {
        let served = job.served
        let received = MonotonicClock.seconds()
        switch served.v2Reader.read(job.body, inferenceHeaderContentLength: job.inferenceHeaderContentLength) {
        case .failure(let error):
            return error.response
        case .success(let request):
            // Alone: the request's values are predicted where they lie, with no list of requests to keep.
            let prediction = predict(CollectionOfOne(request), with: served)
            var cursor = V2BatchPrediction.Cursor()
            let response = V2InferenceResponse.encode(request, rows: cursor.take(request), of: prediction, parts: served.v2Parts)
            metrics.recordModelRequest(seconds: MonotonicClock.seconds() - received, model: served.metricsKey)
            return response
        }
    }

    func run(_ jobs: ArraySlice<ModelJob>, answer: (Int, consuming HTTPResponse) -> Void) {
        guard let served = jobs.first?.served else { return }
        // A request's time runs from the batch's start: it waits for the bodies before its own.
        let received = MonotonicClock.seconds()
        // The jobs whose bodies were read, and their requests: two arrays, so that the prediction and
        // the answers read each request in place (a list of pairs, read through a lazy map, copied
        // every request, and retained its references, at each of several passes).
        var indices: [Int] = []
        var requests: [V2InferenceRequest] = []
        indices.reserveCapacity(jobs.count)
        requests.reserveCapacity(jobs.count)
        // By index, not `for job in jobs`: a job is read in place rather than copied (five references).
        for index in jobs.indices {
            switch served.v2Reader.read(jobs[index].body, inferenceHeaderContentLength: jobs[index].inferenceHeaderContentLength) {
            case .failure(let error):
                // Answered now: a refused body waits for no one's prediction.
                answer(index, error.response)
            case .success(let request):
                indices.append(index)
                requests.append(request)
            }
        }
        guard !requests.isEmpty else { return }
        let prediction = predict(requests, with: served)
        var cursor = V2BatchPrediction.Cursor()
        for k in requests.indices {
            answer(indices[k], V2InferenceResponse.encode(requests[k], rows: cursor.take(requests[k]), of: prediction,
                                                          parts: served.v2Parts))
        }
        // The batch's answers leave together (`JobBatch.run` posts them at once): each took this long.
        metrics.recordModelRequest(seconds: MonotonicClock.seconds() - received, model: served.metricsKey, count: requests.count)
    }

    /// The outputs `requests` ask for, timed and counted as one inference over all their rows.
    private func predict<Requests: Collection<V2InferenceRequest>>(_ requests: Requests, with served: ServedModel) -> V2BatchPrediction {
        let start = MonotonicClock.seconds()
        let rows = requests.reduce(0) { $0 + $1.matrix.rowCount }
        let prediction = JobThread.run(treeRows: rows * served.summary.treeCount) { V2BatchPrediction(served.model, requests) }
        metrics.recordInference(seconds: MonotonicClock.seconds() - start, rows: prediction.rowCount, model: served.metricsKey)
        return prediction
    }
}
