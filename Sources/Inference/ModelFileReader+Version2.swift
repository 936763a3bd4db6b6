import JSON

/// Version 2 (docs/model-format.md): every tree estimator, classifiers, missing values, float64
/// inputs, and the arithmetic after the trees, written out as `TreeEnsemble`'s fields.
extension ModelFileReader {
    static func readVersion2(_ top: JSONObject, estimator: TreeModel.Estimator, featureCount: Int,
                             featureNames: [String]?) throws(ModelFileError) -> TreeModel {
        let precision = try choice(top, "input", TreeEnsemble.InputPrecision.self, default: .float32)
        let link = try choice(top, "link", TreeEnsemble.Link.self, default: nil)
        let sumOrder = try choice(top, "sum_order", TreeEnsemble.SumOrder.self, default: .pairwise)
        let acceptsMissing = try flag(top, "missing_values", default: false)
        let averaged = try flag(top, "average", default: false)
        let outputCount = try integer(top, "n_outputs")
        guard (1...10_000).contains(outputCount) else { throw .invalidValue(field: "n_outputs", reason: "must be 1 to 10000") }
        let width = top["values_per_node"] == nil ? 1 : try integer(top, "values_per_node")
        guard (1...outputCount).contains(width) else { throw .invalidValue(field: "values_per_node", reason: "must be 1 to n_outputs") }
        let base = try numbers(top, "base", count: outputCount)
        let leafScale: Double? = top["leaf_scale"]?.isNull ?? true ? nil : try finite(top, "leaf_scale")

        let classes = try classLabels(top)
        let decision = try choice(top, "decision", TreeEnsemble.Decision.self, default: classes == nil ? nil : .argmaxProbability)
        try checkKind(estimator: estimator, link: link, classes: classes, decision: decision, outputCount: outputCount)

        let trees = try self.trees(top, featureCount: featureCount, valueWidth: width, missingArray: true)
        var outputs = [Int]()
        if let outputValues = top["tree_outputs"], !outputValues.isNull {
            guard let list = outputValues.arrayValue, list.count == trees.count else {
                throw .wrongType(field: "tree_outputs", expected: "an array of \(trees.count) integers (one per tree)")
            }
            for (t, value) in list.enumerated() {
                guard let k = value.intValue, k >= 0, k + width <= outputCount else {
                    throw .invalidValue(field: "tree_outputs[\(t)]", reason: "must be an integer with tree_outputs + values_per_node <= n_outputs")
                }
                outputs.append(k)
            }
        } else {
            outputs = [Int](repeating: 0, count: trees.count)
        }
        if estimator == .decisionTree || estimator == .decisionTreeClassifier || estimator == .extraTree || estimator == .extraTreeClassifier,
           trees.count != 1 {
            throw .invalidValue(field: "trees", reason: "has \(trees.count) trees; a \(estimator.rawValue) has exactly 1")
        }
        let ensemble = TreeEnsemble(
            estimator: estimator.rawValue, featureCount: featureCount, featureNames: featureNames, inputPrecision: precision,
            acceptsMissing: acceptsMissing, outputCount: outputCount, base: base, leafScale: leafScale, averaged: averaged,
            link: link ?? .identity, sumOrder: sumOrder, classes: classes, decision: decision, trees: trees, treeOutput: outputs)
        return TreeModel(ensemble: ensemble, estimator: estimator)
    }

    /// Regressors have no classes and an identity or exp link; classifiers have ≥ 2 distinct labels
    /// and a link whose raw scores fit their count.
    private static func checkKind(estimator: TreeModel.Estimator, link: TreeEnsemble.Link?, classes: [JSONValue]?,
                                  decision: TreeEnsemble.Decision?, outputCount: Int) throws(ModelFileError) {
        guard let link else { throw .missingField("link") }
        guard let classes else {
            if estimator.isClassifier { throw .missingField("classes") }
            guard link == .identity || link == .exp, outputCount == 1 else {
                throw .invalidValue(field: "link", reason: "is \"\(link.rawValue)\"; a regressor has one raw score and the link \"identity\" or \"exp\"")
            }
            return
        }
        guard estimator.isClassifier else { throw .invalidValue(field: "classes", reason: "is given, but \(estimator.rawValue) is a regressor") }
        let expected: Int
        switch link {
        case .expit, .expitOfTwice: expected = 1
        case .softmax, .softmaxLogSumExp, .probabilities: expected = classes.count
        case .identity, .exp:
            throw .invalidValue(field: "link", reason: "is \"\(link.rawValue)\", a regressor's; a classifier needs \"expit\", \"expit_2x\", \"softmax\", \"softmax_logsumexp\" or \"probabilities\"")
        case .logistic32, .softmax32, .exp32, .argmax, .expitEach, .log1pExp:
            // The XGBoost/LightGBM readers' links; evserve.trees files do not carry them.
            throw .invalidValue(field: "link", reason: "is \"\(link.rawValue)\", which evserve.trees files do not support")
        }
        guard outputCount == expected else {
            throw .invalidValue(field: "n_outputs", reason: "is \(outputCount); the link \"\(link.rawValue)\" with \(classes.count) classes needs \(expected)")
        }
        if decision == .rawAtLeastZero || decision == .rawAboveZero, outputCount != 1 {
            throw .invalidValue(field: "decision", reason: "\"\(decision!.rawValue)\" needs one raw score (n_outputs 1)")
        }
    }

    /// `classes`: ≥ 2 distinct labels, all numbers, all strings or all booleans.
    private static func classLabels(_ top: JSONObject) throws(ModelFileError) -> [JSONValue]? {
        guard let value = top["classes"], !value.isNull else { return nil }
        let expected = "an array of at least 2 distinct labels, all numbers, all strings or all booleans"
        guard let labels = value.arrayValue, labels.count >= 2 else { throw .wrongType(field: "classes", expected: expected) }
        func kind(_ label: JSONValue) -> Int? {
            switch label {
            case .number(let number): return number.doubleValue.isFinite ? 0 : nil
            case .string: return 1
            case .bool: return 2
            default: return nil
            }
        }
        guard let first = kind(labels[0]), labels.allSatisfy({ kind($0) == first }) else {
            throw .wrongType(field: "classes", expected: expected)
        }
        for i in labels.indices {
            for j in labels.indices where j < i && labels[i] == labels[j] {
                throw .wrongType(field: "classes", expected: expected)
            }
        }
        return labels
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ top: JSONObject, _ key: String, _ type: T.Type,
                                                                    default fallback: T?) throws(ModelFileError) -> T? where T.RawValue == String {
        guard let value = top[key], !value.isNull else { return fallback }
        let supported = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let text = value.stringValue else { throw .wrongType(field: key, expected: "one of \(supported)") }
        guard let result = T(rawValue: text) else { throw .unsupported(field: key, value: "\"\(text)\"", supported: supported) }
        return result
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ top: JSONObject, _ key: String, _ type: T.Type,
                                                                    default fallback: T) throws(ModelFileError) -> T where T.RawValue == String {
        let optional: T? = fallback
        return try choice(top, key, type, default: optional) ?? fallback
    }

    private static func flag(_ top: JSONObject, _ key: String, default fallback: Bool) throws(ModelFileError) -> Bool {
        guard let value = top[key], !value.isNull else { return fallback }
        guard let bit = value.boolValue else { throw .wrongType(field: key, expected: "true or false") }
        return bit
    }

    private static func numbers(_ top: JSONObject, _ key: String, count: Int) throws(ModelFileError) -> [Double] {
        let expected = "an array of \(count) numbers (one per raw score)"
        guard let list = try field(top, key).arrayValue, list.count == count else { throw .wrongType(field: key, expected: expected) }
        var result = [Double]()
        for (k, element) in list.enumerated() {
            guard let number = element.doubleValue else { throw .wrongType(field: key, expected: expected) }
            guard number.isFinite else { throw .notFinite(field: "\(key)[\(k)]") }
            result.append(number)
        }
        return result
    }
}

