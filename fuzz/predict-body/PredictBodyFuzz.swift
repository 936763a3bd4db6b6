// PredictBodyFuzz: libFuzzer feeds /predict bodies to Validation's two readers: the fast one (the usual
// shape, straight from the bytes) and the general one (JSON's reader, then pydantic's rules). Invariants:
// whatever the fast reader accepts, the general path accepts with bit-identical values; the full reader
// answers exactly what the general path alone answers (the same matrix, or the same 422/400 body byte for
// byte); every failure body is JSON `{"detail": ...}`. Built only with -DFUZZING (fuzz/fuzz.mk); without
// it, the same checks replay files named on the command line.
import FuzzSupport
import JSON
// The two paths are internal to Validation (PredictBodyReader.readFast/readGeneral); fuzz builds are
// debug builds, which SwiftPM compiles for testing.
@testable import Validation

/// The first byte chooses the model the body is read for; the rest is the body.
func check(_ data: UnsafeRawBufferPointer) {
    guard let first = data.first else { return }
    let rules = BodyConfiguration.rules(first)
    let reader = PredictBodyReader(featureCount: BodyConfiguration.featureCount(first), rules: rules)
    let body = Array(data.dropFirst())

    let general = reader.readGeneral(body)
    if let fast = reader.readFast(body) {
        guard case .success(let matrix) = general, BodyConfiguration.same(matrix, fast) else {
            fatalError("the fast reader accepts a body the general path reads otherwise: \(general)")
        }
    }
    let expected = body.isEmpty ? reader.read(body, contentType: "application/json") : BodyConfiguration.finished(general, rules: rules)
    for contentType in ["application/json", nil] {
        let answer = reader.read(body, contentType: contentType)
        switch (answer, expected) {
        case (.success(let a), .success(let b)) where BodyConfiguration.same(a, b): continue
        case (.failure(let a), .failure(let b)) where a == b:
            BodyConfiguration.checkFailureBody(a)
        default:
            fatalError("the full reader answers \(answer), the general path \(expected)")
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_cdecl("PredictBodyFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: CArguments?) -> Int32 {
    FuzzSupport.runDriver(argc, argv, fuzzOneInput)
}
#else
/// Replays files through the same checks: `PredictBodyFuzz FILE...`.
@main enum Replay {
    static func main() {
        let checked = FuzzSupport.replay(CommandLine.arguments.dropFirst(), check)
        print("PredictBodyFuzz: \(checked) inputs replayed, every invariant held")
    }
}
#endif
