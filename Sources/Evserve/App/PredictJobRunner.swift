import Inference
import Validation

/// `/predict` and `/predict_proba` on the job queue, for one request or a batch of them: each body is
/// validated on its own (its 422 or 400 stays its own), the valid ones' rows are predicted in one call,
/// and each request is answered with its own rows' predictions, byte for byte what it gets alone.
final class PredictJobRunner: ModelJobRunner {
    let metrics: MetricsRegistry
    /// `/predict_proba`: each row's class probabilities instead of its label.
    let probabilities: Bool

    init(metrics: MetricsRegistry, probabilities: Bool) {
        self.metrics = metrics
        self.probabilities = probabilities
    }

    func answer(_ job: ModelJob) -> HTTPResponse {
        // Alone: the matrix is predicted where it lies, with no list of requests to keep.
        let served = job.served
        let received = MonotonicClock.seconds()
        switch served.reader.read(job.body, contentType: job.contentType) {
        case .failure(let failure):
            return .json(failure.body, status: failure.status)
        case .success(let matrix):
            let prediction = predict(matrix.values, rowCount: matrix.rowCount, with: served)
            let response = HTTPResponse.json(prediction.encode(rows: 0..<matrix.rowCount, labels: served.encodedLabels))
            metrics.recordModelRequest(seconds: MonotonicClock.seconds() - received, model: served.metricsKey)
            return response
        }
    }

    func run(_ jobs: ArraySlice<ModelJob>, answer: (Int, consuming HTTPResponse) -> Void) {
        guard let served = jobs.first?.served else { return }
        // A request's time runs from the batch's start: it waits for the bodies before its own.
        let received = MonotonicClock.seconds()
        // All valid rows, one request after another, gathered as the bodies are read; each request's
        // index and row count, to answer it with its own rows.
        var values: [Double] = []
        var valid: [(index: Int, rowCount: Int)] = []
        valid.reserveCapacity(jobs.count)
        var rowCount = 0
        // Each valid body's rows go straight onto the batch's values, with no matrix of their own.
        // Jobs are read in place through the slice's buffer: copying one out costs five references,
        // and even its body read through the slice was retained and released.
        // Read once: the reader held by the served model (a class) was copied, fields retained, per body.
        let reader = served.reader
        jobs.withUnsafeBufferPointer { buffer in
            for (offset, index) in jobs.indices.enumerated() {
                if values.isEmpty {
                    // Room for as many more bodies of this size: usually one allocation for the batch. At
                    // most 512 KiB ahead of values actually read (the estimate counts commas, which a refused
                    // body may be made of); past it, and for every later body, appends grow the array
                    // geometrically (reserving again could grow it exactly, a copy per body).
                    let estimate = reader.valueCapacity(for: buffer[offset].body)
                    values.reserveCapacity(min(estimate * (jobs.endIndex - index), max(estimate, 1 << 16)))
                }
                switch reader.read(buffer[offset].body, contentType: buffer[offset].contentType, appendingTo: &values) {
                case .failure(let failure):
                    // Answered on its own: a refused body is no part of the prediction.
                    answer(index, .json(failure.body, status: failure.status))
                case .success(let rows):
                    valid.append((index, rows))
                    rowCount += rows
                }
            }
        }
        guard !valid.isEmpty else { return }
        let prediction = predict(values, rowCount: rowCount, with: served)
        var first = 0
        // Read once: a class's array property read in the loop is retained and released per answer.
        let labels = served.encodedLabels
        for (index, rowCount) in valid {
            answer(index, .json(prediction.encode(rows: first..<(first + rowCount), labels: labels)))
            first += rowCount
        }
        // The batch's answers leave together (`JobBatch.run` posts them at once): each took this long.
        metrics.recordModelRequest(seconds: MonotonicClock.seconds() - received, model: served.metricsKey, count: valid.count)
    }

    /// One call into the model for `rowCount` rows, timed and counted as one inference.
    private func predict(_ values: [Double], rowCount: Int, with served: ServedModel) -> Prediction {
        let start = MonotonicClock.seconds()
        let prediction = JobThread.run(treeRows: rowCount * served.summary.treeCount) {
            Prediction(served.model, values, rowCount: rowCount, probabilities: probabilities)
        }
        metrics.recordInference(seconds: MonotonicClock.seconds() - start, rows: rowCount, model: served.metricsKey)
        return prediction
    }
}

/// A model's answers for consecutive rows, as `/predict` or `/predict_proba` writes them, so that any
/// run of rows (one request's) can be written on its own.
struct Prediction {
    /// A classifier's label indices, one per row (`predict`); else empty.
    private let labels: [Int]
    /// `columns` numbers per row: a regressor's value, a multiclass Booster's probabilities, or
    /// `predict_proba`'s; else empty. `nested`: each row is written as a list.
    private let numbers: [Double]
    /// 0 for labels.
    private let columns: Int
    private let nested: Bool
    // Stored side by side rather than as an enum's payloads: binding a payload copies (retains) its
    // array, where a stored array is read in place, once per request.

    init(_ model: TreeModel, _ rows: [Double], rowCount: Int, probabilities: Bool) {
        if probabilities {
            (labels, numbers) = ([], model.predictProbabilities(rows, rowCount: rowCount))
            (columns, nested) = (model.classes?.count ?? 1, true)
        } else if model.isClassifier {
            (labels, numbers) = (model.predictClasses(rows, rowCount: rowCount), [])
            (columns, nested) = (0, false)
        } else if model.valuesPerRow > 1 {
            // A multiclass Booster (XGBoost, LightGBM): a row of class probabilities per input row.
            (labels, numbers) = ([], model.predict(rows, rowCount: rowCount))
            (columns, nested) = (model.valuesPerRow, true)
        } else {
            (labels, numbers) = ([], model.predict(rows, rowCount: rowCount))
            (columns, nested) = (1, false)
        }
    }

    /// The 200 body for `rows`; `encodedLabels` are the classifier's labels as JSON.
    func encode(rows: Range<Int>, labels encodedLabels: [[UInt8]]) -> [UInt8] {
        if columns == 0 {
            return labels.withUnsafeBufferPointer { PredictResponse.encode(labels: $0[rows], from: encodedLabels) }
        }
        return numbers.withUnsafeBufferPointer { all in
            let part = all[(rows.lowerBound * columns)..<(rows.upperBound * columns)]
            return nested ? PredictResponse.encode(rows: part, columns: columns) : PredictResponse.encode(part)
        }
    }
}
