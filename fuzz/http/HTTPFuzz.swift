// HTTPFuzz: libFuzzer drives HTTP1's RequestParser with arbitrary bytes, and the route templates'
// matcher with the paths it gives (RouteChecks.swift); every invariant below traps when broken, and
// libFuzzer keeps the input that broke it. Built only with -DFUZZING (fuzz/fuzz.mk);
// without it, the same checks replay files named on the command line (a crash's input, a corpus).
import FuzzSupport
import HTTP1

/// Small limits, so short inputs reach the 413 and 431 paths.
let maxHeadSize = 512
let maxBodySize = 1024

/// Everything a run produced that must not depend on how the input was split.
struct Run: Equatable {
    struct Parsed: Equatable {
        var method: String, target: String, path: String, minor: Int, contentType: String?
        var body: [UInt8], keepAlive: Bool
        /// Offset just after the request's last byte.
        var end: Int
    }

    var requests: [Parsed] = []
    var failure: FramingError?
}

/// Feeds `stream` in pieces of `sizes` (cycled), as the server's connection feeds a parser.
func run(_ stream: UnsafeRawBufferPointer, sizes: [Int], limits: (Int, Int) = (maxHeadSize, maxBodySize)) -> Run {
    let parser = RequestParser(maxHeadSize: limits.0, maxBodySize: limits.1)
    var result = Run()
    var offset = 0
    var piece = 0
    while offset < stream.count {
        let size = min(stream.count - offset, sizes[piece % sizes.count])
        piece += 1
        var rest = UnsafeRawBufferPointer(rebasing: stream[offset..<(offset + size)])
        feeding: while !rest.isEmpty {
            switch parser.feed(rest) {
            case .needMoreInput:
                offset += rest.count
                break feeding
            case .request(let request, let consumed):
                precondition(consumed > 0 && consumed <= rest.count, "consumed out of range")
                offset += consumed
                result.requests.append(Run.Parsed(
                    method: request.method.description, target: request.target, path: request.path,
                    minor: request.versionMinor, contentType: request.contentType, body: request.body,
                    keepAlive: request.keepAlive, end: offset))
                rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
            case .failure(let error):
                result.failure = error
                // Once failed, nothing more comes out, whatever follows.
                let valid: [UInt8] = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                for more in [UnsafeRawBufferPointer(rebasing: rest.dropFirst()), UnsafeRawBufferPointer(start: nil, count: 0)] {
                    guard case .failure(let again) = parser.feed(more), again == error else { fatalError("output after a failure") }
                }
                valid.withUnsafeBytes { bytes in
                    guard case .failure(let again) = parser.feed(bytes), again == error else { fatalError("output after a failure") }
                }
                return result
            }
        }
    }
    return result
}

/// Each request's own bytes, alone, frame that same request: requests tile the input from its start,
/// so no body byte ever started a request.
func checkTiling(_ stream: UnsafeRawBufferPointer, _ whole: Run) {
    var start = 0
    for request in whole.requests {
        precondition(request.end > start, "empty request")
        let alone = run(UnsafeRawBufferPointer(rebasing: stream[start..<request.end]), sizes: [Int.max])
        precondition(alone.failure == nil && alone.requests.count == 1, "a request's bytes do not frame it alone")
        var expected = request
        expected.end = request.end - start
        precondition(alone.requests[0] == expected, "a request's bytes alone frame another request")
        start = request.end
    }
}

/// Every request re-serialized canonically (Content-Length framing) parses back to the same
/// method, path and body.
func checkRoundTrip(_ whole: Run) {
    for request in whole.requests {
        let canonical = Array("\(request.method) \(request.target) HTTP/1.\(request.minor)\r\nHost: x\r\nContent-Length: \(request.body.count)\r\n\r\n".utf8)
            + request.body
        let again = canonical.withUnsafeBytes { run($0, sizes: [Int.max], limits: (maxHeadSize + 64, maxBodySize)) }
        precondition(again.failure == nil && again.requests.count == 1, "canonical form does not parse")
        let back = again.requests[0]
        precondition(back.method == request.method && back.path == request.path && back.body == request.body,
                     "canonical form parses to another request")
    }
}

/// The first 4 bytes choose how the rest is split into reads; the rest is the byte stream.
func check(_ data: UnsafeRawBufferPointer) {
    guard data.count > 4 else { return }
    let sizes = (0..<4).map { Int(data[$0] % 32) + 1 }
    let stream = UnsafeRawBufferPointer(rebasing: data[4...])
    let whole = run(stream, sizes: [Int.max])
    precondition(run(stream, sizes: sizes) == whole, "another split gives another result")
    if stream.count <= 1024 { precondition(run(stream, sizes: [1]) == whole, "byte-by-byte gives another result") }
    checkTiling(stream, whole)
    checkRoundTrip(whole)
    for request in whole.requests { checkRouting(request.path) }
    if stream.count <= 256 { checkRouting(String(decoding: stream, as: UTF8.self)) }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_cdecl("HTTPFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: CArguments?) -> Int32 {
    FuzzSupport.runDriver(argc, argv, fuzzOneInput)
}
#else
/// Replays files through the same checks: `HTTPFuzz FILE...`.
@main enum Replay {
    static func main() {
        let checked = FuzzSupport.replay(CommandLine.arguments.dropFirst(), check)
        print("HTTPFuzz: \(checked) inputs replayed, every invariant held")
    }
}
#endif
