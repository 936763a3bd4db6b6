import Testing
@testable import Inference

/// Every bad model file is refused with one error naming the problem; none crashes or half-loads.
@Suite struct ModelFileReaderTests {
    /// A valid two-tree GBR: root splits feature 1 at 0.5 into two leaves.
    static func file(tree: String = Self.stump, trees: String? = nil, estimator: String = "GradientBoostingRegressor",
                     extra: String = "", top: String? = nil) -> [UInt8] {
        let body = top ?? """
        {"format": "evserve.trees", "version": 1, "estimator": "\(estimator)", "n_features": 2,
         "init": 1.5, "learning_rate": 0.1\(extra), "trees": \(trees ?? "[\(Self.stump), \(tree)]")}
        """
        return Array(body.utf8)
    }

    static let stump = """
    {"children_left": [1, -1, -1], "children_right": [2, -1, -1], "feature": [1, -2, -2],
     "threshold": [0.5, -2.0, -2.0], "value": [0.0, -1.0, 1.0]}
    """

    static func error(_ bytes: [UInt8]) -> ModelFileError? {
        do {
            _ = try TreeModel(modelFile: bytes)
            return nil
        } catch {
            return error
        }
    }

    /// The valid base file loads and predicts init + lr·leaf for each tree.
    @Test func validFileLoads() throws {
        let model = try TreeModel(modelFile: Self.file())
        #expect(model.treeCount == 2 && model.featureCount == 2 && model.featureNames == nil)
        #expect(model.predict([0, 0.5, 0, 0.6], rowCount: 2) == [1.5 + 0.1 * -1.0 + 0.1 * -1.0, 1.5 + 0.1 * 1.0 + 0.1 * 1.0])
    }

    /// Not JSON: the parser's message (Python's wording) is passed on.
    @Test func notJSON() {
        #expect(Self.error(Array("{\"format\": ".utf8)) == .notJSON("Expecting value: line 1 column 12 (char 11)"))
        #expect(Self.error(Array("hello".utf8)).map { "\($0)" }?.hasPrefix("model file is not JSON: Expecting value") == true)
        #expect(Self.error(Array("[1, 2]".utf8)) == .wrongType(field: "(top level)", expected: "an object"))
    }

    /// Each required top-level field, when missing, is named.
    @Test(arguments: ["format", "version", "estimator", "n_features", "init", "learning_rate", "trees"])
    func missingTopLevelField(field: String) {
        let fields = [("format", "\"evserve.trees\""), ("version", "1"), ("estimator", "\"GradientBoostingRegressor\""),
                      ("n_features", "2"), ("init", "1.5"), ("learning_rate", "0.1"), ("trees", "[\(Self.stump)]")]
        let text = "{" + fields.filter { $0.0 != field }.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        #expect(Self.error(Array(text.utf8)) == .missingField(field))
    }

    /// A missing node array names the tree and the array.
    @Test(arguments: ModelFileReader.nodeArrays)
    func missingNodeArray(array: String) {
        let tree = Self.stump.replacingOccurrences(of: "\"\(array)\"", with: "\"renamed\"")
        #expect(Self.error(Self.file(tree: tree)) == .missingField("trees[1].\(array)"))
    }

    /// Unknown format, version or estimator is refused, listing what is supported.
    @Test func unsupportedHeader() {
        let wrongFormat = Self.file(top: #"{"format": "sklearn", "version": 1}"#)
        #expect(Self.error(wrongFormat) == .unsupported(field: "format", value: "\"sklearn\"", supported: "\"evserve.trees\""))
        let zeroVersion = Self.file(top: #"{"format": "evserve.trees", "version": 0}"#)
        #expect(Self.error(zeroVersion) == .unsupported(field: "version", value: "0", supported: "1 to 2"))
        let message = Self.error(Self.file(estimator: "XGBRegressor")).map { "\($0)" } ?? ""
        #expect(message.contains("\"estimator\" is \"XGBRegressor\"") && message.contains("RandomForestRegressor"))
    }

    /// A file from a newer evserve is refused with a message that says so, not with a field error.
    @Test func newerVersionIsNamed() {
        let newer = Self.file(top: #"{"format": "evserve.trees", "version": 3, "something": "new"}"#)
        #expect(Self.error(newer) == .newerVersion(3, newest: 2))
        #expect("\(Self.error(newer)!)".contains("version 3 is newer than this evserve reads (versions 1 to 2)"))
    }

    /// A version-1 file names only version 1's regressors; classifiers need version 2.
    @Test func version1KnowsOnlyItsRegressors() {
        let message = Self.error(Self.file(estimator: "RandomForestClassifier")).map { "\($0)" } ?? ""
        #expect(message.contains("\"estimator\" is \"RandomForestClassifier\"") && !message.contains("HistGradientBoosting"))
    }

    /// A child index beyond the node arrays is refused with its tree, array, node and value.
    @Test func childOutOfRange() {
        let tree = Self.stump.replacingOccurrences(of: "[2, -1, -1]", with: "[7, -1, -1]")
        #expect(Self.error(Self.file(tree: tree)) == .childOutOfRange(tree: 1, field: "children_right", node: 0, child: 7, nodeCount: 3))
        let negative = Self.stump.replacingOccurrences(of: "[1, -1, -1]", with: "[-5, -1, -1]")
        #expect(Self.error(Self.file(tree: negative)) == .childOutOfRange(tree: 1, field: "children_left", node: 0, child: -5, nodeCount: 3))
    }

    /// Child links that loop back are refused as a cycle, not followed forever.
    @Test func cycle() {
        // Node 1 splits again and its left child is the root.
        let tree = """
        {"children_left": [1, 0, -1], "children_right": [2, 2, -1], "feature": [1, 0, -2],
         "threshold": [0.5, 0.1, -2.0], "value": [0.0, -1.0, 1.0]}
        """
        #expect(Self.error(Self.file(tree: tree)) == .cycle(tree: 1, node: 0))
        let selfLoop = Self.stump.replacingOccurrences(of: "[1, -1, -1]", with: "[0, -1, -1]")
        #expect(Self.error(Self.file(tree: selfLoop)) == .cycle(tree: 1, node: 0))
    }

    /// A node both -1 and not -1, or one no path reaches, is refused.
    @Test func halfLeafAndUnreachableNodes() {
        let half = Self.stump.replacingOccurrences(of: "[2, -1, -1]", with: "[-1, -1, -1]")
        #expect(Self.error(Self.file(tree: half)) == .halfLeaf(tree: 1, node: 0))
        let orphan = """
        {"children_left": [1, -1, -1, -1], "children_right": [2, -1, -1, -1], "feature": [1, -2, -2, -2],
         "threshold": [0.5, -2.0, -2.0, -2.0], "value": [0.0, -1.0, 1.0, 5.0]}
        """
        #expect(Self.error(Self.file(tree: orphan)) == .unreachable(tree: 1, node: 3))
    }

    /// A split on feature ≥ n_features (or negative) is refused.
    @Test func featureOutOfRange() {
        let tree = Self.stump.replacingOccurrences(of: "[1, -2, -2]", with: "[2, -2, -2]")
        #expect(Self.error(Self.file(tree: tree)) == .featureOutOfRange(tree: 1, node: 0, feature: 2, featureCount: 2))
        let negative = Self.stump.replacingOccurrences(of: "[1, -2, -2]", with: "[-2, -2, -2]")
        #expect(Self.error(Self.file(tree: negative)) == .featureOutOfRange(tree: 1, node: 0, feature: -2, featureCount: 2))
    }

    /// A NaN threshold (Python's json writes `NaN`) or an infinite value is refused.
    @Test func nonFiniteNumbers() {
        let nan = Self.stump.replacingOccurrences(of: "[0.5, -2.0, -2.0]", with: "[NaN, -2.0, -2.0]")
        #expect(Self.error(Self.file(tree: nan)) == .notFinite(field: "trees[1].threshold[0]"))
        let infinite = Self.stump.replacingOccurrences(of: "[0.0, -1.0, 1.0]", with: "[0.0, -1.0, Infinity]")
        #expect(Self.error(Self.file(tree: infinite)) == .notFinite(field: "trees[1].value[2]"))
        let nanInit = Self.file(top: #"{"format": "evserve.trees", "version": 1, "estimator": "GradientBoostingRegressor", "n_features": 2, "init": NaN}"#)
        #expect(Self.error(nanInit) == .notFinite(field: "init"))
    }

    /// Node arrays of different lengths are refused, naming the odd one and both lengths.
    @Test func arraysOfDifferentLengths() {
        let tree = Self.stump.replacingOccurrences(of: "[0.5, -2.0, -2.0]", with: "[0.5, -2.0]")
        #expect(Self.error(Self.file(tree: tree)) == .lengthMismatch(tree: 1, field: "threshold", count: 2, expected: 3))
        let message = "\(Self.error(Self.file(tree: tree))!)"
        #expect(message.contains("trees[1].threshold has 2 entries") && message.contains("should have 3"))
    }

    /// Wrong kinds of values are refused: a string where an integer goes, a fractional child index.
    @Test func wrongTypes() {
        let fraction = Self.stump.replacingOccurrences(of: "[1, -1, -1]", with: "[1.0, -1, -1]")
        #expect(Self.error(Self.file(tree: fraction)) == .wrongType(field: "trees[1].children_left[0]", expected: "an integer"))
        let text = Self.stump.replacingOccurrences(of: "[0.0, -1.0, 1.0]", with: "[0.0, \"-1\", 1.0]")
        #expect(Self.error(Self.file(tree: text)) == .wrongType(field: "trees[1].value[1]", expected: "a number"))
        #expect(Self.error(Self.file(trees: "{}")) == .wrongType(field: "trees", expected: "an array of trees"))
        #expect(Self.error(Self.file(trees: "[3]")) == .wrongType(field: "trees[0]", expected: "an object of node arrays"))
        let names = Self.file(extra: #", "feature_names": ["a"]"#)
        #expect(Self.error(names) == .wrongType(field: "feature_names", expected: "an array of 2 strings (one per feature)"))
    }

    /// No trees, an empty tree, or a DecisionTreeRegressor with two trees is refused.
    @Test func emptyOrMiscountedTrees() {
        #expect(Self.error(Self.file(trees: "[]")) == .invalidValue(field: "trees", reason: "is empty; a model needs at least one tree"))
        let empty = #"{"children_left": [], "children_right": [], "feature": [], "threshold": [], "value": []}"#
        #expect(Self.error(Self.file(tree: empty)) == .invalidValue(field: "trees[1].children_left", reason: "is empty; a tree needs at least one node"))
        #expect(Self.error(Self.file(estimator: "DecisionTreeRegressor")) ==
            .invalidValue(field: "trees", reason: "has 2 trees; a DecisionTreeRegressor has exactly 1"))
        let noFeatures = Self.file(top: #"{"format": "evserve.trees", "version": 1, "estimator": "RandomForestRegressor", "n_features": 0}"#)
        #expect(Self.error(noFeatures) == .invalidValue(field: "n_features", reason: "must be at least 1"))
        let huge = Self.file(top: #"{"format": "evserve.trees", "version": 1, "estimator": "RandomForestRegressor", "n_features": 1000000000}"#)
        #expect(Self.error(huge) == .invalidValue(field: "n_features", reason: "is 1000000000; at most 100000 are supported"))
    }
}
