import JSON
import Validation

/// The OpenAPI description of the v2 (Open Inference Protocol) routes: their operations, and the
/// protocol's objects as schemas (prefixed `V2`), shaped as the protocol's REST spec writes them.
struct V2RouteDocs: Sendable {
    let summary: ModelSummary

    private typealias Doc = OpenAPIDocument
    private static let tag = "open inference protocol (v2)"

    private func json(_ description: String, _ schema: String) -> JSONValue {
        Doc.response(description, media: "application/json", schema: Doc.ref(schema))
    }

    private var unknownModel: (String, JSONValue) { ("404", json("Unknown model or version", "V2Error")) }

    private func operation(_ id: String, _ summary: String, _ description: String, versioned: Bool,
                           requestBody: JSONValue? = nil, _ responses: [(String, JSONValue)]) -> JSONValue {
        let suffix = versioned ? " (a version)" : ""
        let more = versioned ? "" : " Without a version, the highest version answers."
        return Doc.operation(id: versioned ? id + "_version" : id, tag: Self.tag, summary: summary + suffix,
                             description: description + more, requestBody: requestBody, responses: responses)
    }

    var serverMetadata: JSONValue {
        Doc.operation(id: "v2_server_metadata", tag: Self.tag, summary: "Server metadata",
                      description: "The server's name, version and the protocol extensions it implements.",
                      responses: [("200", json("Server metadata", "V2ServerMetadata"))])
    }

    var live: JSONValue {
        Doc.operation(id: "v2_server_live", tag: Self.tag, summary: "Server live",
                      description: "Answers while the event loop runs.",
                      responses: [("200", json("Live", "V2Live"))])
    }

    var ready: JSONValue {
        Doc.operation(id: "v2_server_ready", tag: Self.tag, summary: "Server ready",
                      description: "Ready once every model is loaded; not ready before that and while draining on shutdown.",
                      responses: [("200", json("Ready", "V2Ready")), ("503", json("Not ready", "V2Ready"))])
    }

    func modelMetadata(versioned: Bool) -> JSONValue {
        operation("v2_model_metadata", "Model metadata",
                  "The model's input (rows of features, -1 for the batch dimension) and outputs.",
                  versioned: versioned, [("200", json("Model metadata", "V2ModelMetadata")), unknownModel,
                                         ("503", json("The model is not loaded yet", "V2Error"))])
    }

    func modelReady(versioned: Bool) -> JSONValue {
        operation("v2_model_ready", "Model ready", "Whether the model is loaded; after a failed load, why (a failed reload keeps the version served before, so it stays ready).",
                  versioned: versioned, [("200", json("Ready", "V2ModelReady")), ("503", json("Not ready", "V2ModelReady")), unknownModel])
    }

    func infer(versioned: Bool) -> JSONValue {
        let rows = Doc.exampleRows(featureCount: summary.featureCount)
        let example: JSONValue = [
            "id": "1",
            "inputs": [[
                "name": .string(V2ModelSignature.defaultInputName), "datatype": "FP64",
                "shape": [.integer(rows.count), .integer(summary.featureCount)],
                "data": .array(rows.flatMap { $0 }.map(JSONValue.float)),
            ]],
        ]
        let binary: JSONValue = ["schema": ["type": "string", "format": "binary"]]
        let body: JSONValue = [
            "required": true,
            "content": [
                "application/json": ["schema": Doc.ref("V2InferenceRequest"), "example": example],
                // Triton's binary tensor data extension: the JSON request, then the tensors' bytes.
                "application/octet-stream": binary,
            ],
        ]
        let success: JSONValue = [
            "description": "Predictions; with binary outputs, the JSON response then their bytes (Inference-Header-Content-Length gives the JSON's length).",
            "content": ["application/json": ["schema": Doc.ref("V2InferenceResponse")], "application/octet-stream": binary],
        ]
        return operation("v2_model_infer", "Inference",
                         "Predicts one value per row of the input tensor [rows, \(summary.featureCount)], sent as JSON data or as binary tensor data.",
                         versioned: versioned, requestBody: body,
                         [("200", success), ("400", json("The request is not a valid inference request; the message says why", "V2Error")),
                          unknownModel, ("413", Doc.errorResponse("Request body larger than the server's limit (--max-body-size)")),
                          ("503", json("The model is not loaded yet", "V2Error"))])
    }
}

extension OpenAPIDocument {
    /// The v2 protocol's objects, added to the document's schemas.
    static func addingV2Schemas(to schemas: JSONValue) -> JSONValue {
        guard var members = schemas.objectValue else { return schemas }
        for (name, schema) in v2Schemas + v2RepositorySchemas { members[name] = schema }
        return .object(members)
    }

    static func object(_ title: String, _ properties: [(String, JSONValue)], required: [String]) -> JSONValue {
        ["type": "object", "title": .string(title), "properties": .object(JSONObject(properties)),
         "required": .array(required.map(JSONValue.string))]
    }

    private static let strings: JSONValue = ["type": "array", "items": ["type": "string"]]
    private static let shape: JSONValue = ["type": "array", "items": ["type": "integer"]]
    // A null `parameters` or `outputs` is read as absent (as KServe's and MLServer's Optional fields are).
    private static let parameters: JSONValue = ["type": ["object", "null"], "additionalProperties": true,
                                                "description": "Key/value parameters; evserve reads binary_data_output, binary_data_size and binary_data. null is the same as absent."]
    private static let datatype: JSONValue = ["type": "string", "enum": .array(V2Datatype.allCases.map { .string($0.rawValue) })]

    private static var v2Schemas: [(String, JSONValue)] {
        [
            ("V2Error", object("V2Error", [("error", ["type": "string"])], required: ["error"])),
            ("V2ServerMetadata", object("V2ServerMetadata", [("name", ["type": "string"]), ("version", ["type": "string"]),
                                                             ("extensions", strings)], required: ["name", "version", "extensions"])),
            ("V2Live", object("V2Live", [("live", ["type": "boolean"])], required: ["live"])),
            ("V2Ready", object("V2Ready", [("ready", ["type": "boolean"])], required: ["ready"])),
            ("V2ModelReady", object("V2ModelReady", [("name", ["type": "string"]), ("ready", ["type": "boolean"]),
                                                     ("reason", ["type": "string", "description": "Why the last load of the model failed, if it did."])],
                                   required: ["name", "ready"])),
            ("V2MetadataTensor", object("V2MetadataTensor", [("name", ["type": "string"]), ("datatype", datatype),
                                                             ("shape", shape)], required: ["name", "datatype", "shape"])),
            ("V2ModelMetadata", object("V2ModelMetadata", [
                ("name", ["type": "string"]), ("versions", strings), ("platform", ["type": "string"]),
                ("inputs", ["type": "array", "items": ref("V2MetadataTensor")]),
                ("outputs", ["type": "array", "items": ref("V2MetadataTensor")]),
            ], required: ["name", "platform", "inputs", "outputs"])),
            ("V2RequestInput", object("V2RequestInput", [
                ("name", ["type": "string"]), ("shape", shape), ("datatype", datatype), ("parameters", parameters),
                ("data", ["type": "array", "items": [:], "description": "Row-major elements, flat or nested as the shape; absent when binary_data_size is given."]),
            ], required: ["name", "shape", "datatype"])),
            ("V2RequestOutput", object("V2RequestOutput", [("name", ["type": "string"]), ("parameters", parameters)], required: ["name"])),
            ("V2InferenceRequest", object("V2InferenceRequest", [
                ("id", ["type": "string"]), ("parameters", parameters),
                ("inputs", ["type": "array", "items": ref("V2RequestInput"), "minItems": 1]),
                ("outputs", ["type": ["array", "null"], "items": ref("V2RequestOutput"), "description": "null is the same as absent: every output."]),
            ], required: ["inputs"])),
            ("V2ResponseOutput", object("V2ResponseOutput", [
                ("name", ["type": "string"]), ("shape", shape), ("datatype", datatype), ("parameters", parameters),
                ("data", ["type": "array", "items": [:]]),
            ], required: ["name", "shape", "datatype"])),
            ("V2InferenceResponse", object("V2InferenceResponse", [
                ("model_name", ["type": "string"]), ("model_version", ["type": "string"]), ("id", ["type": "string"]),
                ("parameters", parameters), ("outputs", ["type": "array", "items": ref("V2ResponseOutput")]),
            ], required: ["model_name", "outputs"])),
        ]
    }
}
