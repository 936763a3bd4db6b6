/// Reads LightGBM's text model into a `TreeEnsemble` (docs/model-format.md, "LightGBM"). Only
/// reads: LightGBM's arithmetic is float64 inputs compared as `x <= threshold`, raw score k = 0 plus
/// the trees i with i % K = k in order, averaged for random forests, then the objective's
/// transform; its missing-value rules become each node's `missingGoesLeft` / `zeroIsMissing`, its
/// categorical splits `CategorySplit`s.
///
/// A LightGBM file does not say whether `LGBMClassifier` or the `Booster` wrote it (the two write
/// the same text, and `classes_` is not in it), so evserve serves it as the `Booster`: `predict`
/// returns the transformed output.
struct LightGBMReader {
    static func read(_ bytes: [UInt8]) throws(ModelFileError) -> TreeModel {
        let text = try LightGBMText(bytes)
        let header = text.header
        if let version = header["version"], !["v2", "v3", "v4"].contains(version) {
            throw .unsupported(field: "version", value: "\"\(version)\"", supported: "\"v2\", \"v3\", \"v4\"")
        }
        let maxFeature = try integer(header, "max_feature_idx")
        guard (0..<ModelFileReader.maxFeatureCount).contains(maxFeature) else {
            throw .invalidValue(field: "max_feature_idx", reason: "is \(maxFeature); 0 to \(ModelFileReader.maxFeatureCount - 1) are supported")
        }
        let featureCount = maxFeature + 1
        // LightGBM writes no objective line for a model trained with a custom objective function.
        guard let objectiveLine = header["objective"] else {
            throw .unsupported(field: "objective", value: "absent (a custom objective function)", supported: LightGBMObjective.supported)
        }
        let objective = try LightGBMObjective(objectiveLine)
        let classCount = try integer(header, "num_class")
        let perIteration = try integer(header, "num_tree_per_iteration")
        let expected = objective.isMulticlass ? classCount : 1
        guard (1...10_000).contains(classCount), perIteration == expected, !objective.isMulticlass || classCount >= 2 else {
            throw .invalidValue(field: "num_tree_per_iteration", reason: "is \(perIteration) with num_class \(classCount); \(objective.name) needs \(expected)")
        }
        guard !text.trees.isEmpty else { throw .invalidValue(field: "Tree=0", reason: "is missing; a model needs at least one tree") }
        guard text.trees.count % perIteration == 0 else {
            throw .invalidValue(field: "trees", reason: "are \(text.trees.count), not a multiple of num_tree_per_iteration \(perIteration)")
        }
        var names: [String]? = nil
        if let line = header["feature_names"] {
            let list = line.split(separator: " ").map(String.init)
            guard list.count == featureCount else {
                throw .invalidValue(field: "feature_names", reason: "has \(list.count) names for \(featureCount) features")
            }
            names = list
        }
        var trees = [DecisionTree]()
        var totalNodes = 0
        for (index, fields) in text.trees.enumerated() {
            let tree = try LightGBMTree.read(fields, index: index, featureCount: featureCount)
            totalNodes += tree.nodeCount
            guard totalNodes < Int(Int32.max) else { throw .invalidValue(field: "trees", reason: "have too many nodes") }
            trees.append(tree)
        }
        var ensemble = TreeEnsemble(
            estimator: TreeModel.Estimator.lightgbmBooster.rawValue, featureCount: featureCount, featureNames: names,
            inputPrecision: .float64, acceptsMissing: true, outputCount: perIteration,
            base: [Double](repeating: 0, count: perIteration), averaged: text.headerFlags.contains("average_output"),
            link: objective.link, sumOrder: .sequential, trees: trees,
            treeOutput: trees.indices.map { $0 % perIteration })
        ensemble.sigmoidScale = objective.sigmoid
        return TreeModel(ensemble: ensemble, estimator: .lightgbmBooster)
    }

    static func integer(_ fields: [Substring: Substring], _ key: Substring, path: String? = nil) throws(ModelFileError) -> Int {
        guard let text = fields[key] else { throw .missingField(path ?? String(key)) }
        guard let number = Int(text) else { throw .wrongType(field: path ?? String(key), expected: "an integer") }
        return number
    }
}
