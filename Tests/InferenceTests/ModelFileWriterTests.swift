import Testing
import JSON
@testable import Inference

@Suite struct ModelFileWriterTests {
    /// The trained default, written and read back, has the same trees bit for bit and predicts `==`.
    @Test func referenceRoundTrips() throws {
        let model = GradientBoostingTrainerTests.reference
        let reread = try TreeModel(modelFile: model.modelFileJSON())
        #expect(reread.trees == model.trees)
        #expect(reread.initialValue == model.initialValue && reread.learningRate == model.learningRate)
        #expect(reread.featureNames == BostonHousing.featureNames)
        let rows = try Fixtures.checkRows()
        #expect(reread.predict(rows.features, rowCount: rows.count) == model.predict(rows.features, rowCount: rows.count))
    }

    /// A version-1 file exported by scikit-learn, read and written again (as version 2), gives back
    /// the same model: its node arrays as in the file, and the same description around them.
    @Test(arguments: ["gbr_boston.json", "forest_boston.json", "tree_boston.json"])
    func exportedFilesRoundTrip(file: String) throws {
        let original = try JSONValue.parse(try Fixtures.bytes(file))
        let model = try TreeModel(modelFile: try Fixtures.bytes(file))
        let rewritten = try JSONValue.parse(model.modelFileJSON())
        #expect(rewritten["version"] == 2 && rewritten["estimator"] == original["estimator"])
        #expect(rewritten["trees"] == original["trees"])
        let reread = try TreeModel(modelFile: model.modelFileJSON())
        #expect(reread.ensemble == model.ensemble)
    }

    /// Feature names with quotes, backslashes, control characters and non-ASCII survive the trip.
    @Test func featureNamesAreEscaped() throws {
        let names = ["a\"b", "c\\d", "tab\there\n", "\u{1}", "größe", "😀"]
        let model = TreeModel(estimator: .decisionTree, featureCount: names.count, featureNames: names,
                              initialValue: 0, learningRate: 1,
                              trees: [DecisionTree(childrenLeft: [-1], childrenRight: [-1], feature: [-2], threshold: [-2], value: [0.1])])
        let text = model.modelFileJSON()
        #expect(try JSONValue.parse(text)["feature_names"] == .array(names.map { .string($0) }))
        #expect(try TreeModel(modelFile: text).featureNames == names)
    }

    /// Extreme finite numbers are written so they read back exactly.
    @Test func extremeNumbersRoundTrip() throws {
        let values = [Double.leastNonzeroMagnitude, -2.2250738585072014e-308, 1.7976931348623157e308, 0.1, -0.0, 1e22, 123456789012345680]
        let tree = DecisionTree(childrenLeft: [-1], childrenRight: [-1], feature: [-2], threshold: [-2], value: [0])
        let model = TreeModel(estimator: .gradientBoosting, featureCount: 1, featureNames: nil, initialValue: 0,
                              learningRate: 1, trees: values.map { v in
                                  var t = tree
                                  t.value = [v]
                                  t.threshold = [v]
                                  return t
                              })
        let reread = try TreeModel(modelFile: model.modelFileJSON())
        #expect(reread.trees.map { $0.value[0].bitPattern } == values.map(\.bitPattern))
        #expect(reread.trees.map { $0.threshold[0].bitPattern } == values.map(\.bitPattern))
    }
}
