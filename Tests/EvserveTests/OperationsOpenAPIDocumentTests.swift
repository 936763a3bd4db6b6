import Testing
@testable import Evserve
import JSON

@Suite("OpenAPI document")
struct OperationsOpenAPIDocumentTests {
    let boston = ModelSummary(
        estimator: "GradientBoostingRegressor", featureCount: 13,
        featureNames: ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT"],
        treeCount: 100)

    /// The document as served: made from evserve's route table for `model`.
    private func document(for model: ModelSummary) -> JSONValue {
        OpenAPIDocument.document(for: model, operations: operations(for: model))
    }

    private func operations(for model: ModelSummary) -> [OpenAPIDocument.Operation] {
        EvserveRoutes(summary: model, store: ModelStore(), metrics: MetricsRegistry(model: model)).table.compactMap(\.documentation)
    }

    /// The document declares OpenAPI 3.1.0 and has an entry for every route the server answers.
    @Test func coversEveryRoute() throws {
        let doc = document(for: boston)
        #expect(doc["openapi"] == .string("3.1.0"))
        let paths = try #require(doc["paths"])
        #expect(paths["/"]?["get"] != nil)
        #expect(paths["/predict"]?["post"] != nil)
        for route in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"] {
            #expect(paths[route]?["get"] != nil, "missing GET \(route)")
        }
    }

    /// Observation.X requires at least one row, and every row exactly `featureCount` numbers.
    @Test func observationSchemaCarriesTheModelsLimits() throws {
        let model = ModelSummary(estimator: "GradientBoostingRegressor", featureCount: 7, featureNames: nil, treeCount: 3)
        let x = try #require(document(for: model)["components"]?["schemas"]?["Observation"]?["properties"]?["X"])
        #expect(x["type"] == .string("array"))
        #expect(x["minItems"] == .integer(1))
        #expect(x["items"]?["type"] == .string("array"))
        #expect(x["items"]?["minItems"] == .integer(7))
        #expect(x["items"]?["maxItems"] == .integer(7))
        #expect(x["items"]?["items"]?["type"] == .string("number"))
    }

    /// /predict answers 200 with a Prediction and 422 with FastAPI's HTTPValidationError.
    @Test func predictResponsesUseFastAPINames() throws {
        let doc = document(for: boston)
        let responses = try #require(doc["paths"]?["/predict"]?["post"]?["responses"])
        func schema(_ status: String) -> JSONValue? { responses[status]?["content"]?["application/json"]?["schema"] }
        #expect(schema("200") == ["$ref": "#/components/schemas/Prediction"])
        #expect(schema("422") == ["$ref": "#/components/schemas/HTTPValidationError"])
        let schemas = try #require(doc["components"]?["schemas"])
        #expect(schemas["HTTPValidationError"]?["properties"]?["detail"]?["items"]
            == ["$ref": "#/components/schemas/ValidationError"])
        #expect(schemas["ValidationError"]?["required"] == ["loc", "msg", "type"])
    }

    /// /readyz documents both the ready (200) and the not-ready (503) answer.
    @Test func readinessDocumentsBothAnswers() {
        let responses = document(for: boston)["paths"]?["/readyz"]?["get"]?["responses"]
        #expect(responses?["200"]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/Status"])
        #expect(responses?["503"]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/ErrorMessage"])
    }

    /// /predict also documents the not-JSON (400, FastAPI's "There was an error parsing the body"),
    /// body-too-large (413) and model-not-loaded (503) answers, as `{"detail": string}`.
    @Test func predictDocumentsServerErrors() throws {
        let responses = try #require(document(for: boston)["paths"]?["/predict"]?["post"]?["responses"])
        for status in ["400", "413", "503"] {
            #expect(responses[status]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/ErrorMessage"])
        }
        let message = document(for: boston)["components"]?["schemas"]?["ErrorMessage"]
        #expect(message?["required"] == ["detail"])
        #expect(message?["properties"]?["detail"]?["type"] == .string("string"))
    }

    /// A multiclass booster without class labels answers a row of probabilities per row of X (its
    /// library's predict), and its Prediction schema says so (schemathesis found it saying numbers).
    @Test func multiclassBoosterPredictsRowsOfProbabilities() throws {
        var model = ModelSummary(estimator: "Booster", featureCount: 4, featureNames: nil, treeCount: 30)
        model.valuesPerRow = 3
        let items = try #require(document(for: model)["components"]?["schemas"]?["Prediction"]?["properties"]?["y"]?["items"])
        #expect(items == ["items": ["type": "number"], "type": "array", "minItems": 3, "maxItems": 3])
        let single = document(for: boston)["components"]?["schemas"]?["Prediction"]?["properties"]?["y"]?["items"]
        #expect(single == ["type": "number"])
    }

    /// v2 model metadata documents the not-loaded answer (503, a V2Error), which it gives while the
    /// model trains or loads (schemathesis found it undocumented).
    @Test(arguments: [false, true])
    func v2MetadataDocumentsNotLoaded(versioned: Bool) {
        let responses = V2RouteDocs(summary: boston).modelMetadata(versioned: versioned)["responses"]
        #expect(responses?["503"]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/V2Error"])
    }

    /// A model that reads its inputs as float32 (XGBoost, LightGBM) refuses values past float32's
    /// range (422), and its row schema carries that range (schemathesis found the limit undocumented).
    @Test func float32ModelsDocumentTheirRange() throws {
        var model = ModelSummary(estimator: "Booster", featureCount: 2, featureNames: nil, treeCount: 3, acceptsMissing: true)
        model.float32Inputs = true
        let item = try #require(document(for: model)["components"]?["schemas"]?["Observation"]?["properties"]?["X"]?["items"]?["items"])
        let limit = Double(Float.greatestFiniteMagnitude)
        #expect(item == ["anyOf": [["type": "number", "minimum": .float(-limit), "maximum": .float(limit)], ["type": "null"]]])
        let reference = document(for: boston)["components"]?["schemas"]?["Observation"]?["properties"]?["X"]?["items"]?["items"]
        #expect(reference == ["type": "number"])
    }

    /// A v2 inference request's `outputs` and any `parameters` may be null, read as absent, as the
    /// server does (schemathesis found null outputs accepted against a schema that said array).
    @Test func v2RequestTakesNullOutputsAndParameters() throws {
        let schemas = try #require(document(for: boston)["components"]?["schemas"])
        let request = try #require(schemas["V2InferenceRequest"]?["properties"])
        #expect(request["outputs"]?["type"] == ["array", "null"])
        #expect(request["parameters"]?["type"] == ["object", "null"])
        #expect(schemas["V2RequestInput"]?["properties"]?["parameters"]?["type"] == ["object", "null"])
    }

    /// A repository load takes no parameter and an unload only `unload_dependents` (evserve refuses
    /// the rest with 400, which both document; schemathesis found the 400s undocumented).
    @Test func repositoryRequestsSayWhichParametersTheyTake() throws {
        let schemas = JSONValue.object(JSONObject(OpenAPIDocument.v2RepositorySchemas))
        let load = try #require(schemas["V2RepositoryLoadRequest"]?["properties"]?["parameters"])
        #expect(load["maxProperties"] == .integer(0))
        let unload = try #require(schemas["V2RepositoryUnloadRequest"]?["properties"]?["parameters"])
        #expect(unload["additionalProperties"] == .bool(false))
        #expect(unload["properties"]?["unload_dependents"] != nil)
        let docs = V2RepositoryDocs()
        #expect(docs.unload["requestBody"]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/V2RepositoryUnloadRequest"])
        for operation in [docs.load, docs.unload] {
            #expect(operation["responses"]?["400"]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/V2Error"])
        }
    }

    /// The /predict example has two rows, each as long as the model's feature count.
    @Test(arguments: [1, 5, 13, 30])
    func exampleRowsFitTheModel(featureCount: Int) throws {
        let model = ModelSummary(estimator: "GradientBoostingRegressor", featureCount: featureCount, featureNames: nil, treeCount: 1)
        let example = try #require(document(for: model)["paths"]?["/predict"]?["post"]?["requestBody"]?["content"]?["application/json"]?["example"])
        guard case let .array(rows)? = example["X"] else { Issue.record("example has no X array"); return }
        #expect(rows.count == 2)
        for row in rows {
            guard case let .array(values) = row else { Issue.record("row is not an array"); continue }
            #expect(values.count == featureCount)
        }
    }

    /// Feature names, when known, appear in the row description in model order.
    @Test func featureNamesAreListedInOrder() throws {
        let row = try #require(document(for: boston)["components"]?["schemas"]?["Observation"]?["properties"]?["X"]?["items"])
        guard case let .string(text)? = row["description"] else { Issue.record("no description"); return }
        #expect(text.contains("CRIM, ZN, INDUS, CHAS, NOX, RM, AGE, DIS, RAD, TAX, PTRATIO, B, LSTAT"))
    }

    /// Every `$ref` in the document points at a schema the document defines.
    @Test func everyReferenceResolves() throws {
        let doc = document(for: boston)
        guard case let .object(schemas)? = doc["components"]?["schemas"] else { Issue.record("no schemas"); return }
        let defined = Set(schemas.keys.map { "#/components/schemas/" + $0 })
        var refs: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case let .object(members):
                for (key, member) in members.pairs {
                    if key == "$ref", case let .string(target) = member { refs.append(target) } else { walk(member) }
                }
            case let .array(items): items.forEach(walk)
            default: break
            }
        }
        walk(doc)
        #expect(!refs.isEmpty)
        for ref in refs { #expect(defined.contains(ref), "dangling \(ref)") }
    }

    /// The served bytes are the document's JSON text, and a model name with quotes stays valid JSON.
    @Test func jsonEscapesModelText() {
        let odd = ModelSummary(estimator: "My \"odd\"\\model\n", featureCount: 2, featureNames: nil, treeCount: 1)
        let text = String(decoding: OpenAPIDocument.json(for: odd, operations: operations(for: odd)), as: UTF8.self)
        #expect(text.hasPrefix(#"{"openapi":"3.1.0","info":{"title":"evserve","#))
        #expect(text.contains(#"My \"odd\"\\model\n"#))
        #expect(!text.contains("\n"))
    }
}
