import JSON

/// The admin listener's own OpenAPI document (`--admin-port`): the repository API and `/metrics`,
/// which leave the public port's document when they move there, so a client of either port finds
/// what that port serves. Built once at start-up from the admin route table.
extension OpenAPIDocument {
    /// The operation of the admin listener's `GET /openapi.json`.
    static let adminOpenAPIOperation = operation(
        id: "admin_openapi", tag: "documentation", summary: "OpenAPI document (admin listener)",
        description: "This document: the routes of the admin listener only.",
        responses: [("200", response("OpenAPI 3.1 document", media: "application/json", schema: ["type": "object"]))])

    /// The document as compact JSON bytes.
    static func adminJSON(operations: [Operation], version: String = "1.0.0") -> [UInt8] {
        JSONWriter.bytes(adminDocument(operations: operations, version: version))
    }

    static func adminDocument(operations: [Operation], version: String = "1.0.0") -> JSONValue {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "evserve admin",
                "summary": "The model repository API and metrics, on the admin listener.",
                "description": """
                    Served on --admin-host/--admin-port only (loopback by default), so a public port never \
                    exposes them: Triton's model repository extension (index, load, unload; load and unload \
                    need --model-control explicit) and /metrics in Prometheus text format.
                    """,
                "version": .string(version),
            ],
            "paths": paths(operations),
            "components": ["schemas": adminSchemas],
        ]
    }

    /// The repository API's schemas and the protocol's error body, which its responses use.
    private static var adminSchemas: JSONValue {
        let used = Set(["V2Error"] + v2RepositorySchemas.map(\.0))
        let all = addingV2Schemas(to: .object(JSONObject())).objectValue ?? JSONObject()
        return .object(JSONObject(all.pairs.filter { used.contains($0.key) }.map { ($0.key, $0.value) }))
    }
}
