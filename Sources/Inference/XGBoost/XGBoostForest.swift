import JSON

/// The trees of an XGBoost model (`learner.gradient_booster`: gbtree, or dart with its per-tree
/// weights) as `DecisionTree`s in file order, with the output (class) each adds to.
///
/// XGBoost's node arrays: `left_children`/`right_children` (−1 at leaves), `split_indices`,
/// `split_conditions` (the threshold at a split, the leaf value at a leaf), `default_left` (where a
/// missing value goes), `split_type` (1: categorical, its set in `categories*`).
struct XGBoostForest {
    var trees: [DecisionTree] = []
    var treeOutput: [Int] = []
    /// First tree of each boosting round, and one past the last (3.x's `iteration_indptr`).
    var roundStarts: [Int]?
    var treesPerRound: Int

    /// Bitset words allowed over all categorical splits: far above real models (2^24 categories is
    /// XGBoost's own limit per split) yet bounded, so a small file cannot demand gigabytes.
    static let maxCategoryWords = 1 << 22

    init(_ learner: JSONObject, featureCount: Int, outputCount: Int) throws(ModelFileError) {
        let booster = try XGBoostReader.object(learner, "gradient_booster", path: "learner.gradient_booster")
        let kind = try XGBoostReader.string(booster, "name", path: "learner.gradient_booster.name")
        var model: JSONObject
        var weights: [Double]? = nil
        switch kind {
        case "gbtree":
            model = try XGBoostReader.object(booster, "model", path: "learner.gradient_booster.model")
        case "dart":
            let inner = try XGBoostReader.object(booster, "gbtree", path: "learner.gradient_booster.gbtree")
            model = try XGBoostReader.object(inner, "model", path: "learner.gradient_booster.gbtree.model")
            guard let list = booster["weight_drop"]?.doubleArray else {
                throw .wrongType(field: "learner.gradient_booster.weight_drop", expected: "an array of numbers (one per tree)")
            }
            weights = list
        default:
            throw .unsupported(field: "learner.gradient_booster.name", value: "\"\(kind)\"", supported: "\"gbtree\", \"dart\" (tree boosters)")
        }
        let path = kind == "dart" ? "learner.gradient_booster.gbtree.model" : "learner.gradient_booster.model"
        guard let treeValues = model["trees"]?.arrayValue else { throw .wrongType(field: "\(path).trees", expected: "an array of trees") }
        guard !treeValues.isEmpty else { throw .invalidValue(field: "\(path).trees", reason: "is empty; a model needs at least one tree") }
        guard let info = model["tree_info"]?.intArray, info.count == treeValues.count else {
            throw .wrongType(field: "\(path).tree_info", expected: "an array of \(treeValues.count) integers (one per tree)")
        }
        if let weights, weights.count != treeValues.count {
            throw .invalidValue(field: "learner.gradient_booster.weight_drop", reason: "has \(weights.count) weights for \(treeValues.count) trees")
        }
        let parallel = (model["gbtree_model_param"]?["num_parallel_tree"]?.stringValue).flatMap { Int($0) } ?? 1
        treesPerRound = outputCount * min(max(parallel, 1), treeValues.count)
        if let starts = model["iteration_indptr"]?.intArray {
            guard starts.first == 0, starts.last == treeValues.count, zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw .invalidValue(field: "\(path).iteration_indptr", reason: "must rise from 0 to the tree count")
            }
            roundStarts = starts
        }

        var budget = Self.maxCategoryWords, totalNodes = 0
        for (t, value) in treeValues.enumerated() {
            guard (0..<outputCount).contains(info[t]) else {
                throw .invalidValue(field: "\(path).tree_info[\(t)]", reason: "is \(info[t]); the model has \(outputCount) outputs")
            }
            let weight = weights.map { Float($0[t]) }
            let tree = try Self.tree(value, index: t, path: "\(path).trees[\(t)]", featureCount: featureCount,
                                     weight: weight, categoryBudget: &budget)
            totalNodes += tree.nodeCount
            guard totalNodes < Int(Int32.max) else { throw .invalidValue(field: "\(path).trees", reason: "has too many nodes") }
            trees.append(tree)
            treeOutput.append(info[t])
        }
    }

    /// How many trees the rounds 0...round hold (the scikit-learn wrapper's best_iteration + 1 rounds).
    func treeCount(throughRound round: Int) -> Int {
        let rounds = min(round, trees.count) + 1
        if let roundStarts { return roundStarts[min(rounds, roundStarts.count - 1)] }
        return min(rounds * treesPerRound, trees.count)
    }
}
