/// The OpenAPI 3.1 description of every evserve route, served at `GET /openapi.json`.
///
/// Schema shapes and names follow what FastAPI (0.165, pydantic 2) generates for the same API
/// (`Observation`, `Prediction`, `HTTPValidationError`, `ValidationError`), so clients generated
/// against the FastAPI service keep working. Built once at start-up, so nothing here is hot.
enum OpenAPIDocument {
    /// The document as compact JSON bytes.
    static func json(for model: ModelSummary, version: String = "1.0.0") -> [UInt8] {
        document(for: model, version: version).bytes
    }

    /// The document as a value, for tests and for `json(for:)`.
    static func document(for model: ModelSummary, version: String = "1.0.0") -> OpenAPIValue {
        .object([
            ("openapi", .string("3.1.0")),
            ("info", .object([
                ("title", .string("evserve")),
                ("summary", .string("Serves a \(model.estimator) model over HTTP.")),
                ("description", .string(
                    "Predictions from a \(model.estimator) with \(model.treeCount) trees over "
                        + "\(model.featureCount) features. Validation errors have the same shape as "
                        + "FastAPI's; /metrics is in Prometheus text format.")),
                ("version", .string(version)),
            ])),
            ("paths", paths(for: model)),
            ("components", .object([("schemas", schemas(for: model))])),
        ])
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

    // MARK: - Paths

    private static func paths(for model: ModelSummary) -> OpenAPIValue {
        let example = OpenAPIValue.object([
            ("X", .array(exampleRows(featureCount: model.featureCount).map { .array($0.map(OpenAPIValue.number)) })),
        ])
        return .object([
            ("/", .object([("get", operation(
                id: "index", tag: "model", summary: "Index",
                description: "Names the served model.",
                responses: [("200", response("Successful Response", media: "application/json", schema: .object([
                    ("type", .string("string")),
                    ("examples", .array([.string("Serving a \(model.estimator) model using evserve.")])),
                ])))]))])),
            ("/predict", .object([("post", operation(
                id: "predict", tag: "model", summary: "Predict",
                description: "Predicts one value per row of X, in row order.",
                requestBody: .object([
                    ("content", .object([("application/json", .object([
                        ("schema", ref("Observation")),
                        ("example", example),
                    ]))])),
                    ("required", .bool(true)),
                ]),
                responses: [
                    ("200", response("Successful Response", media: "application/json", schema: ref("Prediction"))),
                    ("413", response("Request body larger than the server's limit (--max-body-size)",
                                     media: "application/json", schema: ref("ErrorMessage"))),
                    ("422", response("Validation Error", media: "application/json", schema: ref("HTTPValidationError"))),
                    ("503", response("The model is not loaded yet", media: "application/json", schema: ref("ErrorMessage"))),
                ]))])),
            ("/healthz", .object([("get", operation(
                id: "healthz", tag: "operations", summary: "Liveness",
                description: "Answers while the event loop runs.",
                responses: [("200", response("The server is alive; the body is {\"status\": \"ok\"}.",
                                             media: "application/json", schema: ref("Status")))]))])),
            ("/readyz", .object([("get", operation(
                id: "readyz", tag: "operations", summary: "Readiness",
                description: "Ready once the model is loaded; not ready before that and while draining on shutdown.",
                responses: [
                    ("200", response("Ready to serve predictions; the body is {\"status\": \"ready\"}.",
                                     media: "application/json", schema: ref("Status"))),
                    ("503", response("Not ready: the model is loading or the server is draining.",
                                     media: "application/json", schema: ref("ErrorMessage"))),
                ]))])),
            ("/metrics", .object([("get", operation(
                id: "metrics", tag: "operations", summary: "Metrics",
                description: "Prometheus text exposition format 0.0.4.",
                responses: [("200", response("Metrics", media: "text/plain", schema: .object([("type", .string("string"))])))]))])),
            ("/openapi.json", .object([("get", operation(
                id: "openapi", tag: "documentation", summary: "OpenAPI document",
                description: "This document.",
                responses: [("200", response("OpenAPI 3.1 document", media: "application/json", schema: .object([("type", .string("object"))])))]))])),
            ("/docs", .object([("get", operation(
                id: "docs", tag: "documentation", summary: "Documentation page",
                description: "A self-contained HTML page that reads this document; it loads nothing from other hosts.",
                responses: [("200", response("HTML page", media: "text/html", schema: .object([("type", .string("string"))])))]))])),
        ])
    }

    private static func operation(
        id: String, tag: String, summary: String, description: String,
        requestBody: OpenAPIValue? = nil, responses: [(String, OpenAPIValue)]
    ) -> OpenAPIValue {
        var members: [(String, OpenAPIValue)] = [
            ("tags", .array([.string(tag)])),
            ("summary", .string(summary)),
            ("description", .string(description)),
            ("operationId", .string(id)),
        ]
        if let requestBody { members.append(("requestBody", requestBody)) }
        members.append(("responses", .object(responses)))
        return .object(members)
    }

    private static func response(_ description: String, media: String? = nil, schema: OpenAPIValue? = nil) -> OpenAPIValue {
        guard let media, let schema else { return .object([("description", .string(description))]) }
        return .object([
            ("description", .string(description)),
            ("content", .object([(media, .object([("schema", schema)]))])),
        ])
    }

    private static func ref(_ name: String) -> OpenAPIValue {
        .object([("$ref", .string("#/components/schemas/\(name)"))])
    }

    // MARK: - Schemas

    private static func schemas(for model: ModelSummary) -> OpenAPIValue {
        var rowDescription = "One observation: exactly \(model.featureCount) finite numbers"
        if let names = model.featureNames, names.count == model.featureCount {
            rowDescription += ", in this order: " + names.joined(separator: ", ")
        }
        rowDescription += "."
        let row = OpenAPIValue.object([
            ("items", .object([("type", .string("number"))])),
            ("type", .string("array")),
            ("maxItems", .integer(model.featureCount)),
            ("minItems", .integer(model.featureCount)),
            ("description", .string(rowDescription)),
        ])
        return .object([
            // The `{"detail": "..."}` body of evserve's other errors (FastAPI's HTTPException shape).
            ("ErrorMessage", .object([
                ("properties", .object([("detail", .object([("type", .string("string")), ("title", .string("Detail"))]))])),
                ("type", .string("object")),
                ("required", .array([.string("detail")])),
                ("title", .string("ErrorMessage")),
            ])),
            ("HTTPValidationError", .object([
                ("properties", .object([("detail", .object([
                    ("items", ref("ValidationError")),
                    ("type", .string("array")),
                    ("title", .string("Detail")),
                ]))])),
                ("type", .string("object")),
                ("title", .string("HTTPValidationError")),
            ])),
            ("Observation", .object([
                ("properties", .object([("X", .object([
                    ("items", row),
                    ("type", .string("array")),
                    ("minItems", .integer(1)),
                    ("title", .string("X")),
                ]))])),
                ("type", .string("object")),
                ("required", .array([.string("X")])),
                ("title", .string("Observation")),
            ])),
            ("Prediction", .object([
                ("properties", .object([("y", .object([
                    ("items", .object([("type", .string("number"))])),
                    ("type", .string("array")),
                    ("title", .string("Y")),
                    ("description", .string("One prediction per row of X, in the same order.")),
                ]))])),
                ("type", .string("object")),
                ("required", .array([.string("y")])),
                ("title", .string("Prediction")),
            ])),
            ("Status", .object([
                ("properties", .object([("status", .object([("type", .string("string")), ("title", .string("Status"))]))])),
                ("type", .string("object")),
                ("required", .array([.string("status")])),
                ("title", .string("Status")),
            ])),
            ("ValidationError", .object([
                ("properties", .object([
                    ("loc", .object([
                        ("items", .object([("anyOf", .array([
                            .object([("type", .string("string"))]),
                            .object([("type", .string("integer"))]),
                        ]))])),
                        ("type", .string("array")),
                        ("title", .string("Location")),
                    ])),
                    ("msg", .object([("type", .string("string")), ("title", .string("Message"))])),
                    ("type", .object([("type", .string("string")), ("title", .string("Error Type"))])),
                    ("input", .object([("title", .string("Input"))])),
                    ("ctx", .object([("type", .string("object")), ("title", .string("Context"))])),
                ])),
                ("type", .string("object")),
                ("required", .array([.string("loc"), .string("msg"), .string("type")])),
                ("title", .string("ValidationError")),
            ])),
        ])
    }
}
