import JSON

/// The OpenAPI 3.1 description of evserve's routes, served at `GET /openapi.json`.
///
/// Paths come from the route table (each `Route` carries its operation); this file holds the
/// document's frame, the shared schemas, and small builders the route declarations use. Schema
/// shapes and names follow what FastAPI (pydantic 2) generates for the same API (`Observation`,
/// `Prediction`, `HTTPValidationError`, `ValidationError`), so clients generated against the
/// FastAPI service keep working. Built once at start-up, so nothing here is hot.
enum OpenAPIDocument {
    /// One documented route: its method, path and OpenAPI operation object.
    typealias Operation = (method: HTTPMethod, path: String, operation: JSONValue)

    /// The document as compact JSON bytes.
    static func json(for model: ModelSummary, operations: [Operation], version: String = "1.0.0") -> [UInt8] {
        JSONWriter.bytes(document(for: model, operations: operations, version: version))
    }

    /// The document as a value, for tests and for `json(for:operations:)`.
    static func document(for model: ModelSummary, operations: [Operation], version: String = "1.0.0") -> JSONValue {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "evserve",
                "summary": "Serves a \(model.estimator) model over HTTP.",
                "description": """
                    Predictions from a \(model.estimator) with \(model.treeCount) trees over \
                    \(model.featureCount) features. Validation errors have the same shape as FastAPI's; \
                    /metrics is in Prometheus text format.
                    """,
                "version": .string(version),
            ],
            "paths": paths(operations),
            "components": ["schemas": addingV2Schemas(to: schemas(for: model))],
        ]
    }

    /// Paths in declaration order, each with its methods' operations.
    static func paths(_ operations: [Operation]) -> JSONValue {
        var paths = JSONObject()
        for (method, path, operation) in operations {
            var methods = paths[path]?.objectValue ?? JSONObject()
            methods[method.description.lowercased()] = operation
            paths[path] = .object(methods)
        }
        return .object(paths)
    }

    // MARK: - Builders for route declarations

    static func operation(id: String, tag: String, summary: String, description: String,
                          requestBody: JSONValue? = nil, responses: [(String, JSONValue)]) -> JSONValue {
        var members: JSONObject = ["tags": [.string(tag)], "summary": .string(summary),
                                   "description": .string(description), "operationId": .string(id)]
        if let requestBody { members["requestBody"] = requestBody }
        members["responses"] = .object(JSONObject(responses))
        return .object(members)
    }

    static func response(_ description: String, media: String, schema: JSONValue) -> JSONValue {
        ["description": .string(description), "content": .object([media: ["schema": schema]])]
    }

    /// A JSON response with a `{"detail": "..."}` body (evserve's non-validation errors).
    static func errorResponse(_ description: String) -> JSONValue {
        response(description, media: "application/json", schema: ref("ErrorMessage"))
    }

    static func ref(_ name: String) -> JSONValue {
        ["$ref": .string("#/components/schemas/\(name)")]
    }

    /// A required JSON request body with its schema and one example.
    static func jsonRequestBody(schema: JSONValue, example: JSONValue) -> JSONValue {
        ["content": ["application/json": ["schema": schema, "example": example]], "required": true]
    }

    /// Example request rows: two real rows of the Boston housing data when the model has its 13
    /// features (rows 1 and 2 of the original StatLib `boston` file), else two rows of plain
    /// numbers of the right length.
    static func exampleRows(featureCount: Int) -> [[Double]] {
        if featureCount == 13 {
            return [
                [0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98],
                [0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14],
            ]
        }
        return (0..<2).map { row in (0..<featureCount).map { Double(($0 + row) % 10) / 2 } }
    }

    // MARK: - Schemas

    private static func schemas(for model: ModelSummary) -> JSONValue {
        var rowDescription = "One observation: exactly \(model.featureCount) finite numbers"
            + (model.acceptsMissing ? " or nulls (a null is a missing value)" : "")
        if let names = model.featureNames, names.count == model.featureCount {
            rowDescription += ", in this order: " + names.joined(separator: ", ")
        }
        rowDescription += "."
        var number: JSONValue = ["type": "number"]
        if model.float32Inputs {
            // The library casts inputs to float32 and refuses what does not fit (422 from the server).
            let limit = Double(Float.greatestFiniteMagnitude)
            number = ["type": "number", "minimum": .float(-limit), "maximum": .float(limit)]
        }
        let item: JSONValue = model.acceptsMissing ? ["anyOf": [number, ["type": "null"]]] : number
        var row: JSONValue = [
            "items": item,
            "type": "array",
            "maxItems": .integer(model.featureCount),
            "minItems": .integer(model.featureCount),
            "description": .string(rowDescription),
        ]
        if model.rowsByName, let names = model.featureNames {
            // A row may also name its values: every feature, no other key (pydantic's extra="forbid").
            let byName: JSONValue = [
                "properties": .object(JSONObject(names.map { ($0, item) })),
                "type": "object",
                "required": .array(names.map { .string($0) }),
                "additionalProperties": false,
                "description": "One observation keyed by feature name (the model was fitted on a DataFrame).",
            ]
            row = ["anyOf": [row, byName]]
        }
        return [
            // The `{"detail": "..."}` body of evserve's other errors (FastAPI's HTTPException shape).
            "ErrorMessage": [
                "properties": ["detail": ["type": "string", "title": "Detail"]],
                "type": "object",
                "required": ["detail"],
                "title": "ErrorMessage",
            ],
            "HTTPValidationError": [
                "properties": ["detail": ["items": ref("ValidationError"), "type": "array", "title": "Detail"]],
                "type": "object",
                "title": "HTTPValidationError",
            ],
            "Observation": [
                "properties": ["X": ["items": row, "type": "array", "minItems": 1, "title": "X"]],
                "type": "object",
                "required": ["X"],
                "title": "Observation",
            ],
            "Prediction": [
                "properties": ["y": [
                    "items": labelSchema(model),
                    "type": "array",
                    "title": "Y",
                    "description": model.isClassifier
                        ? "One class label per row of X, in the same order; the labels are the model's classes: \(classList(model))."
                        : model.valuesPerRow > 1
                        ? "Per row of X, in the same order, each class's probability (\(model.valuesPerRow) classes)."
                        : "One prediction per row of X, in the same order.",
                ]],
                "type": "object",
                "required": ["y"],
                "title": "Prediction",
            ],
            "Probabilities": [
                "properties": ["y": [
                    "items": ["items": ["type": "number"], "type": "array",
                              "minItems": .integer(model.classes?.count ?? 0), "maxItems": .integer(model.classes?.count ?? 0)],
                    "type": "array",
                    "title": "Y",
                    "description": "Per row of X, each class's probability, in the order of the classes: \(classList(model)).",
                ]],
                "type": "object",
                "required": ["y"],
                "title": "Probabilities",
            ],
            "Status": [
                "properties": ["status": ["type": "string", "title": "Status"]],
                "type": "object",
                "required": ["status"],
                "title": "Status",
            ],
            "ValidationError": [
                "properties": [
                    "loc": [
                        "items": ["anyOf": [["type": "string"], ["type": "integer"]]],
                        "type": "array",
                        "title": "Location",
                    ],
                    "msg": ["type": "string", "title": "Message"],
                    "type": ["type": "string", "title": "Error Type"],
                    "input": ["title": "Input"],
                    "ctx": ["type": "object", "title": "Context"],
                ],
                "type": "object",
                "required": ["loc", "msg", "type"],
                "title": "ValidationError",
            ],
        ]
    }

    /// The JSON type of one row's output: a number for regressors, an array of probabilities for a
    /// multiclass booster, the type of the class labels otherwise.
    private static func labelSchema(_ model: ModelSummary) -> JSONValue {
        switch model.classes?.first {
        case .none where model.valuesPerRow > 1:
            // A multiclass booster without labels answers a row of probabilities, as its library's predict.
            return ["items": ["type": "number"], "type": "array",
                    "minItems": .integer(model.valuesPerRow), "maxItems": .integer(model.valuesPerRow)]
        case .none: return ["type": "number"]
        case .some(.string): return ["type": "string", "enum": .array(model.classes!)]
        case .some(.bool): return ["type": "boolean"]
        case .some(.number(let first)) where first.isInteger: return ["type": "integer", "enum": .array(model.classes!)]
        case .some: return ["type": "number", "enum": .array(model.classes!)]
        }
    }

    private static func classList(_ model: ModelSummary) -> String {
        (model.classes ?? []).map { String(decoding: JSONWriter.bytes($0), as: UTF8.self) }.joined(separator: ", ")
    }
}
