import Testing
@testable import Inference

@Suite struct GradientBoostingTrainerTests {
    static let reference = TreeModel.trainReference()

    /// The Swift-trained default predicts all 506 training rows within 1e-9 of scikit-learn's fit.
    @Test func referenceMatchesScikitLearnOnTrainingRows() throws {
        let expected = try Fixtures.referenceTrainingPredictions()
        let predicted = Self.reference.predict(BostonHousing.trainingFeatures(), rowCount: BostonHousing.rowCount)
        #expect(expected.count == BostonHousing.rowCount)
        let worst = zip(predicted, expected).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-9, "largest difference \(worst)")
    }

    /// The reference model is a 500-stage, depth-4 GBR with learning rate 0.01 and named features.
    @Test func referenceShape() {
        let model = Self.reference
        #expect(model.estimator == .gradientBoosting)
        #expect(model.treeCount == 500)
        #expect(model.featureCount == 13)
        #expect(model.featureNames == BostonHousing.featureNames)
        #expect(model.learningRate == 0.01)
        #expect(model.trees.allSatisfy { $0.depth <= 4 })
    }

    /// init is the mean target summed as numpy sums, bit-identical to scikit-learn's exported init.
    @Test func initIsNumpysMean() throws {
        let exported = try TreeModel(modelFile: try Fixtures.bytes("gbr_boston.json"))
        #expect(Self.reference.initialValue == exported.initialValue)
    }

    /// A one-split stump puts the threshold midway between the two groups and leaves their mean residuals.
    @Test func stumpSplitsMidwayAndFitsMeans() {
        let model = GradientBoostingTrainer(stageCount: 1, maxDepth: 1, learningRate: 1)
            .fit(features: [1, 2, 3, 4], targets: [0, 0, 10, 10], featureCount: 1)
        let tree = model.trees[0]
        #expect(model.initialValue == 5)
        #expect(tree.threshold[0] == 2.5)
        #expect(tree.childrenLeft == [1, -1, -1] && tree.childrenRight == [2, -1, -1])
        #expect(tree.value == [0, -5, 5])
        #expect(model.predict([2.5, 2.6], rowCount: 2) == [0, 10])
    }

    /// Of equally good splits the first feature wins, and a constant feature is never split on.
    @Test func tiesGoToTheFirstFeatureAndConstantsAreSkipped() {
        let model = GradientBoostingTrainer(stageCount: 1, maxDepth: 1, learningRate: 1)
            .fit(features: [7, 1, 1,  7, 2, 2,  7, 3, 3,  7, 4, 4], targets: [0, 0, 10, 10], featureCount: 3)
        #expect(model.trees[0].feature[0] == 1)
    }

    /// Values closer than 1e-7 are one group: a threshold goes only between values further apart.
    @Test func nearlyEqualValuesAreNotSeparated() {
        let stump = GradientBoostingTrainer(stageCount: 1, maxDepth: 1, learningRate: 1)
        // Float neighbours at 1 are 1.19e-7 apart; at 0.5 only 5.96e-8.
        let apart = stump.fit(features: [1, Double(Float(1).nextUp)], targets: [0, 10], featureCount: 1)
        #expect(apart.trees[0].nodeCount == 3)
        let close = stump.fit(features: [0.5, Double(Float(0.5).nextUp)], targets: [0, 10], featureCount: 1)
        #expect(close.trees[0].nodeCount == 1)
    }

    /// A node becomes a leaf when its targets are all equal.
    @Test func pureNodesAreLeaves() {
        let model = GradientBoostingTrainer(stageCount: 1, maxDepth: 4, learningRate: 1)
            .fit(features: [1, 2, 3, 4], targets: [3, 3, 3, 3], featureCount: 1)
        #expect(model.trees[0].nodeCount == 1)
    }
}
