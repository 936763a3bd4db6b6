import Glibc
import Logging
import Testing
@testable import Evserve

/// A repository directory under /tmp, removed at the end of the test.
final class TemporaryRepository {
    let path: String

    init() {
        var template = Array("/tmp/evserve-repo-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { _ = system("rm -rf '\(path)'") }

    func make(_ relative: String) { _ = system("mkdir -p '\(path)/\(relative)'") }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        if let slash = relative.lastIndex(of: "/") { make(String(relative[..<slash])) }
        try ModelFiles.write(bytes, to: path + "/" + relative)
    }
}

/// Scanning Triton's layout, and loading from it with failures that keep what was served.
@Suite struct ModelRepositoryTests {
    /// Models are directories, versions positive-integer directories holding one file; the rest is skipped.
    @Test func scanFollowsTritonsLayout() throws {
        let repository = TemporaryRepository()
        try repository.write("a/1/model.json", [1])
        try repository.write("a/2/model.json", [2])
        try repository.write("a/0/model.json", [0])          // not a positive integer
        try repository.write("a/01/model.json", [0])         // not written as an integer
        try repository.write("a/notes/x", [0])               // not a version
        try repository.write(".staging/a-1", [0])            // hidden
        try repository.write("README", [0])                  // a file, not a model
        try repository.write("b/1/one.json", [1])
        try repository.write("b/1/two.json", [2])            // two files: this version is broken
        repository.make("c/1")                               // no file: broken too
        let models = try ModelRepository(directory: repository.path).scan()
        #expect(models.keys.sorted() == ["a", "b", "c"])
        #expect(models["a"]!.mapValues { try? $0.get() } == [1: repository.path + "/a/1/model.json", 2: repository.path + "/a/2/model.json"])
        #expect(models["b"]![1]!.failure?.description == "\(repository.path)/b/1 must hold exactly one model file; it holds 2")
        #expect(models["c"]![1]!.failure?.description == "\(repository.path)/c/1 must hold exactly one model file; it holds 0")
    }

    /// A load with a broken file keeps the version's model, records why, and says so; a good file then replaces it.
    @Test func failedLoadKeepsTheServedModel() throws {
        let repository = TemporaryRepository()
        try repository.write("m/1/model.json", stumpModelFile(base: 1))
        let store = ModelStore(defaultModelName: "m")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let metrics = MetricsRegistry()
        let updater = ModelUpdater(source: .repository(ModelRepository(directory: repository.path)), store: store, metrics: metrics, logger: logger)
        #expect(updater.rescan().isEmpty)
        try repository.write("m/1/model.json", Array("{".utf8))
        let failure = updater.load("m").failure
        #expect(failure?.status == 400)
        #expect(failure?.message.hasPrefix("failed to load: model 'm' version 1: ") == true)
        #expect(store.defaultModel?.model.predict([0, 0], rowCount: 1) == [1 - 0.1])
        #expect(store.versions("m")?[1]?.reason != nil)
        #expect(String(decoding: metrics.render(models: store.metricsStatus), as: UTF8.self)
            .contains(#"evserve_model_loads_total{model="m",result="failure"} 1"#))
        try repository.write("m/1/model.json", stumpModelFile(base: 2))
        #expect(updater.load("m").failure == nil)
        #expect(store.defaultModel?.model.predict([0, 0], rowCount: 1) == [2 - 0.1])
        #expect(store.versions("m")?[1]?.reason == nil)
        #expect(updater.load("other").failure?.status == 404)
    }
}
