import Inference
import Validation

/// An output a model can give over the v2 protocol, named as MLServer's scikit-learn runtime names
/// them: `predict` (one value per row). A classifier adds `predict_proba` (`[-1, classCount]`, FP64)
/// here, and its `predict` becomes the class labels; `ModelSummary.v2Outputs` says which a model has.
enum V2Output: String, Sendable, CaseIterable {
    case predict

    var datatype: V2Datatype {
        switch self {
        case .predict: .fp64
        }
    }

    /// The shape in the model's metadata: -1 for the batch dimension.
    var metadataShape: [Int] {
        switch self {
        case .predict: [-1]
        }
    }

    /// This output for `matrix`'s rows. Runs on the job queue.
    func tensor(_ model: TreeModel, _ matrix: FeatureMatrix) -> V2OutputTensor {
        switch self {
        case .predict:
            let y = model.predict(matrix.values, rowCount: matrix.rowCount)
            return V2OutputTensor(name: rawValue, datatype: datatype, shape: [matrix.rowCount], values: .fp64(y))
        }
    }
}

/// One computed output tensor, ready to be written as JSON `data` or as binary data.
struct V2OutputTensor: Sendable {
    /// The elements, row-major, in the datatype's representation (classifiers add cases: labels).
    enum Values: Sendable {
        case fp64([Double])
    }

    var name: String
    var datatype: V2Datatype
    var shape: [Int]
    var values: Values
}

extension ModelSummary {
    /// The v2 outputs of the served model, in metadata order: one place to extend for classifiers.
    var v2Outputs: [V2Output] { [.predict] }

    /// Whether a missing value (NaN, JSON null) is something the model routes. No model evserve
    /// serves today does (scikit-learn's GradientBoostingRegressor and forests refuse NaN); models
    /// that do (HistGradientBoosting, XGBoost, LightGBM) say so here once `TreeModel` knows it.
    var acceptsMissingValues: Bool { false }

    var v2Signature: V2ModelSignature {
        V2ModelSignature(featureCount: featureCount, outputNames: v2Outputs.map(\.rawValue),
                         acceptsMissing: acceptsMissingValues)
    }
}
