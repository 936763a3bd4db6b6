import Glibc
import JSON
import Testing
@testable import Inference

/// Version-2 model files: what they hold is read as written, and what cannot be right is refused
/// with the field and the reason.
@Suite struct ModelFileReaderVersion2Tests {
    /// A valid binary classifier file: one stump feeding one raw score, expit link; `changes` replaces fields.
    static func file(_ changes: [String: String] = [:], removing: [String] = []) -> [UInt8] {
        var fields: [(String, String)] = [
            ("format", #""evserve.trees""#), ("version", "2"), ("estimator", #""GradientBoostingClassifier""#),
            ("n_features", "2"), ("n_outputs", "1"), ("base", "[0.5]"), ("leaf_scale", "0.1"),
            ("link", #""expit""#), ("decision", #""raw_at_least_zero""#), ("classes", #"["no", "yes"]"#),
            ("trees", #"[{"children_left":[1,-1,-1],"children_right":[2,-1,-1],"feature":[1,-2,-2],"threshold":[0.25,-2,-2],"value":[0,-8,8]}]"#),
        ]
        fields = fields.filter { !removing.contains($0.0) }.map { ($0.0, changes[$0.0] ?? $0.1) }
        for (key, value) in changes where !fields.contains(where: { $0.0 == key }) { fields.append((key, value)) }
        return Array(("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
    }

    static func refusal(_ bytes: [UInt8]) -> ModelFileError? {
        do {
            _ = try TreeModel(modelFile: bytes)
            return nil
        } catch {
            return error
        }
    }

    /// A multiclass classifier's `predict` is its first raw score, one number per row, whatever its
    /// link (a softmax classifier once wrote one number per class into room for one: ModelFileFuzz).
    @Test func aSoftmaxClassifierPredictsItsFirstRawScore() throws {
        let model = try TreeModel(modelFile: Self.file([
            "n_outputs": "3", "base": "[0.1, -0.2, 0.3]", "link": #""softmax""#, "classes": #"["a", "b", "c"]"#,
            "tree_outputs": "[0, 1, 2]",
            "trees": "[" + Array(repeating: #"{"children_left":[1,-1,-1],"children_right":[2,-1,-1],"feature":[1,-2,-2],"threshold":[0.25,-2,-2],"value":[0,-8,8]}"#, count: 3).joined(separator: ",") + "]",
        ], removing: ["leaf_scale", "decision"]))
        // Row 0 goes left (x1 = 0 <= 0.25): 0.1 - 8; row 1 right: 0.1 + 8.
        #expect(model.predict([0, 0, 0, 1], rowCount: 2) == [0.1 - 8, 0.1 + 8])
    }

    /// The valid file reads into the classifier it describes, and predicts by its link and decision.
    @Test func aValidFileReads() throws {
        let model = try TreeModel(modelFile: Self.file())
        #expect(model.isClassifier && model.classes == ["no", "yes"] && model.formatVersion == 2)
        // Row 1 goes right (x1 = 1 > 0.25): raw = 0.5 + 0.1 · 8 = 1.3.
        #expect(model.predictClasses([0, 0, 0, 1], rowCount: 2) == [0, 1])
        let p = model.predictProbabilities([0, 1], rowCount: 1)
        #expect(p[1] == 1 / (1 + exp(-(0.5 + 0.1 * 8))) && p[0] == 1 - p[1])
    }

    /// A file newer than this evserve names both versions.
    @Test func aNewerVersionIsNamed() {
        #expect(Self.refusal(Self.file(["version": "3"])) == .newerVersion(3, newest: 2))
        #expect(Self.refusal(Self.file(["version": "3"]))?.description.contains("upgrade evserve") == true)
    }

    /// Each inconsistent combination is refused, naming the field.
    @Test(arguments: [
        (["classes": "null"], "classes"),
        (["classes": #"["a", "a"]"#], "classes"),
        (["classes": #"["a", 1]"#], "classes"),
        (["link": #""identity""#], "link"),
        (["link": #""softmax""#], "n_outputs"),
        (["link": #""sigmoid""#], "link"),
        (["estimator": #""GradientBoostingRegressor""#], "classes"),
        (["n_outputs": "2", "base": "[0, 0]", "link": #""softmax""#], "decision"),
        (["tree_outputs": "[1]"], "tree_outputs[0]"),
        (["base": "[0.5, 1]"], "base"),
        (["input": #""float16""#], "input"),
        (["values_per_node": "2"], "values_per_node"),
        (["trees": #"[{"children_left":[-1],"children_right":[-1],"feature":[-2],"threshold":[-2],"value":[0]}, {"children_left":[-1],"children_right":[-1],"feature":[-2],"threshold":[-2],"value":[0]}]"#,
          "estimator": #""DecisionTreeClassifier""#, "link": #""probabilities""#, "n_outputs": "2", "base": "[0, 0]",
          "decision": #""argmax_probability""#, "values_per_node": "2"], "trees"),
    ] as [([String: String], String)])
    func inconsistentFilesAreRefused(changes: [String: String], field: String) {
        let error = Self.refusal(Self.file(changes))
        #expect(error != nil)
        #expect(error?.description.contains(field) == true, "\(String(describing: error))")
    }

    /// A regressor with classes is refused; without `link` a file is incomplete.
    @Test func regressorsHaveNoClassesAndEveryFileALink() {
        let regressor = Self.file(["estimator": #""GradientBoostingRegressor""#, "link": #""identity""#], removing: ["decision"])
        #expect(Self.refusal(regressor)?.description.contains("regressor") == true)
        #expect(Self.refusal(Self.file(removing: ["link"])) == .missingField("link"))
    }
}
