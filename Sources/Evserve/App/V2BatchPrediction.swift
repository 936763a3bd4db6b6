import Inference
import Validation

/// The outputs a batch of v2 requests asked for, each computed by one model call over the rows of
/// just the requests that asked for it: `predict` over the rows of every request that wants `predict`,
/// `predict_proba` over those that want probabilities, requests one after another in batch order.
///
/// A request's rows in an output follow those of the requests before it that asked for the same
/// output, so `V2BatchPrediction.Cursor` finds them by walking the requests in order, with no table
/// per batch. Rows predicted together give the values they give apart (every layout of
/// `TreeModel` is checked against the plain walk, bit for bit), so each answer is the one it gets alone.
struct V2BatchPrediction {
    /// `predict`: a regressor's values (`columns` per row for a multi-output Booster), or a
    /// classifier's label indices; nil when no request of the batch asked for it.
    private let predictions: Computed?
    /// `predict_proba`: `columns` probabilities per row; nil when no request asked for them.
    private let probabilities: Computed?
    /// All rows of the batch's requests (for the inference metrics).
    let rowCount: Int

    fileprivate enum Computed {
        case numbers([Double], columns: Int, shapedByRow: Bool)
        case labels([Int])
    }

    /// `requests` in batch order: the order `Cursor` must walk them in.
    init<Requests: Collection<V2InferenceRequest>>(_ model: TreeModel, _ requests: Requests) {
        rowCount = requests.reduce(0) { $0 + $1.matrix.rowCount }
        predictions = Self.rows(of: requests, wanting: .predict).map { values, rows in
            guard model.classes != nil else {
                let columns = model.valuesPerRow
                return .numbers(model.predict(values, rowCount: rows), columns: columns, shapedByRow: columns > 1)
            }
            return .labels(model.predictClasses(values, rowCount: rows))
        }
        probabilities = Self.rows(of: requests, wanting: .predictProba).map { values, rows in
            .numbers(model.predictProbabilities(values, rowCount: rows), columns: model.classes?.count ?? 1, shapedByRow: true)
        }
    }

    /// The rows of the requests that want `output`, concatenated in order: a lone request's own
    /// values as they are (no copy), several in one allocation of the final size; nil when none wants it.
    private static func rows<Requests: Collection<V2InferenceRequest>>(of requests: Requests, wanting output: V2Output)
        -> (values: [Double], rows: Int)? {
        var wanting = 0
        var rows = 0
        var valueCount = 0
        var lone: Requests.Index?
        // By index: each request is read in place, not copied (its references retained and released).
        for i in requests.indices where requests[i].wants(output) {
            wanting += 1
            rows += requests[i].matrix.rowCount
            valueCount += requests[i].matrix.values.count
            lone = i
        }
        guard let lone else { return nil }
        if wanting == 1 { return (requests[lone].matrix.values, rows) }
        var values: [Double] = []
        values.reserveCapacity(valueCount)
        for i in requests.indices where requests[i].wants(output) { values.append(contentsOf: requests[i].matrix.values) }
        return (values, rows)
    }

    /// Where one request's rows lie in each output.
    struct Rows {
        var predict: Int
        var probabilities: Int
        var count: Int
    }

    /// Walks the batch's requests in order, handing each where its rows lie.
    struct Cursor {
        private var predictRow = 0
        private var probabilityRow = 0

        /// `request`'s rows; call once per request, in the order the batch was made.
        mutating func take(_ request: V2InferenceRequest) -> Rows {
            let rows = Rows(predict: predictRow, probabilities: probabilityRow, count: request.matrix.rowCount)
            if request.wants(.predict) { predictRow += rows.count }
            if request.wants(.predictProba) { probabilityRow += rows.count }
            return rows
        }
    }

    /// One request's `output` (one it asked for), at the `rows` the cursor gave it.
    func values(_ output: V2Output, at rows: Rows) -> V2OutputValues {
        switch output {
        case .predict: predictions!.values(rows: rows.predict..<rows.predict + rows.count)
        case .predictProba: probabilities!.values(rows: rows.probabilities..<rows.probabilities + rows.count)
        }
    }
}

extension V2BatchPrediction.Computed {
    func values(rows: Range<Int>) -> V2OutputValues {
        switch self {
        case .labels(let indices):
            return V2OutputValues(elements: .labels(indices[rows]), rows: rows.count, columns: nil)
        case .numbers(let numbers, let columns, let shapedByRow):
            return V2OutputValues(elements: .numbers(numbers[(rows.lowerBound * columns)..<(rows.upperBound * columns)]),
                                  rows: rows.count, columns: shapedByRow ? columns : nil)
        }
    }
}

/// One output of one request: its elements (row-major) and its shape, `[rows]` or `[rows, columns]`.
struct V2OutputValues {
    enum Elements {
        /// FP64 numbers: values or probabilities.
        case numbers(ArraySlice<Double>)
        /// Indices into the classifier's labels (`V2ResponseParts` holds them encoded).
        case labels(ArraySlice<Int>)
    }

    var elements: Elements
    var rows: Int
    var columns: Int?

    var count: Int {
        switch elements {
        case .numbers(let numbers): numbers.count
        case .labels(let labels): labels.count
        }
    }

    var isLabels: Bool {
        if case .labels = elements { return true }
        return false
    }
}

extension V2InferenceRequest {
    /// Inlined: called on a request read from an array, a call copied the whole request (its three
    /// references retained and released) to hand it over; inlined, only `outputs` is read.
    @inline(__always)
    func wants(_ output: V2Output) -> Bool {
        outputs.contains { $0.name == output.rawValue }
    }
}
