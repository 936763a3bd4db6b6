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
/// `InputRules` add to this: for a model that accepts missing values, `null` is one (NaN); otherwise
/// it is pydantic's `float_type` (with the rules' note, if any). With feature names, a row may also be
/// an object keyed by them, validated as pydantic validates a model with `extra="forbid"`: each name
/// in order (`missing`, or the value's float errors, at `loc` [..., row, name]), then each unknown key
/// in the row's order (`extra_forbidden`).
struct ObservationValidator {
    let featureCount: Int
    var rules = InputRules.reference

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
            if case .object(let fields) = row, let names = rules.featureNames {
                validate(fields, row: row, names: names, at: rowLocation, into: &values, issues: &issues)
                continue
            }
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
                validate(item, at: rowLocation + [.index(itemIndex)], into: &values, issues: &issues)
            }
            if issues.count == issueCountBefore, items.count < featureCount {
                issues.append(.tooShort(rowLocation, input: row, minimum: featureCount, actual: items.count))
            }
        }
        guard issues.isEmpty else { return .failure(ValidationFailure(issues: issues)) }
        return .success(FeatureMatrix(values: values, rowCount: rows.count, featureCount: featureCount))
    }

    /// One value: a number onto `values`, or its issue.
    private func validate(_ item: JSONValue, at location: [ValidationIssue.LocationPart],
                          into values: inout [Double], issues: inout [ValidationIssue]) {
        if item.isNull {
            if rules.acceptsMissing {
                values.append(.nan)
            } else {
                issues.append(.floatType(location, input: item, note: rules.missingRefusal))
            }
            return
        }
        switch LaxFloat.validate(item) {
        case .value(let value): values.append(value)
        case .floatType: issues.append(.floatType(location, input: item))
        case .floatParsing: issues.append(.floatParsing(location, input: item))
        case .finiteNumber: issues.append(.finiteNumber(location, input: item))
        }
    }

    /// A row given as an object keyed by feature name.
    private func validate(_ fields: JSONObject, row: JSONValue, names: [String], at location: [ValidationIssue.LocationPart],
                          into values: inout [Double], issues: inout [ValidationIssue]) {
        for name in names {
            guard let item = fields[name] else {
                issues.append(.missingFeature(location + [.key(name)], row: row))
                continue
            }
            validate(item, at: location + [.key(name)], into: &values, issues: &issues)
        }
        let known = Set(names)
        for (key, item) in fields.pairs where !known.contains(key) {
            issues.append(.extraForbidden(location + [.key(key)], input: item))
        }
    }
}
