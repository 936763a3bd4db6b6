import JSON

extension XGBoostForest {
    /// One XGBoost tree as a `DecisionTree` deciding exactly as XGBoost does on float32 inputs:
    /// - numeric: XGBoost sends x left iff `x < c` (float32). For a float x that is `x <= c⁻`, c⁻ the
    ///   float just below c, so the threshold is `Double(c.nextDown)`;
    /// - categorical: left unless x's category is in the set (`CategorySplit.Indexing.nonNegative`);
    /// - missing: `default_left`;
    /// - a leaf's value is its `split_conditions` entry (times the dart weight, in float32).
    static func tree(_ value: JSONValue, index: Int, path: String, featureCount: Int, weight: Float?,
                     categoryBudget: inout Int) throws(ModelFileError) -> DecisionTree {
        guard let object = value.objectValue else { throw .wrongType(field: path, expected: "an object of node arrays") }
        if let leafVector = object["tree_param"]?["size_leaf_vector"]?.stringValue, let size = Int(leafVector), size > 1 {
            throw .invalidValue(field: "\(path).tree_param.size_leaf_vector", reason: "is \(size); multi-target trees are not supported")
        }
        let left = try integers(object, "left_children", path: path)
        let nodeCount = left.count
        guard nodeCount > 0 else { throw .invalidValue(field: "\(path).left_children", reason: "is empty; a tree needs at least one node") }
        let right = try integers(object, "right_children", path: path, count: nodeCount)
        let feature = try integers(object, "split_indices", path: path, count: nodeCount)
        let defaultLeft = try integers(object, "default_left", path: path, count: nodeCount)
        let splitType = object["split_type"] == nil ? [Int](repeating: 0, count: nodeCount)
            : try integers(object, "split_type", path: path, count: nodeCount)
        guard let conditions = object["split_conditions"]?.doubleArray, conditions.count == nodeCount else {
            throw .wrongType(field: "\(path).split_conditions", expected: "an array of \(nodeCount) numbers (one per node)")
        }

        var threshold = [Double](repeating: 0, count: nodeCount)
        var values = [Double](repeating: 0, count: nodeCount)
        for node in 0..<nodeCount {
            let condition = Float(conditions[node])
            let isLeaf = left[node] == -1
            // A categorical node's condition is unused (XGBoost leaves junk there).
            guard condition.isFinite || (!isLeaf && splitType[node] == 1) else {
                throw .notFinite(field: "\(path).split_conditions[\(node)]")
            }
            if isLeaf {
                values[node] = Double(weight.map { condition * $0 } ?? condition)
            } else {
                let below = condition.nextDown
                // x < −FLT_MAX holds only for −inf: a finite threshold below every finite float.
                threshold[node] = below.isFinite ? Double(below) : -Double.greatestFiniteMagnitude
            }
        }
        var tree = DecisionTree(childrenLeft: left, childrenRight: right, feature: feature, threshold: threshold,
                                value: values, missingGoesLeft: defaultLeft.map { $0 != 0 })
        if splitType.contains(where: { $0 != 0 }) {
            tree.categorySplits = try categorySplits(object, path: path, left: left, splitType: splitType, budget: &categoryBudget)
        }
        try ModelFileReader.checkStructure(tree, index: index, featureCount: featureCount)
        return tree
    }

    /// `categories_nodes[j]`'s set is `categories[categories_segments[j] ..< + categories_sizes[j]]`.
    private static func categorySplits(_ object: JSONObject, path: String, left: [Int], splitType: [Int],
                                       budget: inout Int) throws(ModelFileError) -> [CategorySplit?] {
        let nodeCount = left.count
        let nodes = try integers(object, "categories_nodes", path: path)
        let segments = try integers(object, "categories_segments", path: path, count: nodes.count)
        let sizes = try integers(object, "categories_sizes", path: path, count: nodes.count)
        let categories = try integers(object, "categories", path: path)
        var splits = [CategorySplit?](repeating: nil, count: nodeCount)
        for (j, node) in nodes.enumerated() {
            guard (0..<nodeCount).contains(node), splitType[node] == 1, left[node] != -1, splits[node] == nil else {
                throw .invalidValue(field: "\(path).categories_nodes[\(j)]", reason: "is \(node), not a categorical split node listed once")
            }
            let start = segments[j], size = sizes[j]
            guard start >= 0, size >= 0, start <= categories.count, size <= categories.count - start else {
                throw .invalidValue(field: "\(path).categories_segments[\(j)]", reason: "points outside categories")
            }
            let set = categories[start..<start + size]
            guard let largest = set.max() ?? 0 as Int?, set.allSatisfy({ (0..<(1 << 24)).contains($0) }) else {
                throw .invalidValue(field: "\(path).categories", reason: "holds a category outside 0..<2^24")
            }
            let wordCount = set.isEmpty ? 0 : largest / 32 + 1
            budget -= wordCount
            guard budget >= 0 else { throw .invalidValue(field: "\(path).categories", reason: "holds more category bits than evserve allows") }
            var words = [UInt32](repeating: 0, count: wordCount)
            for category in set { words[category >> 5] |= 1 << UInt32(category & 31) }
            splits[node] = CategorySplit(words: words, inSetGoesLeft: false, indexing: .nonNegative)
        }
        for node in 0..<nodeCount where splitType[node] == 1 && left[node] != -1 && splits[node] == nil {
            throw .invalidValue(field: "\(path).split_type[\(node)]", reason: "is categorical, but categories_nodes lists no set for it")
        }
        return splits
    }

    /// An array of integers (booleans read as 0/1, as older files write `default_left`).
    private static func integers(_ object: JSONObject, _ key: String, path: String, count: Int? = nil) throws(ModelFileError) -> [Int] {
        let expected = count.map { "an array of \($0) integers (one per node)" } ?? "an array of integers"
        guard let list = object[key]?.arrayValue, count == nil || list.count == count else {
            throw .wrongType(field: "\(path).\(key)", expected: expected)
        }
        var result = [Int]()
        result.reserveCapacity(list.count)
        for element in list {
            if let bit = element.boolValue {
                result.append(bit ? 1 : 0)
            } else if let number = element.intValue {
                result.append(number)
            } else {
                throw .wrongType(field: "\(path).\(key)", expected: expected)
            }
        }
        return result
    }
}
