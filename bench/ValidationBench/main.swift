// ValidationBench: what reading a POST /predict body costs, per body, in one process and run:
// evserve's fast reader, its general path (JSON parser + field-by-field validation, taken by any
// body the fast reader declines), and Foundation's JSONSerialization and JSONDecoder on the
// same bytes. Also the response writer. Run a release build: `make bench-validation`.
import Foundation  // only for the comparison; Validation itself does not import it
import JSON
import Validation

/// The README's example request: two rows of 13 floats, as Python's json.dumps writes them.
let seedRows: [[Double]] = [
    [0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254, -0.23415337472333597,
     -0.23413695694918055, 1.5792128155073915, 0.7674347291529088, -0.4694743859349521, 0.5425600435859647,
     -0.46341769281246226, -0.46572975357025687, 0.24196227156603412],
    [-1.913280244657798, -1.7249178325130328, -0.5622875292409727, -1.0128311203344238, 0.3142473325952739,
     -0.9080240755212111, -1.4123037013352915, 1.465648768921554, -0.22577630048653566, 0.0675282046879239,
     -1.4247481862134568, -0.5443827245251827, 0.11092258970986608],
]

func pythonDumps(_ rows: [[Double]], extra: String = "") -> [UInt8] {
    let text = "{\(extra)\"X\": [" + rows.map { "[" + $0.map(PythonFloat.repr).joined(separator: ", ") + "]" }
        .joined(separator: ", ") + "]}"
    return Array(text.utf8)
}

let body = pythonDumps(seedRows)
// A large body: 1000 rows (~270 KB), the size the issue's "large bodies" row reads. Its MB/s is the
// reader's throughput; `ValidationBench large-body` measures only this (bench/run_heavy.py calls it).
let body1000 = pythonDumps(Array(repeating: seedRows, count: 500).flatMap { $0 })
// An extra key makes the fast reader decline, so this body measures the general path.
let generalBody = pythonDumps(seedRows, extra: "\"id\": 1, ")
// The body `make bench` sends (bench/wrk/predict.lua): two Boston housing rows, short numbers.
let bostonBody = Array(("{\"X\": [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98], "
    + "[0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14]]}").utf8)
let body100 = pythonDumps(Array(repeating: seedRows, count: 50).flatMap { $0 })
let reader = PredictBodyReader(featureCount: 13)

struct Observation: Decodable { let X: [[Double]] }

/// Nanoseconds per call: the median of 7 runs, each long enough (~0.15 s) to swamp timer cost.
func measure(_ name: String, _ work: () -> Int) -> Double {
    var iterations = 1
    var sink = 0
    while true {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { sink &+= work() }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        if elapsed > 20_000_000 { break }
        iterations *= 2
    }
    iterations *= 8
    var samples: [Double] = []
    for _ in 0..<7 {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { sink &+= work() }
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations))
    }
    let median = samples.sorted()[samples.count / 2]
    print(String(format: "%-52@ %10.0f ns", name as NSString, median) + (sink == 42 ? " " : ""))
    return median
}

func rows(_ result: Result<FeatureMatrix, ValidationFailure>) -> Int {
    if case .success(let matrix) = result { return matrix.rowCount }
    fatalError("benchmark body was rejected")
}

/// The fast reader's throughput on the 1000-row body, printed as "= N MB/s" (1 MB = 10^6 bytes).
func measureLargeBody() {
    let ns = measure("evserve fast reader, 1000x13 (\(body1000.count / 1000) KB)") {
        rows(reader.read(body1000, contentType: "application/json"))
    }
    print(String(format: "  = %.0f MB/s", Double(body1000.count) / ns * 1000))
}

if CommandLine.arguments.dropFirst().first == "large-body" {
    measureLargeBody()
    exit(0)
}

// `ValidationBench count BODY N`: the fast reader on one body (`2x13`, `boston` or `1000x13`) N times,
// untimed: a fixed amount of work for valgrind to count (instructions, and with `--branch-sim=yes` the
// simulated branch mispredictions, which timings on this machine cannot resolve).
if CommandLine.arguments.dropFirst().first == "count", CommandLine.arguments.count == 4,
   let times = Int(CommandLine.arguments[3]) {
    let bodies = ["2x13": body, "boston": bostonBody, "1000x13": body1000]
    guard let chosen = bodies[CommandLine.arguments[2]] else { print("bodies: 2x13, boston, 1000x13"); exit(2) }
    var total = 0
    for _ in 0..<times { total &+= rows(reader.read(chosen, contentType: "application/json")) }
    print("\(times) reads, \(total) rows")
    exit(0)
}

/// The fast reader on the two 2x13 bodies; ns for the README's example (the ratios below).
func measureSmallBodies() -> Double {
    let fast = measure("evserve fast reader, 2x13") { rows(reader.read(body, contentType: "application/json")) }
    _ = measure("evserve fast reader, 2x13 Boston rows (make bench's body)") { rows(reader.read(bostonBody, contentType: "application/json")) }
    return fast
}

// `ValidationBench fast-reader`: the fast reader alone, on the three bodies (to compare builds of it).
if CommandLine.arguments.dropFirst().first == "fast-reader" {
    _ = measureSmallBodies()
    measureLargeBody()
    exit(0)
}

print("body: 2x13, \(body.count) bytes; 100x13, \(body100.count) bytes; 1000x13, \(body1000.count) bytes")
let fast = measureSmallBodies()
let general = measure("evserve general path (JSON parse + validate), 2x13") {
    rows(reader.read(generalBody, contentType: "application/json"))
}
let parseOnly = measure("evserve JSONValue.parse only, 2x13") {
    (try? JSONValue.parse(body)) == nil ? 0 : 1
}
let data = Data(body)
let serialization = measure("Foundation JSONSerialization, 2x13") {
    ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?.count ?? 0
}
let decoder = JSONDecoder()
let decodable = measure("Foundation JSONDecoder (struct {X: [[Double]]}), 2x13") {
    (try? decoder.decode(Observation.self, from: data))?.X.count ?? 0
}
_ = measure("evserve fast reader, 100x13") { rows(reader.read(body100, contentType: "application/json")) }
measureLargeBody()
let data100 = Data(body100)
_ = measure("Foundation JSONSerialization, 100x13") {
    ((try? JSONSerialization.jsonObject(with: data100)) as? [String: Any])?.count ?? 0
}
let invalid = Array(#"{"X": [["testing", "data", "validation"]]}"#.utf8)
_ = measure("evserve 422 body for the README's invalid request") {
    if case .failure(let failure) = reader.read(invalid, contentType: "application/json") { return failure.body.count }
    return 0
}
_ = measure("JSONWriter, 2 predictions as Python floats") {
    var out: [UInt8] = []
    for y in [45.140628195389766, 36.78772305402535] { JSONWriter.appendFloat(y, to: &out) }
    return out.count
}
// The Inference helper reads model files with the same parser: one 600 KB file, whole.
let modelPath = String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
    + "/Tests/InferenceTests/Fixtures/gbr_boston.json"
if let model = FileManager.default.contents(atPath: "/" + modelPath) {
    let bytes = [UInt8](model)
    let ns = measure("JSONValue.parse, \(bytes.count / 1000) KB model file") {
        (try? JSONValue.parse(bytes))?["trees"]?.arrayValue?.count ?? 0
    }
    print(String(format: "  = %.0f MB/s", Double(bytes.count) / ns * 1000))
}
print(String(format: "fast reader: %.1fx faster than JSONSerialization, %.1fx faster than JSONDecoder",
             serialization / fast, decodable / fast))
print(String(format: "general path: %.1fx faster than JSONSerialization (parse alone %.0f ns)",
             serialization / general, parseOnly))
