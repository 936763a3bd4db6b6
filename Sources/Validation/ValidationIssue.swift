import JSON

/// One entry of FastAPI's 422 `detail` list, as pydantic 2 reports it through FastAPI:
/// `{"type", "loc", "msg", "input", "ctx"?}` in that key order.
struct ValidationIssue: Sendable, Equatable {
    enum LocationPart: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    let type: String
    let location: [LocationPart]
    let message: String
    let input: JSONValue
    let context: JSONObject?

    /// The issue as the JSON object FastAPI writes.
    var json: JSONValue {
        var object = JSONObject()
        object["type"] = .string(type)
        object["loc"] = .array(location.map {
            switch $0 {
            case .key(let key): return .string(key)
            case .index(let index): return .number(.integer(Int64(index)))
            }
        })
        object["msg"] = .string(message)
        object["input"] = input
        if let context { object["ctx"] = .object(context) }
        return .object(object)
    }
}

extension ValidationIssue {
    // The messages and contexts below are pydantic-core's for these error types (pydantic 2),
    // and FastAPI's own for `json_invalid`; they were checked against the oracle in tests/oracle.

    static func missing(_ location: [LocationPart], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "missing", location: location, message: "Field required", input: input, context: nil)
    }

    static func modelAttributesType(input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "model_attributes_type", location: [.key("body")],
                        message: "Input should be a valid dictionary or object to extract fields from",
                        input: input, context: nil)
    }

    static func jsonInvalid(_ error: JSONSyntaxError) -> ValidationIssue {
        ValidationIssue(type: "json_invalid", location: [.key("body"), .index(error.position)],
                        message: "JSON decode error", input: .object(JSONObject()),
                        context: JSONObject([("error", .string(error.message))]))
    }

    static func listType(_ location: [LocationPart], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "list_type", location: location, message: "Input should be a valid list",
                        input: input, context: nil)
    }

    static func tooShort(_ location: [LocationPart], input: JSONValue, minimum: Int, actual: Int) -> ValidationIssue {
        listLength("too_short", "at least", bound: ("min_length", minimum), location, input: input, actual: actual)
    }

    static func tooLong(_ location: [LocationPart], input: JSONValue, maximum: Int, actual: Int) -> ValidationIssue {
        listLength("too_long", "at most", bound: ("max_length", maximum), location, input: input, actual: actual)
    }

    /// pydantic's two list-length errors differ only in type, wording and the name of the bound.
    private static func listLength(_ type: String, _ comparison: String, bound: (name: String, value: Int),
                                   _ location: [LocationPart], input: JSONValue, actual: Int) -> ValidationIssue {
        ValidationIssue(
            type: type, location: location,
            message: "List should have \(comparison) \(bound.value) item\(bound.value == 1 ? "" : "s") after validation, not \(actual)",
            input: input,
            context: JSONObject([("field_type", .string("List")), (bound.name, .number(.integer(Int64(bound.value)))),
                                 ("actual_length", .number(.integer(Int64(actual))))]))
    }

    static func floatType(_ location: [LocationPart], input: JSONValue, note: String? = nil) -> ValidationIssue {
        ValidationIssue(type: "float_type", location: location,
                        message: "Input should be a valid number" + (note.map { "; \($0)" } ?? ""),
                        input: input, context: nil)
    }

    /// pydantic's entry for a required field absent from an object row (`input`: the row).
    static func missingFeature(_ location: [LocationPart], row: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "missing", location: location, message: "Field required", input: row, context: nil)
    }

    /// pydantic's entry for a key a model with `extra="forbid"` does not know.
    static func extraForbidden(_ location: [LocationPart], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "extra_forbidden", location: location, message: "Extra inputs are not permitted",
                        input: input, context: nil)
    }

    /// What FastAPI answers when a validator raises ValueError (`ctx.error` is the exception, which it
    /// writes as `{}`): here, a value scikit-learn's float32 cast turns into infinity.
    static func float32Overflow(_ location: [LocationPart], value: Double, estimator: String) -> ValidationIssue {
        ValidationIssue(type: "value_error", location: location,
                        message: "Value error, \(value) is too large for float32: \(estimator) casts inputs to float32 " +
                            "and scikit-learn refuses values beyond ±3.4028234663852886e+38 " +
                            "(\"Input contains infinity or a value too large for dtype('float32')\")",
                        input: .number(.float(value)), context: JSONObject([("error", .object(JSONObject()))]))
    }

    static func floatParsing(_ location: [LocationPart], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "float_parsing", location: location,
                        message: "Input should be a valid number, unable to parse string as a number",
                        input: input, context: nil)
    }

    static func finiteNumber(_ location: [LocationPart], input: JSONValue) -> ValidationIssue {
        ValidationIssue(type: "finite_number", location: location, message: "Input should be a finite number",
                        input: input, context: nil)
    }
}

extension ValidationFailure {
    /// FastAPI's 422 body for these issues: `{"detail":[...]}`.
    init(issues: [ValidationIssue]) {
        var body: [UInt8] = Array(#"{"detail":["#.utf8)
        for (index, issue) in issues.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            JSONWriter.append(issue.json, to: &body)
        }
        body.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: "}")])
        self.init(status: 422, body: body)
    }
}
