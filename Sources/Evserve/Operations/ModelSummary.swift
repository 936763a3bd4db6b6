import JSON

/// What the operations side (OpenAPI document, /docs, model-info metric) needs to know about the
/// served model. The lead builds it once the model is loaded; it is a plain value so every
/// event-loop thread can hold a copy.
struct ModelSummary: Sendable, Equatable {
    /// The scikit-learn class name, e.g. `GradientBoostingRegressor`.
    var estimator: String
    /// How many numbers each row of `X` must hold.
    var featureCount: Int
    /// Column names in row order, when the model file carries them.
    var featureNames: [String]?
    /// Number of trees (boosting stages) in the ensemble.
    var treeCount: Int
    /// A classifier's labels (`classes_`); nil for a regressor.
    var classes: [JSONValue]? = nil
    /// Whether `null` in a row is accepted as a missing value.
    var acceptsMissing = false
    /// Whether a row may also be an object keyed by `featureNames` (models exported from a DataFrame fit).
    var rowsByName = false
    /// Values /predict returns per row: 1, or each class's probability for a multiclass booster
    /// (XGBoost, LightGBM) that is not a classifier with labels.
    var valuesPerRow = 1
    /// Whether values past float32's range are refused (422), as the library does for a model that
    /// reads its inputs as float32 (XGBoost, LightGBM).
    var float32Inputs = false

    var isClassifier: Bool { classes != nil }
}
