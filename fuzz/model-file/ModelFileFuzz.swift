// ModelFileFuzz: libFuzzer feeds arbitrary bytes to evserve's model loading, which recognises every
// format by content (XGBoost JSON and UBJSON, LightGBM text, evserve.trees): `make fuzz-xgboost` and
// `make fuzz-lightgbm` start it from each format's seed files, so mutations reach each reader.
// Invariants: loading never traps, hangs or allocates without bound, and a model that loads predicts
// rows of zeros, missing values and input-derived values with the promised shape. Built only with
// -DFUZZING (fuzz/fuzz.mk); without it, the same checks replay files named on the command line.
import FuzzSupport
import Inference

/// Whether the file loaded (the replay counts them, so a seed corpus shows it holds loadable files).
@discardableResult
func check(_ data: UnsafeRawBufferPointer) -> Bool {
    guard let model = try? TreeModel(anyModelFile: Array(data)) else { return false }
    ModelChecks.predictSomeRows(model, seed: Array(data.prefix(64)))
    return true
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_cdecl("ModelFileFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: CArguments?) -> Int32 {
    FuzzSupport.runDriver(argc, argv, fuzzOneInput)
}
#else
/// Replays files through the same checks: `ModelFileFuzz FILE...`.
@main enum Replay {
    static func main() {
        var loaded = 0
        let checked = FuzzSupport.replay(CommandLine.arguments.dropFirst()) { if check($0) { loaded += 1 } }
        print("ModelFileFuzz: \(checked) inputs replayed (\(loaded) loaded), every invariant held")
    }
}
#endif
