// `InferenceBench --model FILE --rows FILE`: times a model file as the server predicts with it
// (`predict` for a regressor; `predictClasses` and `predictProbabilities` for a classifier, arrays
// in and out as a request makes them) at 1, 2 and 4096 rows, each call the next rows. The rows file
// holds 4096 rows of float64 values, little-endian, row-major (bench/inference_sklearn.py writes it, and
// times scikit-learn on the same rows). `--batches 4096` times only the sizes listed: quick runs, profiles.
import Glibc
import Inference

/// A whole file's bytes, or nil if it cannot be read.
func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count == 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

func benchModelFile(modelPath: String, rowsPath: String, budget: Double, batches: [Int]) {
    guard let modelBytes = readFile(modelPath), let rowBytes = readFile(rowsPath) else {
        print("error cannot read \(modelPath) or \(rowsPath)")
        exit(1)
    }
    let model: TreeModel
    do {
        model = try TreeModel(anyModelFile: modelBytes)
    } catch {
        print("error \(error)")
        exit(1)
    }
    let values = rowBytes.withUnsafeBytes { raw in
        (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
    }
    let rowCount = values.count / model.featureCount
    print("trees \(model.treeCount)")
    var sink = 0
    for batch in batches where batch <= rowCount {
        // Each call predicts the next `batch` rows (the file's rows cut into parts of that many, in turn), as a
        // server's requests bring different rows: one row predicted again and again keeps its every branch
        // predicted and its leaves' values in L1 (as bench/inference_gbm.py's calls, and scikit-learn's here).
        let width = batch * model.featureCount
        let parts = (0..<(rowCount / batch)).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
        var call = 0
        func next() -> [Double] {
            defer { call += 1 }
            return parts[call % parts.count]
        }
        let perCall: Double
        if model.isClassifier {
            perCall = bestTimePerCall(budget: budget) { sink &+= model.predictClasses(next(), rowCount: batch)[0] }
            let proba = bestTimePerCall(budget: budget) { sink &+= Int(model.predictProbabilities(next(), rowCount: batch)[0] * 2) }
            print("proba_ns_per_row_\(batch) \(proba * 1e9 / Double(batch))")
        } else {
            perCall = bestTimePerCall(budget: budget) { sink &+= Int(model.predict(next(), rowCount: batch)[0].sign == .minus ? 1 : 0) }
        }
        print("predict_ns_per_row_\(batch) \(perCall * 1e9 / Double(batch))")
    }
    print("checksum \(sink >= 0 ? "ok" : "odd")")
}
