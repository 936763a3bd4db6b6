import Inference
import JSON
import Validation

/// One loaded model version and everything serving it needs, made once when it loads (on a
/// job-queue thread, never on a loop). Immutable and shared by reference: a request holds it from
/// routing to its response, so a newer version installed meanwhile never changes an answer that
/// is under way, and this one is freed when the last request holding it finishes.
final class ServedModel: Sendable {
    let name: String
    /// A positive integer (Triton's repository layout); `--model` and the built-in model are version 1.
    let version: Int
    let model: TreeModel
    let summary: ModelSummary
    /// `/predict`'s body reader, sized for this model.
    let reader: PredictBodyReader
    /// A classifier's labels as JSON, written once (`classes_` order).
    let encodedLabels: [[UInt8]]
    /// The v2 inference request reader and outputs, from the same summary.
    let v2Reader: V2RequestReader
    let v2Outputs: [V2Output]
    /// What every v2 inference response of this version writes the same way (`V2ResponseParts`).
    let v2Parts: V2ResponseParts
    /// `name` and `version` as one metrics key, made here so the hot path does not format it.
    let metricsKey: MetricsRegistry.ModelKey

    init(name: String, version: Int, model: TreeModel) {
        self.name = name
        self.version = version
        self.model = model
        self.summary = ModelSummary(model)
        self.reader = PredictBodyReader(featureCount: model.featureCount, rules: Self.rules(model))
        self.encodedLabels = (model.classes ?? []).map(JSONWriter.bytes)
        self.v2Reader = V2RequestReader(signature: summary.v2Signature)
        self.v2Outputs = V2Output.outputs(of: summary)
        self.v2Parts = V2ResponseParts(name: name, version: version, classes: model.classes)
        self.metricsKey = MetricsRegistry.ModelKey(model: name, version: String(version))
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
