// JSONFuzz: libFuzzer feeds the same bytes to evserve's JSON reader (Python's `json.loads`, Sources/JSON)
// and to Foundation's JSONSerialization. Invariants: neither traps nor hangs; they accept and refuse the
// same texts, except where a named rule in JSONDifferences.swift explains the disagreement; where both
// accept, the values are equal (numbers as Doubles, strings exactly, objects key by key). Built only with
// -DFUZZING (fuzz/fuzz.mk); without it, the same checks replay files named on the command line.
import Foundation  // only here, as the reference: evserve's modules do not import it
import FuzzSupport
import JSON

func check(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    let outcome = Outcome(bytes)
    switch (outcome.ours, outcome.theirs) {
    case (.success(let value), .some(let reference)):
        if let mismatch = JSONComparison(input: bytes).mismatch(value, reference) {
            fatalError("both accept, with different values: \(mismatch)")
        }
    case (.failure, nil):
        return
    default:
        guard JSONDifferences.rules.contains(where: { $0.explains(outcome) }) else {
            fatalError("unexplained disagreement: \(outcome)")
        }
    }
}

/// One input read by both parsers.
struct Outcome: CustomStringConvertible {
    let bytes: [UInt8]
    let ours: Result<JSONValue, JSONSyntaxError>
    /// Foundation's value, nil when it refused the text.
    let theirs: Any?
    let theirError: String?

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        ours = Result { () throws(JSONSyntaxError) in try JSONValue.parse(bytes) }
        do {
            theirs = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            theirError = nil
        } catch {
            theirs = nil
            theirError = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        }
    }

    var description: String {
        let ourSide = switch ours {
        case .success(let value): "evserve accepts (\(String(decoding: JSONWriter.bytes(value).prefix(200), as: UTF8.self)))"
        case .failure(let error): "evserve refuses (\(error))"
        }
        let theirSide = theirs == nil ? "Foundation refuses (\(theirError ?? ""))" : "Foundation accepts"
        return "\(ourSide); \(theirSide); input \(bytes.prefix(64).map { String($0, radix: 16) })"
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_cdecl("JSONFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: CArguments?) -> Int32 {
    FuzzSupport.runDriver(argc, argv, fuzzOneInput)
}
#else
/// Replays files through the same checks: `JSONFuzz FILE...`.
@main enum Replay {
    static func main() {
        let checked = FuzzSupport.replay(CommandLine.arguments.dropFirst(), check)
        print("JSONFuzz: \(checked) inputs replayed, every invariant held")
    }
}
#endif
