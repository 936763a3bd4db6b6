import Inference
import JSON
import Validation

/// An output a model gives over the v2 protocol, named as MLServer's scikit-learn runtime names
/// them: `predict` (a regressor's value, or a classifier's label, one per row) and, for
/// classifiers, `predict_proba` (one probability per class per row, in `classes_` order).
enum V2Output: String, Sendable, CaseIterable {
    case predict
    case predictProba = "predict_proba"

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
    /// `predict` gives `valuesPerRow` numbers a row, as `tensor` shapes them.
    func metadataShape(_ summary: ModelSummary, valuesPerRow: Int) -> [Int] {
        switch self {
        case .predict: summary.isClassifier || valuesPerRow == 1 ? [-1] : [-1, valuesPerRow]
        case .predictProba: [-1, summary.classes?.count ?? 1]
        }
    }

    /// This output for `matrix`'s rows. Runs on the job queue.
    func tensor(_ model: TreeModel, _ matrix: FeatureMatrix) -> V2OutputTensor {
        let rows = matrix.rowCount
        switch self {
        case .predict:
            guard let classes = model.classes else {
                let shape = model.valuesPerRow > 1 ? [rows, model.valuesPerRow] : [rows]
                return V2OutputTensor(name: rawValue, datatype: .fp64, shape: shape, values: .fp64(model.predict(matrix.values, rowCount: rows)))
            }
            let labels = model.predictClasses(matrix.values, rowCount: rows).map { classes[$0] }
            let datatype = V2Labels.datatype(classes)
            return V2OutputTensor(name: rawValue, datatype: datatype, shape: [rows], values: V2Labels.values(labels, as: datatype))
        case .predictProba:
            let classCount = model.classes?.count ?? 1
            return V2OutputTensor(name: rawValue, datatype: .fp64, shape: [rows, classCount],
                                  values: .fp64(model.predictProbabilities(matrix.values, rowCount: rows)))
        }
    }
}

/// A classifier's labels (scikit-learn's `classes_`) as a tensor: integers as INT64, other numbers
/// as FP64, booleans as BOOL, strings (and anything mixed) as BYTES.
enum V2Labels {
    static func datatype(_ classes: [JSONValue]) -> V2Datatype {
        if classes.allSatisfy({ $0.intValue != nil }) { return .int64 }
        if classes.allSatisfy({ $0.doubleValue != nil }) { return .fp64 }
        if classes.allSatisfy({ $0.boolValue != nil }) { return .bool }
        return .bytes
    }

    static func values(_ labels: [JSONValue], as datatype: V2Datatype) -> V2OutputTensor.Values {
        switch datatype {
        case .int64: .int64(labels.map { Int64($0.intValue!) })
        case .fp64: .fp64(labels.map { $0.doubleValue! })
        case .bool: .bool(labels.map { $0.boolValue! })
        default: .bytes(labels.map { Array(($0.stringValue ?? String(decoding: JSONWriter.bytes($0), as: UTF8.self)).utf8) })
        }
    }
}

/// One computed output tensor, ready to be written as JSON `data` or as binary data.
struct V2OutputTensor: Sendable {
    /// The elements, row-major.
    enum Values: Sendable {
        case fp64([Double])
        case int64([Int64])
        case bool([Bool])
        /// BYTES elements: UTF-8 text, written as JSON strings or as length-prefixed binary.
        case bytes([[UInt8]])
    }

    var name: String
    var datatype: V2Datatype
    var shape: [Int]
    var values: Values
}

extension ModelSummary {
    var v2Signature: V2ModelSignature {
        V2ModelSignature(featureCount: featureCount, outputNames: V2Output.outputs(of: self).map(\.rawValue),
                         acceptsMissing: acceptsMissing)
    }
}
