import JSON
import Testing
@testable import Validation

/// evserve's own choices where FastAPI gives no usable answer, and the reader's general rules.
/// (Answers FastAPI does give are checked against the oracle in OracleFixtureTests.)
@Suite struct PredictBodyReaderTests {
    static let reader = PredictBodyReader(featureCount: 13)
    static let row = "[" + (1...13).map(String.init).joined(separator: ", ") + "]"

    static func detail(_ failure: ValidationFailure) throws -> [JSONValue] {
        try #require(try JSONValue.parse(failure.body)["detail"]?.arrayValue)
    }

    static func containsNonFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): return !number.doubleValue.isFinite
        case .array(let elements): return elements.contains(where: containsNonFinite)
        case .object(let object): return object.values.contains(where: containsNonFinite)
        default: return false
        }
    }

    /// A body sent without Content-Type is read as JSON (deliberately unlike FastAPI).
    @Test func missingContentTypeMeansJSON() throws {
        let body = Array(#"{"X": [\#(Self.row)]}"#.utf8)
        let matrix = try Self.reader.read(body, contentType: nil).get()
        #expect(matrix == (try Self.reader.read(body, contentType: "application/json").get()))
        #expect(matrix.row(0) == (1...13).map(Double.init))
    }

    /// FastAPI's media-type rule: `application/json` or `application/*+json`, parameters and case ignored.
    @Test(arguments: [
        ("application/json", true), ("application/json; charset=utf-8", true), ("APPLICATION/JSON", true),
        ("  application/json  ;x=1", true), ("application/vnd.api+json", true), ("application/+json", true),
        ("text/plain", false), ("application/jsonx", false), ("application/json/x", false), ("json", false),
        ("", false), ("application /json", false), ("text/json", false), ("multipart/form-data", false),
    ])
    func jsonMediaTypes(contentType: String, isJSON: Bool) {
        #expect(ContentType.isJSON(contentType) == isJSON)
    }

    /// NaN, infinities and numbers that overflow are 422 `finite_number` in a body that is valid JSON
    /// (FastAPI itself answers 500 there), with the value echoed as a string.
    @Test(arguments: ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
    func nonFiniteNumbersAreFiniteNumberErrors(literal: String) throws {
        let body = Array(#"{"X": [[\#(literal), 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]]}"#.utf8)
        guard case .failure(let failure) = Self.reader.read(body, contentType: "application/json") else {
            Issue.record("accepted \(literal)")
            return
        }
        #expect(failure.status == 422)
        let issues = try Self.detail(failure)
        #expect(issues.count == 1)
        #expect(issues.first?["type"] == .string("finite_number"))
        #expect(issues.first?["msg"] == .string("Input should be a finite number"))
        let echoed = try #require(issues.first?["input"]?.stringValue)
        #expect(["NaN", "Infinity", "-Infinity"].contains(echoed))
        #expect(!Self.containsNonFinite(try JSONValue.parse(failure.body)))
    }

    /// A non-finite number echoed inside another error's input is written as a string too.
    @Test func nonFiniteInputsStayValidJSON() throws {
        let body = Array(#"{"x": NaN, "y": [Infinity, -Infinity]}"#.utf8)
        guard case .failure(let failure) = Self.reader.read(body, contentType: "application/json") else {
            Issue.record("accepted a body without X")
            return
        }
        let issues = try Self.detail(failure)
        #expect(issues.first?["type"] == .string("missing"))
        #expect(issues.first?["input"]?["y"] == .array([.string("Infinity"), .string("-Infinity")]))
        #expect(!Self.containsNonFinite(try JSONValue.parse(failure.body)))
    }

    /// A lone surrogate (which Swift strings cannot hold, and FastAPI cannot echo: it answers 500)
    /// is read as U+FFFD.
    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        let body = Array(#"{"X": [["\ud800"]]}"#.utf8)
        guard case .failure(let failure) = Self.reader.read(body, contentType: "application/json") else {
            Issue.record("accepted a string item")
            return
        }
        #expect(failure.status == 422)
        #expect(try Self.detail(failure).first?["input"] == .string("\u{FFFD}"))
    }

    /// Nesting deeper than 64 levels is refused with FastAPI's 400 for unparsable bodies
    /// (Python itself gives up somewhere near 950 levels, depending on its stack).
    @Test func deepNestingIsRefused() throws {
        let deep = Array(repeating: UInt8(ascii: "["), count: 65) + Array(repeating: UInt8(ascii: "]"), count: 65)
        guard case .failure(let failure) = Self.reader.read(deep, contentType: "application/json") else {
            Issue.record("accepted an array body")
            return
        }
        #expect(failure.status == 400)
        #expect(try JSONValue.parse(failure.body)["detail"] == .string("There was an error parsing the body"))
    }

    /// The row length comes from the model: another feature count changes what is accepted and the messages.
    @Test func featureCountComesFromTheModel() throws {
        let reader = PredictBodyReader(featureCount: 3)
        let matrix = try reader.read(Array(#"{"X": [[1, 2, 3], [4.5, "6", true]]}"#.utf8), contentType: nil).get()
        #expect(matrix.values == [1, 2, 3, 4.5, 6, 1])
        #expect(matrix.rowCount == 2 && matrix.featureCount == 3)
        guard case .failure(let failure) = reader.read(Array(#"{"X": [[1, 2]]}"#.utf8), contentType: nil) else {
            Issue.record("accepted a short row")
            return
        }
        let issue = try #require(try Self.detail(failure).first)
        #expect(issue["msg"] == .string("List should have at least 3 items after validation, not 2"))
        #expect(issue["ctx"]?["min_length"] == .number(.integer(3)))
    }
}
