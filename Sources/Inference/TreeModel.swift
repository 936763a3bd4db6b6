/// A fitted tree ensemble evserve serves: scikit-learn's GradientBoostingRegressor,
/// RandomForestRegressor or DecisionTreeRegressor, predicting exactly as scikit-learn does.
public struct TreeModel: Sendable {
    public enum Estimator: String, Sendable, CaseIterable {
        case gradientBoosting = "GradientBoostingRegressor"
        case randomForest = "RandomForestRegressor"
        case decisionTree = "DecisionTreeRegressor"
    }

    public let estimator: Estimator
    public let featureCount: Int
    public let featureNames: [String]?
    /// Gradient boosting's raw prediction before any tree (scikit-learn's `init_`); 0 otherwise.
    public let initialValue: Double
    /// Gradient boosting's shrinkage applied to every leaf value; 1 otherwise.
    public let learningRate: Double
    /// The trees in scikit-learn's array layout, in the order their values are added.
    public let trees: [DecisionTree]
    private let compiled: CompiledForest

    public var treeCount: Int { trees.count }

    /// Assumes valid trees (reading a model file checks them first; the trainer makes valid ones).
    init(estimator: Estimator, featureCount: Int, featureNames: [String]?,
         initialValue: Double, learningRate: Double, trees: [DecisionTree]) {
        self.estimator = estimator
        self.featureCount = featureCount
        self.featureNames = featureNames
        self.initialValue = estimator == .gradientBoosting ? initialValue : 0
        self.learningRate = estimator == .gradientBoosting ? learningRate : 1
        self.trees = trees
        self.compiled = CompiledForest(
            trees: trees, featureCount: featureCount, base: self.initialValue,
            leafScale: estimator == .gradientBoosting ? learningRate : nil,
            averaged: estimator == .randomForest)
    }

    /// Predicts `rowCount` rows given row-major (`rowCount * featureCount` values); one value per row.
    public func predict(_ rows: [Double], rowCount: Int) -> [Double] {
        precondition(rows.count == rowCount * featureCount, "rows must hold rowCount * featureCount values")
        return [Double](unsafeUninitializedCapacity: rowCount) { out, initialized in
            rows.withUnsafeBufferPointer { predict($0, rowCount: rowCount, into: out) }
            initialized = rowCount
        }
    }

    /// The batch entry point: reads `rowCount * featureCount` row-major values, writes `rowCount` predictions.
    public func predict(_ rows: UnsafeBufferPointer<Double>, rowCount: Int, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(rows.count >= rowCount * featureCount && out.count >= rowCount, "buffers too small")
        guard rowCount > 0 else { return }
        compiled.predict(rows.baseAddress!, rowCount: rowCount, into: out.baseAddress!)
    }
}
