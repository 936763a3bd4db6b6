import Testing
@testable import Inference

/// Exported scikit-learn models predict in Swift exactly (`==`) what scikit-learn predicted.
@Suite struct TreeModelTests {
    static let rows = try! Fixtures.checkRows()

    static func load(_ name: String) throws -> TreeModel {
        try TreeModel(modelFile: try Fixtures.bytes(name))
    }

    /// The exported GBR (random_state=0) equals scikit-learn on 506 training rows and 300 other rows.
    @Test func gradientBoostingMatchesScikitLearnExactly() throws {
        let model = try Self.load("gbr_boston.json")
        #expect(model.estimator == .gradientBoosting && model.treeCount == 500)
        #expect(Self.rows.count >= 506 + 200)
        #expect(model.predict(Self.rows.features, rowCount: Self.rows.count) == Self.rows.gbr)
    }

    /// The exported random forest (deep trees, linked layout) equals scikit-learn on every check row.
    @Test func randomForestMatchesScikitLearnExactly() throws {
        let model = try Self.load("forest_boston.json")
        #expect(model.estimator == .randomForest && model.treeCount == 5)
        #expect(model.trees.contains { $0.depth > CompiledForest.maxCompleteDepth })
        #expect(model.predict(Self.rows.features, rowCount: Self.rows.count) == Self.rows.forest)
    }

    /// The exported depth-6 decision tree (padded complete layout) equals scikit-learn on every check row.
    @Test func decisionTreeMatchesScikitLearnExactly() throws {
        let model = try Self.load("tree_boston.json")
        #expect(model.estimator == .decisionTree && model.treeCount == 1)
        #expect(model.predict(Self.rows.features, rowCount: Self.rows.count) == Self.rows.tree)
    }

    /// Every batch size, whichever layout and tail handling it takes (the walk below 20 rows, passes of
    /// up to 64 rows from 20 on, a shorter tail walked), predicts scikit-learn's values, and what each
    /// row predicts alone.
    @Test(arguments: ShallowForestTests.batchSizes)
    func everyBatchSizeMatchesScikitLearn(batch: Int) throws {
        let model = try Self.load("gbr_boston.json")
        let first = 100
        let features = Array(Self.rows.features[(13 * first)..<(13 * (first + batch))])
        var out = [Double](repeating: .nan, count: batch)
        features.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { model.predict(input, rowCount: batch, into: $0) }
        }
        #expect(out == Array(Self.rows.gbr[first..<(first + batch)]))
        let alone = (0..<batch).flatMap { r in model.predict(Array(features[(13 * r)..<(13 * r + 13)]), rowCount: 1) }
        #expect(out == alone)
    }

    /// Zero rows give zero predictions.
    @Test func emptyBatch() throws {
        #expect(try Self.load("tree_boston.json").predict([], rowCount: 0) == [])
    }

    /// A NaN input goes right at every split, as `NaN <= threshold` is false in scikit-learn.
    @Test func nanGoesRight() throws {
        let model = try Self.load("tree_boston.json")
        var node = 0
        while !model.trees[0].isLeaf(node) { node = model.trees[0].childrenRight[node] }
        let row = [Double](repeating: .nan, count: 13)
        #expect(model.predict(row, rowCount: 1) == [model.trees[0].value[node]])
    }
}
