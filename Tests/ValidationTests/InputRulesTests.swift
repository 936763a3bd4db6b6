import JSON
import Testing
@testable import Validation

/// What an exported model's rules add to FastAPI's Observation, and that the reference rules add nothing.
@Suite struct InputRulesTests {
    static let names = ["a", "b", "c"]
    static let exported = PredictBodyReader(featureCount: 3, rules: InputRules(
        missingRefusal: "this model (X) does not accept missing values (null)", featureNames: names, float32Estimator: "X"))
    static let reference = PredictBodyReader(featureCount: 3)

    static func issues(_ reader: PredictBodyReader, _ body: String) throws -> [JSONValue] {
        guard case .failure(let failure) = reader.read(Array(body.utf8), contentType: nil) else {
            Issue.record("accepted \(body)")
            return []
        }
        #expect(failure.status == 422)
        return try #require(try JSONValue.parse(failure.body)["detail"]?.arrayValue)
    }

    /// Rows keyed by feature name read in the model's order, whatever the key order; arrays still read.
    @Test func rowsMayBeObjectsKeyedByName() throws {
        let matrix = try Self.exported.read(Array(#"{"X": [{"c": 3, "a": 1, "b": "2"}, [4, 5, 6]]}"#.utf8), contentType: nil).get()
        #expect(matrix.values == [1, 2, 3, 4, 5, 6])
    }

    /// A missing name is pydantic's `missing` at the name (input: the row); an unknown one `extra_forbidden`.
    @Test func missingAndUnknownNamesAreLocated() throws {
        let issues = try Self.issues(Self.exported, #"{"X": [[1, 2, 3], {"a": 1, "zz": 9, "c": null}]}"#)
        #expect(issues.map { $0["type"] } == ["missing", "float_type", "extra_forbidden"])
        #expect(issues.map { $0["loc"] } == [["body", "X", 1, "b"], ["body", "X", 1, "c"], ["body", "X", 1, "zz"]])
        #expect(issues[0]["input"] == ["a": 1, "zz": 9, "c": .null])
        #expect(issues[1]["msg"] == "Input should be a valid number; this model (X) does not accept missing values (null)")
        #expect(issues[2]["msg"] == "Extra inputs are not permitted" && issues[2]["input"] == 9)
    }

    /// The reference rules keep FastAPI's answers: an object row is `list_type`, null pydantic's bare `float_type`,
    /// and a value past float32 is a value.
    @Test func theReferenceRulesAddNothing() throws {
        let issues = try Self.issues(Self.reference, #"{"X": [{"a": 1, "b": 2, "c": 3}, [null, 1, 2]]}"#)
        #expect(issues.map { $0["type"] } == ["list_type", "float_type"])
        #expect(issues[1]["msg"] == "Input should be a valid number")
        #expect(try Self.reference.read(Array(#"{"X": [[1e39, 0, 0]]}"#.utf8), contentType: nil).get().values[0] == 1e39)
    }

    /// Values whose float32 rounding is infinite are refused where each sits; the largest float32 and
    /// values that round to it are not.
    @Test func valuesPastFloat32AreRefused() throws {
        let issues = try Self.issues(Self.exported, #"{"X": [[1, 2, 3], [0, -1e39, 3.5e38]]}"#)
        #expect(issues.map { $0["loc"] } == [["body", "X", 1, 1], ["body", "X", 1, 2]])
        #expect(issues[0]["type"] == "value_error" && issues[0]["input"] == .number(.float(-1e39)))
        #expect(issues[0]["ctx"] == ["error": [:]])
        let largest = Double(Float.greatestFiniteMagnitude)
        let body = "{\"X\": [[\(largest), \(largest.nextUp), -\(largest)]]}"
        #expect(try Self.exported.read(Array(body.utf8), contentType: nil).get().rowCount == 1)
    }
}
