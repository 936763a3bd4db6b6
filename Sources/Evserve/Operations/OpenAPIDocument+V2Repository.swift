import JSON

/// The OpenAPI description of Triton's `model_repository` extension (`V2RepositoryRoutes`).
struct V2RepositoryDocs: Sendable {
    private typealias Doc = OpenAPIDocument
    private static let tag = "model repository (v2)"

    private func json(_ description: String, _ schema: String) -> JSONValue {
        Doc.response(description, media: "application/json", schema: Doc.ref(schema))
    }

    private func body(_ schema: String) -> JSONValue {
        ["required": false, "content": ["application/json": ["schema": Doc.ref(schema)]]]
    }

    var index: JSONValue {
        Doc.operation(id: "v2_repository_index", tag: Self.tag, summary: "Repository index",
                      description: "Every model version in the repository or loaded, with its state (READY, LOADING, UNAVAILABLE) and why it is not ready.",
                      requestBody: body("V2RepositoryIndexRequest"),
                      responses: [("200", json("The index", "V2RepositoryIndex")), ("400", json("The body is not an index request", "V2Error"))])
    }

    var load: JSONValue {
        Doc.operation(id: "v2_repository_model_load", tag: Self.tag, summary: "Load a model",
                      description: """
                          Reads the model's directory again and loads each version; new requests see a version once it \
                          has loaded, requests under way finish on the model they started with. A version that fails \
                          to load keeps the model it served before. Needs --model-control explicit.
                          """,
                      requestBody: body("V2RepositoryLoadRequest"),
                      responses: [("200", json("Loaded", "V2Empty")),
                                  ("400", json("The body is not a load request, or a version failed to load; the message says which and why", "V2Error")),
                                  ("403", json("Model control is off (start with --model-control explicit)", "V2Error")),
                                  ("404", json("No such model in the repository", "V2Error"))])
    }

    var unload: JSONValue {
        Doc.operation(id: "v2_repository_model_unload", tag: Self.tag, summary: "Unload a model",
                      description: "Stops serving the model; requests under way finish first. Needs --model-control explicit.",
                      requestBody: body("V2RepositoryUnloadRequest"),
                      responses: [("200", json("Unloaded", "V2Empty")),
                                  ("400", json("The body is not an unload request; the message says why", "V2Error")),
                                  ("403", json("Model control is off (start with --model-control explicit)", "V2Error")),
                                  ("404", json("The model is not loaded", "V2Error"))])
    }
}

extension OpenAPIDocument {
    static var v2RepositorySchemas: [(String, JSONValue)] {
        [
            ("V2Empty", ["type": "object", "title": "V2Empty"]),
            ("V2RepositoryIndexRequest", object("V2RepositoryIndexRequest", [("ready", ["type": "boolean"])], required: [])),
            // evserve loads only what its repository holds: Triton's `config` and `file:` parameters are
            // refused (400), so a load takes no parameter and an unload only `unload_dependents`.
            ("V2RepositoryLoadRequest", object("V2RepositoryLoadRequest", [
                ("parameters", ["type": "object", "maxProperties": 0, "description": "No parameter is supported: evserve loads models only from its repository."]),
            ], required: [])),
            ("V2RepositoryUnloadRequest", object("V2RepositoryUnloadRequest", [
                ("parameters", ["type": "object", "properties": ["unload_dependents": [:]], "additionalProperties": false,
                                "description": "Only unload_dependents, which changes nothing here (evserve has no ensembles)."]),
            ], required: [])),
            ("V2RepositoryModel", object("V2RepositoryModel", [
                ("name", ["type": "string"]), ("version", ["type": "string"]),
                ("state", ["type": "string", "enum": ["READY", "LOADING", "UNAVAILABLE"]]), ("reason", ["type": "string"]),
            ], required: ["name", "state"])),
            ("V2RepositoryIndex", ["type": "array", "title": "V2RepositoryIndex", "items": ref("V2RepositoryModel")]),
        ]
    }
}
