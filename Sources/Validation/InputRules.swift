/// What the served model adds to FastAPI's `Observation` schema, beyond n numbers per row.
///
/// The default is the reference contract: FastAPI's exact answers, byte for byte (`null` is pydantic's
/// `float_type`, a row must be a list, any finite number passes). Models exported from scikit-learn
/// (model file version 2) take the rules their estimator has.
public struct InputRules: Sendable, Equatable {
    /// `null` in a row is a missing value (NaN in the matrix).
    public var acceptsMissing: Bool
    /// For a model that does not accept missing values: said in the 422 for `null`, after pydantic's
    /// `float_type` message (e.g. "this model (GradientBoostingRegressor) does not accept missing values").
    /// nil keeps pydantic's message alone.
    public var missingRefusal: String?
    /// Rows may also be objects keyed by these names (scikit-learn's `feature_names_in_`), in this order.
    public var featureNames: [String]?
    /// The estimator casts inputs to float32 and refuses values that overflow it (scikit-learn's trees
    /// raise "Input contains infinity or a value too large for dtype('float32')"); this names it.
    public var float32Estimator: String?

    public init(acceptsMissing: Bool = false, missingRefusal: String? = nil, featureNames: [String]? = nil,
                float32Estimator: String? = nil) {
        self.acceptsMissing = acceptsMissing
        self.missingRefusal = missingRefusal
        self.featureNames = featureNames
        self.float32Estimator = float32Estimator
    }

    /// FastAPI's `Observation`, as the reference model is served.
    public static let reference = InputRules()
}
