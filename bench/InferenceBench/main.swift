// Measures the reference model: training time and prediction time per row at several batch sizes;
// with `--model FILE --rows FILE [--budget SECONDS] [--batches 4096]`, a model file instead (ModelFileBench.swift).
// Prints `key value` lines that bench/inference_sklearn.py reads to set them beside scikit-learn's.
// Build in release: swift build -c release --product InferenceBench
import Glibc
import Inference

let arguments = CommandLine.arguments
if arguments.contains("--gbm") { runLibraryModelBench(arguments); exit(0) }  // LibraryModelBench.swift
if let m = arguments.firstIndex(of: "--model"), let r = arguments.firstIndex(of: "--rows"),
   m + 1 < arguments.count, r + 1 < arguments.count {
    let budget = arguments.firstIndex(of: "--budget").flatMap { $0 + 1 < arguments.count ? Double(arguments[$0 + 1]) : nil } ?? 0.4
    let batches = arguments.firstIndex(of: "--batches").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        .map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1, 2, 4096]
    benchModelFile(modelPath: arguments[m + 1], rowsPath: arguments[r + 1], budget: budget, batches: batches)
    exit(0)
}

// `--batches 1,2` times only those batch sizes and `--skip-training` skips the training rounds (one fit
// still makes the model): quick runs and profiles of the prediction path.
func argumentValue(_ flag: String) -> String? {
    arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let batches = argumentValue("--batches").map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1, 2, 64, 4096]
let predictBudget = argumentValue("--budget").flatMap(Double.init) ?? 0.4

// Training: best of three fits (the first also warms caches and page-faults the arrays in).
var model = TreeModel.trainReference()
var trainBest = Double.infinity
for _ in 0..<(arguments.contains("--skip-training") ? 0 : 3) {
    let start = clock.now
    model = TreeModel.trainReference()
    trainBest = min(trainBest, seconds(start.duration(to: clock.now)))
}
print("train_seconds \(trainBest)")
print("trees \(model.treeCount)")

// Prediction rows: the training rows in training order, repeated to fill the largest batch.
let source = BostonHousing.trainingFeatures()
let maxRows = 4096
let rows = (0..<(maxRows * model.featureCount)).map { source[$0 % source.count] }
var out = [Double](repeating: 0, count: maxRows)
var sink = 0.0
for batch in batches where batch <= maxRows {
    let perCall = rows.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { output in
            bestTimePerCall(budget: predictBudget) {
                model.predict(input, rowCount: batch, into: output)
                sink += output[0]
            }
        }
    }
    print("predict_ns_per_row_\(batch) \(perCall * 1e9 / Double(batch))")
}
print("checksum \(sink.isFinite ? "ok" : "bad")")
