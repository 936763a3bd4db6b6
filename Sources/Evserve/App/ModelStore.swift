import Inference
import JSON
import Synchronization
import Validation

/// The model being served and the body reader sized for it.
struct ServedModel: Sendable {
    let model: TreeModel
    let reader: PredictBodyReader
    /// A classifier's labels as JSON, written once (`classes_` order).
    let encodedLabels: [[UInt8]]

    init(_ model: TreeModel) {
        self.model = model
        self.encodedLabels = (model.classes ?? []).map(JSONWriter.bytes)
        self.reader = PredictBodyReader(featureCount: model.featureCount, rules: Self.rules(model))
    }

    /// A version-1 model (the reference model's) keeps FastAPI's exact answers; an exported one takes
    /// its estimator's rules: missing values if it routes them (else a 422 that says so), rows keyed by
    /// feature name, and scikit-learn's refusal of values past float32's range for the float32 trees.
    static func rules(_ model: TreeModel) -> InputRules {
        guard model.formatVersion >= 2 else { return .reference }
        let name = model.estimator.rawValue
        return InputRules(
            acceptsMissing: model.acceptsMissing,
            missingRefusal: model.acceptsMissing ? nil : "this model (\(name)) does not accept missing values (null)",
            featureNames: model.featureNames,
            float32Estimator: model.ensemble.inputPrecision == .float32 ? name : nil)
    }
}

/// Holds the served model once it is loaded, and whether the server is ready for traffic:
/// `GET /readyz` says 503 before the model is in and again once draining begins.
final class ModelStore: Sendable {
    private let current = Mutex<ServedModel?>(nil)
    private let draining = Atomic<Bool>(false)

    var served: ServedModel? { current.withLock { $0 } }

    var isReady: Bool { !draining.load(ordering: .relaxed) && served != nil }

    func install(_ model: TreeModel) {
        let served = ServedModel(model)
        current.withLock { $0 = served }
    }

    func markDraining() { draining.store(true, ordering: .relaxed) }
}
