import JSON

/// Reads an XGBoost model (`Booster.save_model`'s JSON, or UBJSON read into the same `JSONValue`)
/// into a `TreeEnsemble` (docs/model-format.md, "XGBoost"). Only reads: what XGBoost's arithmetic
/// means (float32 sums from the base margin, `x < split_condition`, categorical sets) is written
/// into the ensemble's fields, and `TreeWalk` does the rest.
///
/// Which trees count: `Booster.predict` uses every tree; the scikit-learn wrappers (the file's
/// `attributes.scikit_learn` names their estimator type) use the trees of the rounds up to
/// `attributes.best_iteration` when early stopping set it. evserve predicts as the writer would.
struct XGBoostReader {
    static func read(_ document: JSONValue) throws(ModelFileError) -> TreeModel {
        guard let learner = document["learner"]?.objectValue else { throw .missingField("learner") }
        let parameters = try object(learner, "learner_model_param")
        let objectiveName = try string(try object(learner, "objective"), "name", path: "learner.objective.name")
        guard let objective = XGBoostObjective(rawValue: objectiveName) else {
            throw .unsupported(field: "learner.objective.name", value: "\"\(objectiveName)\"",
                               supported: XGBoostObjective.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        let featureCount = try integerText(parameters, "num_feature", path: "learner.learner_model_param.num_feature")
        guard (1...ModelFileReader.maxFeatureCount).contains(featureCount) else {
            throw .invalidValue(field: "learner.learner_model_param.num_feature", reason: "is \(featureCount); 1 to \(ModelFileReader.maxFeatureCount) are supported")
        }
        if let targets = parameters["num_target"]?.stringValue, targets != "1" {
            throw .invalidValue(field: "learner.learner_model_param.num_target", reason: "is \(targets) (\(objectiveName)); multi-target models, such as several quantile_alpha, are not supported")
        }
        let classCount = try integerText(parameters, "num_class", path: "learner.learner_model_param.num_class")
        guard objective.isMulticlass ? (2...10_000).contains(classCount) : classCount == 0 else {
            throw .invalidValue(field: "learner.learner_model_param.num_class",
                                reason: "is \(classCount); \(objective.rawValue) needs \(objective.isMulticlass ? "2 to 10000" : "0")")
        }
        let outputCount = objective.isMulticlass ? classCount : 1
        let base = try baseMargins(parameters, objective: objective, outputCount: outputCount)

        let attributes = learner["attributes"]?.objectValue ?? JSONObject()
        let estimatorType = try scikitLearnType(attributes)
        let forest = try XGBoostForest(learner, featureCount: featureCount, outputCount: outputCount)
        var trees = forest.trees, treeOutput = forest.treeOutput
        if estimatorType != nil, let best = try bestIteration(attributes) {
            let kept = forest.treeCount(throughRound: best)
            trees = Array(trees.prefix(kept))
            treeOutput = Array(treeOutput.prefix(kept))
        }
        let names = try featureNames(learner, featureCount: featureCount)

        let classifier = estimatorType == "classifier" && (objective == .binaryLogistic || objective == .softprob)
        let estimator: TreeModel.Estimator = classifier ? .xgbClassifier : estimatorType == nil ? .xgboostBooster : .xgbRegressor
        var ensemble = TreeEnsemble(
            estimator: estimator.rawValue, featureCount: featureCount, featureNames: names, inputPrecision: .float32,
            acceptsMissing: true, outputCount: outputCount, base: base, link: objective.link,
            classes: classifier ? (0..<max(classCount, 2)).map { .number(.integer(Int64($0))) } : nil,
            decision: classifier ? .argmaxProbability : nil, trees: trees, treeOutput: treeOutput)
        ensemble.accumulation = .float32
        return TreeModel(ensemble: ensemble, estimator: estimator)
    }

    /// `base_score`: "5E-1" (before 3.1) or "[5E-1]" / one per class (3.1 on), as a float32 each,
    /// mapped to margins by the objective.
    private static func baseMargins(_ parameters: JSONObject, objective: XGBoostObjective, outputCount: Int) throws(ModelFileError) -> [Double] {
        let path = "learner.learner_model_param.base_score"
        let text = try string(parameters, "base_score", path: path)
        var parts = [Substring(text)]
        if text.hasPrefix("[") && text.hasSuffix("]") {
            parts = text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
        }
        var scores = [Float]()
        for part in parts {
            guard let score = Float(part.trimmingSpaces), score.isFinite else {
                throw .invalidValue(field: path, reason: "is \"\(text.prefix(80))\", not a number or a list of numbers")
            }
            scores.append(score)
        }
        if scores.count == 1 { scores = [Float](repeating: scores[0], count: outputCount) }
        guard scores.count == outputCount else {
            throw .invalidValue(field: path, reason: "has \(scores.count) numbers; the model has \(outputCount) outputs")
        }
        return try scores.map { (score: Float) throws(ModelFileError) -> Double in
            let margin = objective.margin(fromBaseScore: score)
            guard margin.isFinite else { throw .invalidValue(field: path, reason: "is \(score), outside \(objective.rawValue)'s range") }
            return Double(margin)
        }
    }

    /// The scikit-learn wrapper's `_estimator_type` ("classifier", "regressor"), nil for a `Booster`.
    private static func scikitLearnType(_ attributes: JSONObject) throws(ModelFileError) -> String? {
        guard let text = attributes["scikit_learn"]?.stringValue else { return nil }
        guard let type = (try? JSONValue.parse(text))?["_estimator_type"]?.stringValue else {
            throw .invalidValue(field: "learner.attributes.scikit_learn", reason: "is not JSON with an \"_estimator_type\"")
        }
        return type
    }

    private static func bestIteration(_ attributes: JSONObject) throws(ModelFileError) -> Int? {
        guard let text = attributes["best_iteration"]?.stringValue else { return nil }
        guard let best = Int(text), best >= 0 else {
            throw .invalidValue(field: "learner.attributes.best_iteration", reason: "is \"\(text.prefix(40))\", not a round number")
        }
        return best
    }

    private static func featureNames(_ learner: JSONObject, featureCount: Int) throws(ModelFileError) -> [String]? {
        guard let list = learner["feature_names"]?.arrayValue, !list.isEmpty else { return nil }
        var names = [String]()
        for value in list {
            guard let name = value.stringValue, list.count == featureCount else {
                throw .wrongType(field: "learner.feature_names", expected: "\(featureCount) strings (one per feature) or none")
            }
            names.append(name)
        }
        return names
    }

    // MARK: Fields

    static func object(_ parent: JSONObject, _ key: String, path: String? = nil) throws(ModelFileError) -> JSONObject {
        guard let value = parent[key] else { throw .missingField(path ?? key) }
        guard let object = value.objectValue else { throw .wrongType(field: path ?? key, expected: "an object") }
        return object
    }

    static func string(_ parent: JSONObject, _ key: String, path: String) throws(ModelFileError) -> String {
        guard let value = parent[key] else { throw .missingField(path) }
        guard let text = value.stringValue else { throw .wrongType(field: path, expected: "a string") }
        return text
    }

    /// XGBoost writes its parameters as strings: "30", "0".
    static func integerText(_ parent: JSONObject, _ key: String, path: String) throws(ModelFileError) -> Int {
        let text = try string(parent, key, path: path)
        guard let number = Int(text) else { throw .wrongType(field: path, expected: "an integer in a string") }
        return number
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
