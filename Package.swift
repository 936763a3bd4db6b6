// swift-tools-version:6.0
import PackageDescription

// evserve: a model-serving HTTP server on libev.
// Data path: CLibev (bytes in) -> HTTP1 (bytes -> requests) -> Evserve (routing) -> Validation (body -> matrix)
// -> Inference (matrix -> predictions) -> Evserve (predictions -> response bytes, with JSON's writer).
// docs/architecture.md is the map.
// Release builds skip Swift's dynamic exclusivity checks in evserve's own modules: the checks cost
// a measurable share of a /predict request in profiles, and the static checks (always on) plus the
// tests cover it.
let releaseSpeed: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "evserve",
    products: [
        .executable(name: "evserve", targets: ["Evserve"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // libev ships no pkg-config file; the module map links `ev` directly.
        .systemLibrary(name: "CLibev", providers: [.apt(["libev-dev"])]),
        // Python-compatible JSON: a reader that reports errors as Python's `json` module does, and the
        // one writer (json.dumps's output, as FastAPI sends it).
        .target(name: "JSON", swiftSettings: releaseSpeed),
        // HTTP/1.1 request framing: bytes -> requests. Strict RFC 9112 grammar; no I/O.
        .target(name: "HTTP1", swiftSettings: releaseSpeed),
        // The model: data set, training, prediction, model files. No I/O, no threads.
        .target(name: "Inference", dependencies: ["JSON", "CTreeKernels"], exclude: ["Data"], swiftSettings: releaseSpeed),
        // SIMD tree walks (AVX-512/AVX2, chosen at run time) for Inference's layouts; C for the intrinsics.
        .target(name: "CTreeKernels"),
        // Request body -> validated matrix, or FastAPI's exact 422/400 body.
        .target(name: "Validation", dependencies: ["JSON"], swiftSettings: releaseSpeed),
        .executableTarget(
            name: "Evserve",
            dependencies: [
                "CLibev", "HTTP1", "Inference", "Validation", "JSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: releaseSpeed
        ),
        .executableTarget(name: "InferenceBench", dependencies: ["Inference"], path: "bench/InferenceBench"),
        .executableTarget(name: "ParserBench", dependencies: ["HTTP1"], path: "bench/ParserBench"),
        // libFuzzer target for HTTP1 (fuzz/fuzz.mk builds it with -sanitize=fuzzer); a corpus replayer otherwise.
        .executableTarget(name: "HTTPFuzz", dependencies: ["HTTP1", "FuzzSupport"], path: "fuzz/http"),
        // libFuzzer target for model loading (every format, recognised by content): make fuzz-xgboost and
        // make fuzz-lightgbm run it from each format's seed files.
        .executableTarget(name: "ModelFileFuzz", dependencies: ["Inference", "FuzzSupport"], path: "fuzz/model-file"),
        // libFuzzer targets for the request readers: JSON's reader against Foundation's JSONSerialization,
        // the /predict body's fast reader against its general path, and the v2 inference request reader.
        .executableTarget(name: "JSONFuzz", dependencies: ["JSON", "FuzzSupport"], path: "fuzz/json"),
        .executableTarget(name: "PredictBodyFuzz", dependencies: ["Validation", "JSON", "FuzzSupport"], path: "fuzz/predict-body"),
        .executableTarget(name: "V2RequestFuzz", dependencies: ["Validation", "JSON", "FuzzSupport"], path: "fuzz/v2-request"),
        // The fuzz targets' shared driver entry and file replay.
        .target(name: "FuzzSupport", path: "fuzz/support"),
        .executableTarget(name: "ValidationBench", dependencies: ["Validation"], path: "bench/ValidationBench"),
        // Fixture reading and seeded randomness shared by the test suites.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "JSON", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "JSON", "TestSupport"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "TestSupport"]),
        .testTarget(name: "EvserveTests", dependencies: ["Evserve", "TestSupport"]),
    ]
)
