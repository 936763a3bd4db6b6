import Inference
import JSON
import Validation

/// An output a model gives over the v2 protocol, named as MLServer's scikit-learn runtime names
/// them: `predict` (a regressor's value, or a classifier's label, one per row) and, for
/// classifiers, `predict_proba` (one probability per class per row, in `classes_` order).
enum V2Output: String, Sendable, CaseIterable {
    case predict
    case predictProba = "predict_proba"

    /// The output a request names: one of the model signature's names (`V2ModelSignature.outputNames`),
    /// which both request readers accept and no other. Compared as the small Strings they are;
    /// `init(rawValue:)` goes through the standard library's general string switch.
    init(signatureName name: String) {
        if name == Self.predict.rawValue {
            self = .predict
        } else if name == Self.predictProba.rawValue {
            self = .predictProba
        } else {
            preconditionFailure("\(name) is no output of a model's v2 signature")
        }
    }

    /// The output's place in `allCases`, without making that array.
    var index: Int {
        switch self {
        case .predict: 0
        case .predictProba: 1
        }
    }

    /// The model's outputs, in metadata order.
    static func outputs(of summary: ModelSummary) -> [V2Output] {
        summary.isClassifier ? [.predict, .predictProba] : [.predict]
    }

    func datatype(_ summary: ModelSummary) -> V2Datatype {
        switch self {
        case .predict: summary.classes.map(V2Labels.datatype) ?? .fp64
        case .predictProba: .fp64
        }
    }

    /// The shape in the model's metadata: -1 for the batch dimension; a Booster's multiclass
    /// `predict` gives `valuesPerRow` numbers a row, as `V2BatchPrediction` shapes them.
    func metadataShape(_ summary: ModelSummary, valuesPerRow: Int) -> [Int] {
        switch self {
        case .predict: summary.isClassifier || valuesPerRow == 1 ? [-1] : [-1, valuesPerRow]
        case .predictProba: [-1, summary.classes?.count ?? 1]
        }
    }
}

extension ModelSummary {
    var v2Signature: V2ModelSignature {
        V2ModelSignature(featureCount: featureCount, outputNames: V2Output.outputs(of: self).map(\.rawValue),
                         acceptsMissing: acceptsMissing)
    }
}
