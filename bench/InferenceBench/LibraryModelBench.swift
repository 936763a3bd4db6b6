// `InferenceBench --gbm PREDICTOR ...`: times an XGBoost or LightGBM model file's compiled predictors in
// this process, on the same rows (each call the next rows of the file), so that bench/inference_gbm.py
// can set them beside the libraries' own predict: evserve (`--model FILE`, `TreeModel.predict` into a
// buffer) and the shared libraries that TL2cgen and lleaves compile from the same file (`--library FILE`),
// called directly as C functions.
//
//   InferenceBench --gbm evserve|tl2cgen|lleaves (--model FILE | --library FILE) --rows FILE
//                  --features N [--batches 1,2,100,4096] [--budget SECONDS] [--out FILE [--out-batch N]]
//
// Prints `predict_ns_per_row_<batch> <ns>` lines; with --out, writes every row's prediction (float64,
// little-endian) for the caller to check against the library, predicted in one call, or in calls of N rows
// with --out-batch N (to check the few-rows paths).
import Glibc
import Inference

/// One predictor under test: fills `out[0..<rowCount]` from `rowCount` row-major float64 rows.
typealias BatchPredictor = (_ rows: UnsafePointer<Double>, _ rowCount: Int, _ out: UnsafeMutablePointer<Double>) -> Void

func runLibraryModelBench(_ arguments: [String]) {
    func value(_ flag: String) -> String? {
        arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    }
    guard let kind = value("--gbm"), let rowsPath = value("--rows"), let featureCount = value("--features").flatMap(Int.init),
          featureCount > 0, let rowBytes = readFile(rowsPath) else {
        fail("usage: --gbm evserve|tl2cgen|lleaves (--model FILE | --library FILE) --rows FILE --features N")
    }
    let budget = value("--budget").flatMap(Double.init) ?? 0.25
    let batches = (value("--batches") ?? "1,2,100,4096").split(separator: ",").compactMap { Int($0) }
    let values = rowBytes.withUnsafeBytes { raw in
        (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
    }
    let rowCount = values.count / featureCount
    let predictor: BatchPredictor
    switch kind {
    case "evserve": predictor = evservePredictor(modelPath: value("--model") ?? "", featureCount: featureCount)
    case "tl2cgen": predictor = tl2cgenPredictor(libraryPath: value("--library") ?? "", featureCount: featureCount)
    case "lleaves": predictor = lleavesPredictor(libraryPath: value("--library") ?? "")
    default: fail("unknown predictor \(kind)")
    }
    var out = [Double](repeating: 0, count: rowCount)
    var sink = 0.0
    values.withUnsafeBufferPointer { rows in
        out.withUnsafeMutableBufferPointer { output in
            for batch in batches where batch <= rowCount {
                // Each call predicts the next `batch` rows, as a server's requests bring different rows: one row
                // predicted again and again lets a branchy predictor (TL2cgen's and lleaves' compiled trees) learn
                // its every branch, which no stream of requests does.
                var call = 0
                let perCall = bestTimePerCall(budget: budget) {
                    let start = call % (rowCount / batch) * batch
                    call += 1
                    predictor(rows.baseAddress! + start * featureCount, batch, output.baseAddress!)
                    sink += output[0]
                }
                print("predict_ns_per_row_\(batch) \(perCall * 1e9 / Double(batch))")
            }
            let outBatch = max(1, value("--out-batch").flatMap(Int.init) ?? rowCount)
            for start in stride(from: 0, to: rowCount, by: outBatch) {
                predictor(rows.baseAddress! + start * featureCount, min(outBatch, rowCount - start), output.baseAddress! + start)
            }
        }
    }
    if let outPath = value("--out") {
        let bytes = out.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        guard let file = fopen(outPath, "wb"), fwrite(bytes, 1, bytes.count, file) == bytes.count, fclose(file) == 0 else {
            fail("cannot write \(outPath)")
        }
    }
    print("checksum \(sink.isFinite ? "ok" : "odd")")
}

func fail(_ message: String) -> Never {
    print("error \(message)")
    exit(1)
}

/// evserve's predictor for the file, as the server holds it.
func evservePredictor(modelPath: String, featureCount: Int) -> BatchPredictor {
    guard let bytes = readFile(modelPath) else { fail("cannot read \(modelPath)") }
    let model: TreeModel
    do { model = try TreeModel(anyModelFile: bytes) } catch { fail("\(error)") }
    guard model.featureCount == featureCount, model.valuesPerRow == 1 else { fail("\(modelPath): not a one-output model of \(featureCount) features") }
    return { rows, rowCount, out in
        model.predict(UnsafeBufferPointer(start: rows, count: rowCount * featureCount), rowCount: rowCount,
                      into: UnsafeMutableBufferPointer(start: out, count: rowCount))
    }
}

/// A symbol of a shared library this process keeps loaded until it exits (never dlclose'd, so the
/// function pointers stay valid for every call).
func symbol(_ library: UnsafeMutableRawPointer, _ name: String) -> UnsafeMutableRawPointer {
    guard let address = dlsym(library, name) else { fail("no symbol \(name)") }
    return address
}

func openLibrary(_ path: String) -> UnsafeMutableRawPointer {
    guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { fail("cannot load \(path): \(String(cString: dlerror()))") }
    return library
}

/// TL2cgen's generated C (`predict(union Entry* row, int pred_margin, float|double* result)`), called a
/// row at a time as its own predictor does. A row is given as `union Entry` values: the threshold
/// type's float (4 or 8 bytes a value), or `missing = -1` for NaN. `predict` quantizes the entries in
/// place and adds to `result`, so each call gets freshly filled entries and a zeroed result; filling
/// them (float64 → Entry, as a caller of the C API must) is part of the time.
func tl2cgenPredictor(libraryPath: String, featureCount: Int) -> BatchPredictor {
    let library = openLibrary(libraryPath)
    typealias Text = @convention(c) () -> UnsafePointer<CChar>
    typealias Count = @convention(c) () -> Int32
    let threshold = String(cString: unsafeBitCast(symbol(library, "get_threshold_type"), to: Text.self)())
    let leaf = String(cString: unsafeBitCast(symbol(library, "get_leaf_output_type"), to: Text.self)())
    guard unsafeBitCast(symbol(library, "get_num_feature"), to: Count.self)() == Int32(featureCount),
          unsafeBitCast(symbol(library, "get_num_target"), to: Count.self)() == 1, threshold == leaf,
          threshold == "float32" || threshold == "float64" else {
        fail("\(libraryPath): not a one-target model of \(featureCount) features with one float type (\(threshold), \(leaf))")
    }
    let wide = threshold == "float64"
    let predict = symbol(library, "predict")
    // The entries of one row: allocated here, owned by the returned closure for the process's life.
    let entries = UnsafeMutableRawPointer.allocate(byteCount: featureCount * 8, alignment: 8)
    if wide {
        typealias Predict = @convention(c) (UnsafeMutableRawPointer, Int32, UnsafeMutablePointer<Double>) -> Void
        let call = unsafeBitCast(predict, to: Predict.self)
        return { rows, rowCount, out in
            for r in 0..<rowCount {
                for f in 0..<featureCount {
                    let x = rows[r * featureCount + f]
                    if x.isNaN { entries.storeBytes(of: -1, toByteOffset: f * 8, as: Int32.self) } else { entries.storeBytes(of: x, toByteOffset: f * 8, as: Double.self) }
                }
                out[r] = 0
                call(entries, 0, out + r)
            }
        }
    }
    typealias Predict = @convention(c) (UnsafeMutableRawPointer, Int32, UnsafeMutablePointer<Float>) -> Void
    let call = unsafeBitCast(predict, to: Predict.self)
    return { rows, rowCount, out in
        for r in 0..<rowCount {
            for f in 0..<featureCount {
                let x = rows[r * featureCount + f]
                if x.isNaN { entries.storeBytes(of: -1, toByteOffset: f * 4, as: Int32.self) } else { entries.storeBytes(of: Float(x), toByteOffset: f * 4, as: Float.self) }
            }
            var result: Float = 0
            call(entries, 0, &result)
            out[r] = Double(result)
        }
    }
}

/// lleaves' compiled forest (`forest_root(double* rows, double* out, int start, int end)`, fp64), linked
/// into a shared library by bench/inference_gbm.py; it reads row-major float64 rows as given.
func lleavesPredictor(libraryPath: String) -> BatchPredictor {
    typealias Root = @convention(c) (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int32, Int32) -> Void
    let root = unsafeBitCast(symbol(openLibrary(libraryPath), "forest_root"), to: Root.self)
    return { rows, rowCount, out in root(rows, out, 0, Int32(rowCount)) }
}
