import Testing
import JSON

/// The parser agrees with CPython's `json.loads` on every case that
/// tests/differential/make_json_cases.py recorded in tests/differential/json_cases.tsv.
@Suite struct PythonJSONFixtureTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let line: Int
        let input: [UInt8]
        let expected: String
        var testDescription: String { "json_cases.tsv line \(line)" }
    }

    static func cases() throws -> [Case] {
        let path = String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
        let text = try readFile("/" + path + "/tests/differential/json_cases.tsv")
        return text.split(separator: "\n").enumerated().map { index, line in
            let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            return Case(line: index + 1, input: hexBytes(fields[0]), expected: String(fields[1]))
        }
    }

    /// Every recorded input parses to the recorded value, or fails with the recorded message and position.
    @Test func matchesCPython() throws {
        let cases = try Self.cases()
        #expect(cases.count > 1000)
        for testCase in cases {
            #expect(Self.outcome(testCase.input) == testCase.expected, "\(testCase.testDescription)")
        }
    }

    static func outcome(_ input: [UInt8]) -> String {
        do {
            return "ok " + canonical(try JSONValue.parse(input))
        } catch {
            if error.kind == .undecodable { return "undecodable" }
            return "err \(error.message)|\(error.position)|\(error.line)|\(error.column)"
        }
    }

    /// The same text form as `canon` in make_json_cases.py.
    static func canonical(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(.integer(let int)): return String(int)
        case .number(.bigInteger(let digits)): return digits
        case .number(.float(let double)): return "F" + String(double.bitPattern, radix: 16)
        case .string(let string):
            return "S" + string.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: ",") + ";"
        case .array(let elements):
            return "[" + elements.map(canonical).joined(separator: ",") + "]"
        case .object(let object):
            return "{" + object.pairs.map { canonical(.string($0.key)) + ":" + canonical($0.value) }.joined(separator: ",") + "}"
        }
    }
}
