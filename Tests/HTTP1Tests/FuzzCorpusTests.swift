import Glibc
import Testing
import TestSupport

/// The fuzzer's seed corpus (fuzz/corpus/http), replayed as unit tests: each seed is 4 bytes that
/// choose the fuzzer's split into reads, then the byte stream.
@Suite struct FuzzCorpusTests {
    static let folder = repositoryRoot() + "/fuzz/corpus/http"

    static func seedNames() -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    /// The corpus holds the valid, pipelined and chunked seeds and all eight smuggling cases of issue 9.
    @Test func corpusIsComplete() {
        let names = Self.seedNames()
        #expect(names.filter { $0.hasPrefix("smuggle-") }.count == 8)
        #expect(names.contains("pipelined") && names.contains("chunked"))
    }

    /// Every seed gives the same result whole, byte by byte and in 7-byte reads; smuggling seeds are
    /// 400 with nothing parsed after them, valid seeds parse completely.
    @Test(arguments: seedNames())
    func seedHoldsTheInvariants(name: String) throws {
        let stream = Array(try readBytes(Self.folder + "/" + name).dropFirst(4))
        let whole = ParserRun(stream)
        #expect(ParserRun(stream, pieces: Array(repeating: 1, count: stream.count)) == whole)
        #expect(ParserRun(stream, pieces: Array(repeating: 7, count: stream.count)) == whole)
        #expect(!whole.requests.contains { $0.path == "/smuggled" && name.hasPrefix("smuggle-") })
        if name.hasPrefix("smuggle-") { #expect(whole.statuses == 400) }
        if name.hasPrefix("valid-") || name.hasPrefix("pipelined") || name.hasPrefix("chunked") {
            #expect(whole.failure == nil)
            #expect(whole.requests.last?.end == stream.count)
        }
    }
}
