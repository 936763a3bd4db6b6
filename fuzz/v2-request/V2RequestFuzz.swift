// V2RequestFuzz: libFuzzer feeds v2 inference request bodies (JSON, and JSON followed by binary tensor
// data) to Validation's V2RequestReader. Invariants: it never traps, hangs or allocates beyond what the
// body's size explains (fuzz/fuzz.mk's -malloc_limit_mb); a refusal is a 400 whose body is
// `{"error": message}` with a message; an accepted request holds rows × features values, finite (or
// missing, for a model that takes missing values), and known outputs, each once; and the accepted matrix
// read back from the other framing (binary FP64 after JSON, or JSON data) is the same matrix, bit for bit;
// and the reader's answer (fast path first) is the general path's alone: the same request, bit for bit,
// or the same error.
// Built only with -DFUZZING (fuzz/fuzz.mk); without it, the same checks replay files named on the command line.
import FuzzSupport
import JSON
// The two paths are internal to Validation (V2RequestReader.readFast/readGeneral); fuzz builds are
// debug builds, which allow @testable.
@testable import Validation

/// The first byte chooses the model and whether `Inference-Header-Content-Length` is sent (then the
/// next two bytes, little-endian, are its value); the rest is the body.
func check(_ data: UnsafeRawBufferPointer) {
    guard let first = data.first else { return }
    let signature = V2ModelSignature(featureCount: [1, 2, 3, 13][Int(first & 3)],
                                     outputNames: first & 4 == 0 ? ["predict"] : ["predict", "predict_proba"],
                                     acceptsMissing: first & 8 != 0)
    var rest = data.dropFirst()
    var header: String? = nil
    if first & 0x10 != 0 {
        guard rest.count >= 2 else { return }
        header = String(Int(rest[rest.startIndex]) | Int(rest[rest.startIndex + 1]) << 8)
        rest = rest.dropFirst(2)
    }
    let reader = V2RequestReader(signature: signature)
    let body = Array(rest)
    let answer = reader.read(body, inferenceHeaderContentLength: header)
    V2Checks.checkSame(answer, reader.readGeneral(body, inferenceHeaderContentLength: header))
    if header == nil, let fast = reader.readFast(body) {
        V2Checks.checkSame(.success(fast), reader.readGeneral(body, inferenceHeaderContentLength: nil))
    }
    switch answer {
    case .failure(let error):
        V2Checks.checkRefusal(error)
    case .success(let request):
        V2Checks.checkAccepted(request, signature: signature)
        V2Checks.checkOtherFraming(request, reader: reader)
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_cdecl("V2RequestFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: CArguments?) -> Int32 {
    FuzzSupport.runDriver(argc, argv, fuzzOneInput)
}
#else
/// Replays files through the same checks: `V2RequestFuzz FILE...`.
@main enum Replay {
    static func main() {
        let checked = FuzzSupport.replay(CommandLine.arguments.dropFirst(), check)
        print("V2RequestFuzz: \(checked) inputs replayed, every invariant held")
    }
}
#endif
