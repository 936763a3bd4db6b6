import Testing
@testable import Validation

/// For every body of the differential corpus, the reader gives the answer the FastAPI oracle
/// gave (recorded by tests/differential/make_validation_cases.py in validation_cases.tsv):
/// the same status and byte-identical body for errors, the same Doubles for valid bodies.
@Suite struct OracleFixtureTests {
    struct Case: Sendable {
        let name: String
        let body: [UInt8]
        let contentType: String?
        let status: Int
        let expected: String
    }

    static let cases: [Case] = {
        guard let text = try? readFile(repositoryRoot() + "/tests/differential/validation_cases.tsv") else { return [] }
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false)
            return Case(name: String(f[0]), body: hexBytes(f[1]),
                        contentType: f[2] == "-" ? nil : String(f[2].dropFirst()),
                        status: Int(f[3])!, expected: String(f[4]))
        }
    }()

    static let reader = PredictBodyReader(featureCount: 13)

    /// The fixture is there and holds the whole corpus.
    @Test func fixtureIsComplete() {
        #expect(Self.cases.count >= 60)
        #expect(Self.cases.contains { $0.status == 200 })
        #expect(Self.cases.contains { $0.status == 400 })
    }

    /// Each case answers as the oracle did.
    @Test(arguments: cases.map(\.name))
    func answersAsTheOracle(name: String) throws {
        let testCase = try #require(Self.cases.first { $0.name == name })
        switch Self.reader.read(testCase.body, contentType: testCase.contentType) {
        case .success(let matrix):
            #expect(testCase.status == 200, "accepted a body the oracle answers with \(testCase.status)")
            let bits = matrix.values.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
            #expect(bits == testCase.expected)
            #expect(matrix.featureCount == 13)
            #expect(matrix.values.count == matrix.rowCount * 13)
        case .failure(let failure):
            #expect(failure.status == testCase.status)
            #expect(String(decoding: failure.body, as: UTF8.self) == testCase.expected)
        }
    }

    /// The fast path and the general path agree on every corpus body.
    @Test func fastPathAgreesOnCorpus() {
        for testCase in Self.cases where testCase.contentType.map({ $0.hasPrefix("application/json") }) ?? true {
            guard let fast = Self.reader.readFast(testCase.body) else { continue }
            #expect(Self.reader.readGeneral(testCase.body) == .success(fast), "\(testCase.name)")
        }
    }
}
