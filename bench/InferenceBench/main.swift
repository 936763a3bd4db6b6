// Measures the reference model: training time and prediction time per row at several batch sizes.
// Prints `key value` lines that bench/inference_sklearn.py reads to set them beside scikit-learn's.
// Build in release: swift build -c release --product InferenceBench
import Inference

let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    let (s, attoseconds) = duration.components
    return Double(s) + Double(attoseconds) * 1e-18
}

/// Runs `body` in rounds of `iterations` calls for about `budget` seconds; the best round's time per call.
func bestTimePerCall(budget: Double = 0.4, _ body: () -> Void) -> Double {
    var iterations = 1
    while seconds(clock.measure { for _ in 0..<iterations { body() } }) < 0.01 { iterations *= 2 }
    var best = Double.infinity
    let end = clock.now.advanced(by: .milliseconds(Int(budget * 1000)))
    repeat {
        let elapsed = seconds(clock.measure { for _ in 0..<iterations { body() } })
        best = min(best, elapsed / Double(iterations))
    } while clock.now < end
    return best
}

// Training: best of three fits (the first also warms caches and page-faults the arrays in).
var model = TreeModel.trainReference()
var trainBest = Double.infinity
for _ in 0..<3 {
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
for batch in [1, 2, 64, 4096] {
    let perCall = rows.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { output in
            bestTimePerCall {
                model.predict(input, rowCount: batch, into: output)
                sink += output[0]
            }
        }
    }
    print("predict_ns_per_row_\(batch) \(perCall * 1e9 / Double(batch))")
}
print("checksum \(sink.isFinite ? "ok" : "bad")")
