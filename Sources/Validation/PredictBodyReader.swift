import JSON

/// Turns a POST /predict body into the feature matrix, or into the exact response FastAPI
/// (pydantic 2) gives for it.
///
/// Order, as FastAPI does it: an empty body is `missing`; a body whose Content-Type is not
/// JSON is passed to pydantic as bytes (`model_attributes_type`); otherwise the fast reader
/// tries the usual shape, and anything it refuses is parsed by the general JSON parser
/// (`json_invalid` on a syntax error) and validated field by field.
public struct PredictBodyReader: Sendable {
    public let featureCount: Int
    private let fast: FastBodyReader
    private let general: ObservationValidator

    private let rules: InputRules

    /// `rules`: what the served model accepts beyond FastAPI's `Observation` (`InputRules.reference`: nothing).
    public init(featureCount: Int, rules: InputRules = .reference) {
        self.featureCount = featureCount
        self.rules = rules
        self.fast = FastBodyReader(featureCount: featureCount)
        self.general = ObservationValidator(featureCount: featureCount, rules: rules)
    }

    /// contentType: the request's Content-Type header value, nil if absent (deliberate
    /// difference from FastAPI: nil is read as JSON).
    public func read(_ body: [UInt8], contentType: String?) -> Result<FeatureMatrix, ValidationFailure> {
        var values: [Double] = []
        values.reserveCapacity(valueCapacity(for: body))
        return read(body, contentType: contentType, appendingTo: &values).map {
            FeatureMatrix(values: values, rowCount: $0, featureCount: featureCount)
        }
    }

    /// The same, with the valid body's rows appended to `values` (a batch's rows, one request after
    /// another, read with no matrix of their own) and its row count answered; `values` is left as it
    /// was when the body is refused.
    public func read(_ body: [UInt8], contentType: String?, appendingTo values: inout [Double]) -> Result<Int, ValidationFailure> {
        if body.isEmpty {
            return .failure(ValidationFailure(issues: [.missing([.key("body")], input: .null)]))
        }
        guard ContentType.isJSON(contentType) else {
            // FastAPI hands pydantic the raw bytes; the error echoes them decoded as UTF-8.
            return .failure(ValidationFailure(issues: [
                .modelAttributesType(input: .string(String(decoding: body, as: UTF8.self)))
            ]))
        }
        let start = values.count
        let rowCount: Int
        if let read = fast.read(body, appendingTo: &values) {
            rowCount = read
        } else {
            switch readGeneral(body) {
            case .failure(let failure):
                return .failure(failure)
            case .success(let matrix):
                values.append(contentsOf: matrix.values)
                rowCount = matrix.rowCount
            }
        }
        if let estimator = rules.float32Estimator, let failure = Self.float32Overflows(values[start...], featureCount: featureCount, estimator: estimator) {
            values.removeSubrange(start...)
            return .failure(failure)
        }
        return .success(rowCount)
    }

    /// How many values to reserve room for before reading `body`: at most one per comma and one more
    /// (at least a row's worth), counted without parsing, so its values are allocated once.
    public func valueCapacity(for body: [UInt8]) -> Int {
        max(featureCount, FastBodyReader.expectedValueCount(body))
    }

    /// The 422 naming each value of `values` (a body's rows) that overflows float32 (scikit-learn's
    /// trees raise on them rather than predict): every finite x whose float32 rounding is infinite;
    /// nil when there is none.
    static func float32Overflows(_ values: ArraySlice<Double>, featureCount: Int, estimator: String) -> ValidationFailure? {
        var issues: [ValidationIssue] = []
        for (i, x) in values.enumerated() where x.isFinite && Float(x).isInfinite {
            issues.append(.float32Overflow([.key("body"), .key("X"), .index(i / featureCount), .index(i % featureCount)],
                                           value: x, estimator: estimator))
        }
        return issues.isEmpty ? nil : ValidationFailure(issues: issues)
    }

    /// The general path alone (the fast reader's reference in tests and benchmarks).
    func readGeneral(_ body: [UInt8]) -> Result<FeatureMatrix, ValidationFailure> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            if error.kind == .undecodable { return .failure(.undecodableBody) }
            return .failure(ValidationFailure(issues: [.jsonInvalid(error)]))
        }
        return general.validate(value)
    }

    /// The fast path alone: nil when the body is not in the shape it reads.
    func readFast(_ body: [UInt8]) -> FeatureMatrix? {
        fast.read(body)
    }
}
