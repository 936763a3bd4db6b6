import JSON

/// The general path: validates any parsed body against FastAPI's
/// `Observation(X: conlist(conlist(float, min_length=n, max_length=n), min_length=1))`
/// and lists every problem in the order pydantic 2 reports them.
///
/// pydantic's order, checked against the oracle: the body must be an object (else
/// `model_attributes_type`); `X` must be present (`missing`, input: the whole body) and a list
/// (`list_type`) with at least one row (`too_short`). Each row, in order: not a list is
/// `list_type`; longer than n is `too_long` alone (its items are not looked at); otherwise each
/// item's float errors, and only when all items are valid, `too_short` if it has fewer than n.
/// Keys other than `X` are ignored.
///
/// For a model that accepts missing values, `null` is one (NaN); otherwise it is pydantic's `float_type`.
struct ObservationValidator {
    let featureCount: Int
    var acceptsMissing = false

    func validate(_ body: JSONValue) -> Result<FeatureMatrix, ValidationFailure> {
        guard case .object(let object) = body else {
            return .failure(ValidationFailure(issues: [.modelAttributesType(input: body)]))
        }
        guard let rowsValue = object["X"] else {
            return .failure(ValidationFailure(issues: [.missing([.key("body"), .key("X")], input: body)]))
        }
        let xLocation: [ValidationIssue.LocationPart] = [.key("body"), .key("X")]
        guard case .array(let rows) = rowsValue else {
            return .failure(ValidationFailure(issues: [.listType(xLocation, input: rowsValue)]))
        }
        if rows.isEmpty {
            return .failure(ValidationFailure(issues: [.tooShort(xLocation, input: rowsValue, minimum: 1, actual: 0)]))
        }
        var issues: [ValidationIssue] = []
        var values: [Double] = []
        values.reserveCapacity(rows.count * featureCount)
        for (rowIndex, row) in rows.enumerated() {
            let rowLocation = xLocation + [.index(rowIndex)]
            guard case .array(let items) = row else {
                issues.append(.listType(rowLocation, input: row))
                continue
            }
            if items.count > featureCount {
                issues.append(.tooLong(rowLocation, input: row, maximum: featureCount, actual: items.count))
                continue
            }
            let issueCountBefore = issues.count
            for (itemIndex, item) in items.enumerated() {
                let itemLocation = rowLocation + [.index(itemIndex)]
                if acceptsMissing && item.isNull {
                    values.append(.nan)
                    continue
                }
                switch LaxFloat.validate(item) {
                case .value(let value): values.append(value)
                case .floatType: issues.append(.floatType(itemLocation, input: item))
                case .floatParsing: issues.append(.floatParsing(itemLocation, input: item))
                case .finiteNumber: issues.append(.finiteNumber(itemLocation, input: item))
                }
            }
            if issues.count == issueCountBefore, items.count < featureCount {
                issues.append(.tooShort(rowLocation, input: row, minimum: featureCount, actual: items.count))
            }
        }
        guard issues.isEmpty else { return .failure(ValidationFailure(issues: issues)) }
        return .success(FeatureMatrix(values: values, rowCount: rows.count, featureCount: featureCount))
    }
}
