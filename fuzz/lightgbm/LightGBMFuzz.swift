// LightGBMFuzz: libFuzzer feeds arbitrary bytes to evserve's model loading (LightGBM's text model
// is recognised by its first line "tree", which the seed files keep). Invariants: loading
// never traps, hangs or allocates without bound, and a model that loads predicts rows of zeros,
// missing values and input-derived values with the promised shape. Built only with -DFUZZING
// (fuzz/fuzz.mk); without it, the same checks replay files named on the command line.
import Inference
import ModelChecks

func check(_ data: UnsafeRawBufferPointer) {
    guard let model = try? TreeModel(anyModelFile: Array(data)) else { return }
    ModelChecks.predictSomeRows(model, seed: Array(data.prefix(64)))
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

public typealias CArguments = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

@_extern(c, "LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<CArguments?>,
                     _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable's `main` to this symbol; it hands the command line to libFuzzer's driver.
@_cdecl("LightGBMFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: CArguments?) -> Int32 {
    var argc = argc
    var argv = argv
    return runFuzzerDriver(&argc, &argv, fuzzOneInput)
}
#else
/// Replays files through the same checks: `LightGBMFuzz FILE...`.
@main enum Replay {
    static func main() {
        let checked = ModelChecks.replay(CommandLine.arguments.dropFirst(), check)
        print("LightGBMFuzz: \(checked) inputs replayed, every invariant held")
    }
}
#endif
