"""GET /openapi.json: a valid OpenAPI 3.1 document that describes what the running server does.

The document is checked with openapi-spec-validator, then held against the server itself: the
example it gives is accepted, rows one number too short or too long and an empty X are refused
exactly where the schema's limits say, and real 200 and 422 bodies match the response schemas.
"""
from __future__ import annotations

import pytest
import requests
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from evserve_server import running_evserve

ROUTES = {
    "/": "get", "/predict": "post", "/healthz": "get", "/readyz": "get",
    "/metrics": "get", "/openapi.json": "get", "/docs": "get",
}


@pytest.fixture(scope="module")
def server():
    with running_evserve() as (url, proc):
        yield url


@pytest.fixture(scope="module")
def spec(server):
    response = requests.get(server + "/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def schema_validator(spec, name: str) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) for components/schemas/<name>."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]})


def row_limits(spec) -> tuple[int, int, int]:
    x = spec["components"]["schemas"]["Observation"]["properties"]["X"]
    return x["minItems"], x["items"]["minItems"], x["items"]["maxItems"]


def test_document_is_valid_openapi_3_1(spec):
    """openapi-spec-validator accepts the document as OpenAPI 3.1."""
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_document_lists_every_route(spec):
    """Every route the server answers has an operation with a unique operationId."""
    for path, method in ROUTES.items():
        assert method in spec["paths"].get(path, {}), f"{method.upper()} {path} missing"
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_request_schema_limits(spec, server):
    """X needs at least one row, and each row exactly n_features numbers; the server agrees."""
    min_rows, min_row, max_row = row_limits(spec)
    assert min_rows == 1 and min_row == max_row > 0
    body = spec["paths"]["/predict"]["post"]["requestBody"]
    assert body["required"] is True
    observation = body["content"]["application/json"]["schema"]
    assert observation == {"$ref": "#/components/schemas/Observation"}
    assert spec["components"]["schemas"]["Observation"]["required"] == ["X"]
    row_items = spec["components"]["schemas"]["Observation"]["properties"]["X"]["items"]["items"]
    assert row_items == {"type": "number"}

    n = max_row
    valid = schema_validator(spec, "Observation")
    for rows, ok in (([[1.0] * n], True), ([[1.0] * (n - 1)], False), ([[1.0] * (n + 1)], False), ([], False)):
        assert valid.is_valid({"X": rows}) == ok
        status = requests.post(server + "/predict", json={"X": rows}, timeout=10).status_code
        assert status == (200 if ok else 422), f"{len(rows)} rows of {len(rows[0]) if rows else 0}: {status}"


def test_example_is_valid_and_predicted(spec, server):
    """The documented example fits the schema, and the server predicts one value per row for it."""
    example = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["example"]
    schema_validator(spec, "Observation").validate(example)
    response = requests.post(server + "/predict", json=example, timeout=10)
    assert response.status_code == 200
    schema_validator(spec, "Prediction").validate(response.json())
    assert len(response.json()["y"]) == len(example["X"])


def test_validation_errors_match_the_422_schema(spec, server):
    """A refused body's 422 answer is an HTTPValidationError as the document defines it."""
    responses = spec["paths"]["/predict"]["post"]["responses"]
    assert responses["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/HTTPValidationError"}
    _, min_row, _ = row_limits(spec)
    for body in ({"x": [[1.0] * min_row]}, {"X": [["a"] * min_row]}, {"X": []}, {"X": [[1.0]]}):
        response = requests.post(server + "/predict", json=body, timeout=10)
        assert response.status_code == 422
        detail = response.json()
        schema_validator(spec, "HTTPValidationError").validate(detail)
        assert len(detail["detail"]) >= 1
        for error in detail["detail"]:
            schema_validator(spec, "ValidationError").validate(error)


def test_index_matches_its_schema(spec, server):
    """GET / answers with what its schema says: a JSON string naming the model."""
    schema = spec["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    response = requests.get(server + "/", timeout=10)
    assert response.status_code == 200
    Draft202012Validator(schema).validate(response.json())


def test_documented_statuses_are_what_the_routes_answer(spec, server):
    """Each GET route answers with a status the document lists, and a JSON body that fits its schema."""
    for path, method in ROUTES.items():
        if method != "get":
            continue
        response = requests.get(server + path, timeout=10)
        documented = spec["paths"][path]["get"]["responses"]
        assert str(response.status_code) in documented, f"GET {path} -> {response.status_code}"
        content = documented[str(response.status_code)].get("content", {})
        media = response.headers["Content-Type"].split(";")[0]
        assert media in content, f"GET {path} answered {media}, documented {list(content)}"
        if media == "application/json":
            schema = {**content[media]["schema"], "components": spec["components"]}
            Draft202012Validator(schema).validate(response.json())
