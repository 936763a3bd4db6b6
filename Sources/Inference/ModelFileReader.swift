import JSON

/// Turns a parsed model file (docs/model-format.md) into a `TreeModel`, checking everything first:
/// a file either loads completely or is refused with one `ModelFileError`.
struct ModelFileReader {
    static let format = "evserve.trees"
    /// The newest version this reader knows; it reads every version from 1 up to it.
    static let version = 2
    static let nodeArrays = ["children_left", "children_right", "feature", "threshold", "value"]
    /// Far above any real model; keeps a typo from allocating per-feature tables of absurd size.
    static let maxFeatureCount = 100_000

    static func read(_ bytes: [UInt8]) throws(ModelFileError) -> TreeModel {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw .notJSON(error.description)
        }
        return try read(document: document)
    }

    /// An evserve.trees file already parsed (format detection parses once, `TreeModel(anyModelFile:)`).
    static func read(document: JSONValue) throws(ModelFileError) -> TreeModel {
        guard let top = document.objectValue else { throw .wrongType(field: "(top level)", expected: "an object") }

        let format = try string(top, "format")
        guard format == Self.format else {
            throw .unsupported(field: "format", value: "\"\(format)\"", supported: "\"\(Self.format)\"")
        }
        let version = try integer(top, "version")
        guard version >= 1 else {
            throw .unsupported(field: "version", value: "\(version)", supported: "1 to \(Self.version)")
        }
        guard version <= Self.version else { throw .newerVersion(version, newest: Self.version) }
        let estimatorName = try string(top, "estimator")
        let supported = version == 1 ? TreeModel.Estimator.regressorsOfVersion1 : TreeModel.Estimator.scikitLearn
        guard let estimator = TreeModel.Estimator(rawValue: estimatorName), supported.contains(estimator) else {
            throw .unsupported(field: "estimator", value: "\"\(estimatorName)\"",
                               supported: supported.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        let featureCount = try integer(top, "n_features")
        guard featureCount >= 1 else { throw .invalidValue(field: "n_features", reason: "must be at least 1") }
        guard featureCount <= Self.maxFeatureCount else {
            throw .invalidValue(field: "n_features", reason: "is \(featureCount); at most \(Self.maxFeatureCount) are supported")
        }
        let featureNames = try names(top, featureCount: featureCount)
        if version >= 2 {
            return try readVersion2(top, estimator: estimator, featureCount: featureCount, featureNames: featureNames)
        }

        var initialValue = 0.0, learningRate = 1.0
        if estimator == .gradientBoosting {
            initialValue = try finite(top, "init")
            learningRate = try finite(top, "learning_rate")
        }
        let trees = try self.trees(top, featureCount: featureCount, valueWidth: 1, missingArray: false)
        if estimator == .decisionTree && trees.count != 1 {
            throw .invalidValue(field: "trees", reason: "has \(trees.count) trees; a DecisionTreeRegressor has exactly 1")
        }
        return TreeModel(estimator: estimator, featureCount: featureCount, featureNames: featureNames,
                         initialValue: initialValue, learningRate: learningRate, trees: trees)
    }

    /// The `trees` array: at least one tree, each checked (`missingArray`: version 2's optional `missing_left`).
    static func trees(_ top: JSONObject, featureCount: Int, valueWidth: Int, missingArray: Bool) throws(ModelFileError) -> [DecisionTree] {
        guard let treesValue = top["trees"] else { throw .missingField("trees") }
        guard let treeValues = treesValue.arrayValue else { throw .wrongType(field: "trees", expected: "an array of trees") }
        guard !treeValues.isEmpty else { throw .invalidValue(field: "trees", reason: "is empty; a model needs at least one tree") }
        var trees = [DecisionTree]()
        trees.reserveCapacity(treeValues.count)
        var totalNodes = 0
        for (index, value) in treeValues.enumerated() {
            let tree = try self.tree(value, index: index, featureCount: featureCount, valueWidth: valueWidth, missingArray: missingArray)
            totalNodes += tree.nodeCount
            // The prediction layout indexes nodes with Int32.
            guard totalNodes < Int(Int32.max) else { throw .invalidValue(field: "trees", reason: "has too many nodes") }
            trees.append(tree)
        }
        return trees
    }

    static func field(_ object: JSONObject, _ key: String, path: String? = nil) throws(ModelFileError) -> JSONValue {
        guard let value = object[key] else { throw .missingField(path ?? key) }
        return value
    }

    static func string(_ object: JSONObject, _ key: String) throws(ModelFileError) -> String {
        guard let text = try field(object, key).stringValue else { throw .wrongType(field: key, expected: "a string") }
        return text
    }

    static func integer(_ object: JSONObject, _ key: String) throws(ModelFileError) -> Int {
        guard let number = try field(object, key).intValue else { throw .wrongType(field: key, expected: "an integer") }
        return number
    }

    static func finite(_ object: JSONObject, _ key: String) throws(ModelFileError) -> Double {
        guard let number = try field(object, key).doubleValue else { throw .wrongType(field: key, expected: "a number") }
        guard number.isFinite else { throw .notFinite(field: key) }
        return number
    }

    static func names(_ object: JSONObject, featureCount: Int) throws(ModelFileError) -> [String]? {
        guard let value = object["feature_names"], !value.isNull else { return nil }
        let expected = "an array of \(featureCount) strings (one per feature)"
        guard let elements = value.arrayValue, elements.count == featureCount else {
            throw .wrongType(field: "feature_names", expected: expected)
        }
        var names = [String]()
        for element in elements {
            guard let name = element.stringValue else { throw .wrongType(field: "feature_names", expected: expected) }
            names.append(name)
        }
        return names
    }

    private static func tree(_ value: JSONValue, index: Int, featureCount: Int, valueWidth: Int,
                             missingArray: Bool) throws(ModelFileError) -> DecisionTree {
        let path = "trees[\(index)]"
        guard let object = value.objectValue else { throw .wrongType(field: path, expected: "an object of node arrays") }
        var arrays = [[JSONValue]]()
        for name in nodeArrays {
            let value = try field(object, name, path: "\(path).\(name)")
            guard let elements = value.arrayValue else { throw .wrongType(field: "\(path).\(name)", expected: "an array") }
            arrays.append(elements)
        }
        let nodeCount = arrays[0].count
        guard nodeCount > 0 else { throw .invalidValue(field: "\(path).children_left", reason: "is empty; a tree needs at least one node") }
        for (name, elements) in zip(nodeArrays, arrays) where elements.count != (name == "value" ? nodeCount * valueWidth : nodeCount) {
            throw .lengthMismatch(tree: index, field: name, count: elements.count,
                                  expected: name == "value" ? nodeCount * valueWidth : nodeCount)
        }
        var missingGoesLeft: [Bool]? = nil
        if missingArray, let missing = object["missing_left"], !missing.isNull {
            guard let flags = missing.arrayValue, flags.count == nodeCount else {
                throw .wrongType(field: "\(path).missing_left", expected: "an array of \(nodeCount) booleans (one per node)")
            }
            var result = [Bool]()
            for flag in flags {
                guard let bit = flag.boolValue else {
                    throw .wrongType(field: "\(path).missing_left", expected: "an array of \(nodeCount) booleans (one per node)")
                }
                result.append(bit)
            }
            missingGoesLeft = result
        }
        func integers(_ k: Int) throws(ModelFileError) -> [Int] {
            var result = [Int]()
            result.reserveCapacity(nodeCount)
            for (node, element) in arrays[k].enumerated() {
                guard let number = element.intValue else {
                    throw .wrongType(field: "\(path).\(nodeArrays[k])[\(node)]", expected: "an integer")
                }
                result.append(number)
            }
            return result
        }
        func numbers(_ k: Int) throws(ModelFileError) -> [Double] {
            var result = [Double]()
            result.reserveCapacity(arrays[k].count)
            for (node, element) in arrays[k].enumerated() {
                guard let number = element.doubleValue else {
                    throw .wrongType(field: "\(path).\(nodeArrays[k])[\(node)]", expected: "a number")
                }
                guard number.isFinite else { throw .notFinite(field: "\(path).\(nodeArrays[k])[\(node)]") }
                result.append(number)
            }
            return result
        }
        let tree = DecisionTree(childrenLeft: try integers(0), childrenRight: try integers(1), feature: try integers(2),
                                threshold: try numbers(3), value: try numbers(4), missingGoesLeft: missingGoesLeft,
                                valueWidth: valueWidth)
        try checkStructure(tree, index: index, featureCount: featureCount)
        return tree
    }

    /// Every child index is -1 or a node, a node is a leaf (both -1) or a split on a valid feature,
    /// and walking from node 0 reaches every node exactly once (so the nodes form one tree).
    static func checkStructure(_ tree: DecisionTree, index: Int, featureCount: Int) throws(ModelFileError) {
        let nodeCount = tree.nodeCount
        for node in 0..<nodeCount {
            let left = tree.childrenLeft[node], right = tree.childrenRight[node]
            for (name, child) in [("children_left", left), ("children_right", right)] where child != -1 && !(0..<nodeCount).contains(child) {
                throw .childOutOfRange(tree: index, field: name, node: node, child: child, nodeCount: nodeCount)
            }
            if (left == -1) != (right == -1) { throw .halfLeaf(tree: index, node: node) }
            if left != -1 && !(0..<featureCount).contains(tree.feature[node]) {
                throw .featureOutOfRange(tree: index, node: node, feature: tree.feature[node], featureCount: featureCount)
            }
        }
        var visited = [Bool](repeating: false, count: nodeCount)
        var stack = [0]
        while let node = stack.popLast() {
            if visited[node] { throw .cycle(tree: index, node: node) }
            visited[node] = true
            if tree.childrenLeft[node] != -1 {
                stack.append(tree.childrenRight[node])
                stack.append(tree.childrenLeft[node])
            }
        }
        if let node = visited.firstIndex(of: false) { throw .unreachable(tree: index, node: node) }
    }
}
