// What the model-file fuzz target checks once a file has loaded.
import Inference

enum ModelChecks {
    /// Predicts rows of zeros, of missing values (when the model takes them) and of values derived
    /// from the input's bytes; traps if an answer has the wrong shape or a label index is out of range.
    static func predictSomeRows(_ model: TreeModel, seed: [UInt8]) {
        let n = model.featureCount
        var rows = [Double](repeating: 0, count: n)
        if model.acceptsMissing { rows += [Double](repeating: .nan, count: n) }
        rows += (0..<n).map { i in seed.isEmpty ? -0.5 : Double(Int8(bitPattern: seed[i % seed.count])) / 4 }
        let rowCount = rows.count / n
        let y = model.predict(rows, rowCount: rowCount)
        precondition(y.count == rowCount * model.valuesPerRow, "predict answered the wrong number of values")
        if let classes = model.classes {
            let labels = model.predictClasses(rows, rowCount: rowCount)
            precondition(labels.allSatisfy { classes.indices.contains($0) }, "a label index outside classes")
            let p = model.predictProbabilities(rows, rowCount: rowCount)
            precondition(p.count == rowCount * classes.count, "predict_proba answered the wrong number of values")
        }
    }

}
