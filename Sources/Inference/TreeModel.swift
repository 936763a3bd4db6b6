import JSON

/// A fitted scikit-learn tree ensemble evserve serves, predicting exactly as scikit-learn does:
/// `predict` for regressors, `predictClasses` and `predictProbabilities` for classifiers.
/// Built from the `TreeEnsemble` a model file reads into (or the trainer makes), compiled once.
public struct TreeModel: Sendable {
    /// The estimators model files may name: scikit-learn's tree and tree-ensemble classes.
    public enum Estimator: String, Sendable, CaseIterable {
        case gradientBoosting = "GradientBoostingRegressor"
        case randomForest = "RandomForestRegressor"
        case decisionTree = "DecisionTreeRegressor"
        case extraTree = "ExtraTreeRegressor"
        case extraTrees = "ExtraTreesRegressor"
        case histGradientBoosting = "HistGradientBoostingRegressor"
        case gradientBoostingClassifier = "GradientBoostingClassifier"
        case randomForestClassifier = "RandomForestClassifier"
        case decisionTreeClassifier = "DecisionTreeClassifier"
        case extraTreeClassifier = "ExtraTreeClassifier"
        case extraTreesClassifier = "ExtraTreesClassifier"
        case histGradientBoostingClassifier = "HistGradientBoostingClassifier"
        // Gradient-boosting libraries' files, read natively (XGBoostReader, LightGBMReader).
        case xgboostBooster = "xgboost.Booster"
        case xgbRegressor = "XGBRegressor"
        case xgbClassifier = "XGBClassifier"
        case lightgbmBooster = "lightgbm.Booster"

        public var isClassifier: Bool { rawValue.hasSuffix("Classifier") }
        /// The estimators version 1 files could name.
        static let regressorsOfVersion1: [Estimator] = [.gradientBoosting, .randomForest, .decisionTree]
    }

    /// The ensemble lives in the predictor (a class), so that copying a `TreeModel` — the server copies
    /// it for each request — retains one reference instead of each of the ensemble's arrays.
    public var ensemble: TreeEnsemble { _read { yield predictor.ensemble } }
    public let estimator: Estimator
    /// The model file version it was read from (1 also for the built-in reference model). A version-1
    /// model keeps the reference contract: FastAPI's exact answers to every body.
    public let formatVersion: Int
    let predictor: EnsemblePredictor
    /// A single-tree classifier's per-leaf labels and probabilities (TreeModel+Classifiers.swift), or nil.
    let leafTable: LeafTable?

    public var featureCount: Int { ensemble.featureCount }
    public var featureNames: [String]? { ensemble.featureNames }
    public var trees: [DecisionTree] { ensemble.trees }
    public var treeCount: Int { ensemble.trees.count }
    public var isClassifier: Bool { ensemble.isClassifier }
    /// A classifier's labels in scikit-learn's `classes_` order; nil for a regressor.
    public var classes: [JSONValue]? { ensemble.classes }
    /// Whether rows may hold missing values (NaN).
    public var acceptsMissing: Bool { ensemble.acceptsMissing }
    /// Gradient boosting's raw prediction before any tree (the first raw score's start).
    public var initialValue: Double { ensemble.base[0] }
    /// Gradient boosting's shrinkage applied to every leaf value; 1 otherwise.
    public var learningRate: Double { ensemble.leafScale ?? 1 }

    /// Assumes a checked ensemble (reading a model file checks it; the trainer makes valid ones).
    init(ensemble: TreeEnsemble, estimator: Estimator, formatVersion: Int = 2, layout: EnsemblePredictor.Layout = .automatic) {
        self.estimator = estimator
        self.formatVersion = formatVersion
        self.predictor = EnsemblePredictor(ensemble, layout: layout)
        self.leafTable = layout == .automatic ? LeafTable(ensemble) : nil
    }

    /// A version-1 regressor: gradient boosting adds `learningRate · leaf` to `initialValue`; a forest
    /// averages its trees; a single tree predicts its leaf.
    init(estimator: Estimator, featureCount: Int, featureNames: [String]?,
         initialValue: Double, learningRate: Double, trees: [DecisionTree]) {
        let boosting = estimator == .gradientBoosting
        // −0 + v is v for every v, so a lone tree's −0 leaf stays −0 as scikit-learn returns it.
        let base = boosting ? initialValue : estimator == .decisionTree ? -0.0 : 0
        self.init(ensemble: TreeEnsemble(
            estimator: estimator.rawValue, featureCount: featureCount, featureNames: featureNames,
            base: [base], leafScale: boosting ? learningRate : nil, averaged: estimator == .randomForest, trees: trees),
            estimator: estimator, formatVersion: 1)
    }

    // MARK: Regressors

    /// Predicts `rowCount` rows given row-major (`rowCount * featureCount` values); one value per row.
    public func predict(_ rows: [Double], rowCount: Int) -> [Double] {
        precondition(rows.count == rowCount * featureCount, "rows must hold rowCount * featureCount values")
        let count = rowCount * ensemble.valuesPerRow
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            rows.withUnsafeBufferPointer { predict($0, rowCount: rowCount, into: out) }
            initialized = count
        }
    }

    /// The batch entry point: reads `rowCount * featureCount` row-major values, writes `rowCount`
    /// predictions (a regressor's values; a classifier's first raw score), or `rowCount * valuesPerRow`
    /// for a gradient-boosting library's multi-valued output (TreeModel+Outputs.swift).
    public func predict(_ rows: UnsafeBufferPointer<Double>, rowCount: Int, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(rows.count >= rowCount * featureCount && out.count >= rowCount, "buffers too small")
        guard rowCount > 0 else { return }
        if ensemble.hasLibraryOutputs { return predictLibraryOutputs(rows, rowCount: rowCount, into: out) }
        if ensemble.outputCount == 1 {
            predictor.raw(rows.baseAddress!, rowCount: rowCount, into: out.baseAddress!)
            if ensemble.link == .exp {
                for r in 0..<rowCount { out[r] = ensemble.link.value(out[r]) }
            }
        } else {
            let raw = rawScores(rows, rowCount: rowCount)
            for r in 0..<rowCount { out[r] = raw[r * ensemble.outputCount] }
        }
    }

    private func rawScores(_ rows: UnsafeBufferPointer<Double>, rowCount: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: rowCount * ensemble.outputCount) { out, initialized in
            if rowCount > 0 { predictor.raw(rows.baseAddress!, rowCount: rowCount, into: out.baseAddress!) }
            initialized = rowCount * ensemble.outputCount
        }
    }
}
