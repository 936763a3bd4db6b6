// What the model-file fuzz targets (fuzz/xgboost, fuzz/lightgbm) check once a file has loaded.
import Glibc
import Inference

public enum ModelChecks {
    /// Predicts rows of zeros, of missing values (when the model takes them) and of values derived
    /// from the input's bytes; traps if an answer has the wrong shape or a label index is out of range.
    public static func predictSomeRows(_ model: TreeModel, seed: [UInt8]) {
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

    /// Runs `check` on each named file; returns how many.
    public static func replay(_ paths: ArraySlice<String>, _ check: (UnsafeRawBufferPointer) -> Void) -> Int {
        var checked = 0
        for path in paths {
            guard let file = fopen(path, "rb") else { fatalError("cannot open \(path)") }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count <= 0 { break }
                bytes.append(contentsOf: buffer[0..<count])
            }
            fclose(file)
            bytes.withUnsafeBytes { check($0) }
            checked += 1
        }
        return checked
    }
}
