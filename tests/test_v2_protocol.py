"""The Open Inference Protocol (KServe v2) REST routes, live, with Triton's own client.

tritonclient.http drives health, metadata and inference with JSON and with binary tensors (its
default), FP64, FP32 and integers; every prediction is compared bit for bit with what evserve's own
POST /predict answers for the same rows (for FP32, the rows rounded to FP32). Errors are checked for
status and for a message that names the problem. Bodies are held against /openapi.json's V2 schemas.
"""
from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import requests
import tritonclient.http as triton
from jsonschema import Draft202012Validator
from tritonclient.utils import InferenceServerException

from evserve_server import REPO, evserve_binary, running_evserve

MODEL = "reference"
FEATURES = 13


def boston_rows(count: int, start: int = 0) -> np.ndarray:
    """Rows of the Boston housing data evserve's reference model was trained on."""
    lines = (REPO / "Sources/Inference/Data/boston_house_prices.csv").read_text().splitlines()[2:]
    rows = [[float(v) for v in line.split(",")[:FEATURES]] for line in lines[start:start + count]]
    return np.array(rows, dtype=np.float64)


@pytest.fixture(scope="module")
def server():
    with running_evserve() as (url, _):
        yield url


@pytest.fixture(scope="module")
def client(server):
    c = triton.InferenceServerClient(server.removeprefix("http://"))
    yield c
    c.close()


@pytest.fixture(scope="module")
def spec(server):
    return requests.get(server + "/openapi.json", timeout=10).json()


def fits_schema(spec, name: str, body) -> None:
    Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": spec["components"]}).validate(body)


def predict(server: str, rows: np.ndarray) -> np.ndarray:
    """evserve's own /predict for the same rows: the reference answer."""
    response = requests.post(server + "/predict", json={"X": rows.tolist()}, timeout=10)
    assert response.status_code == 200, response.text
    return np.array(response.json()["y"], dtype=np.float64)


def infer(client, rows: np.ndarray, datatype: str, binary_in: bool, binary_out: bool | None, **kwargs):
    tensor = triton.InferInput("input-0", list(rows.shape), datatype)
    tensor.set_data_from_numpy(rows, binary_data=binary_in)
    outputs = None if binary_out is None else [triton.InferRequestedOutput("predict", binary_data=binary_out)]
    return client.infer(MODEL, [tensor], outputs=outputs, **kwargs)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype == np.float64 and a.shape == b.shape and a.tobytes() == b.tobytes()


# --- health and metadata ---------------------------------------------------------------------

def test_health(client):
    """Live, ready, and the model ready by name and by name and version; an unknown one is not."""
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready(MODEL)
    assert client.is_model_ready(MODEL, "1")
    assert not client.is_model_ready("no-such-model")
    assert not client.is_model_ready(MODEL, "2")


def test_server_metadata(client, server, spec):
    """GET /v2 names the server and lists the extensions evserve implements."""
    metadata = client.get_server_metadata()
    assert metadata["name"] == "evserve"
    assert metadata["extensions"] == ["binary_tensor_data", "model_repository"]
    fits_schema(spec, "V2ServerMetadata", requests.get(server + "/v2", timeout=10).json())


def test_model_metadata(client, spec):
    """The model's one input is [-1, 13] rows, its output `predict` one FP64 per row; with or without a version."""
    metadata = client.get_model_metadata(MODEL)
    assert metadata["name"] == MODEL
    assert metadata["versions"] == ["1"]
    assert metadata["platform"] == "GradientBoostingRegressor"
    assert metadata["inputs"] == [{"name": "input-0", "datatype": "FP64", "shape": [-1, FEATURES]}]
    assert metadata["outputs"] == [{"name": "predict", "datatype": "FP64", "shape": [-1]}]
    assert client.get_model_metadata(MODEL, "1") == metadata
    fits_schema(spec, "V2ModelMetadata", metadata)


# --- inference, compared with /predict --------------------------------------------------------

@pytest.mark.parametrize("binary_in", [True, False], ids=["binary-in", "json-in"])
@pytest.mark.parametrize("binary_out", [True, False, None], ids=["binary-out", "json-out", "default-out"])
def test_fp64_matches_predict_bit_for_bit(client, server, binary_in, binary_out):
    """FP64 rows, sent as binary or JSON, answered as binary or JSON: exactly /predict's doubles."""
    rows = boston_rows(40)
    result = infer(client, rows, "FP64", binary_in, binary_out)
    y = result.as_numpy("predict")
    assert same_bits(y, predict(server, rows))
    response = result.get_response()
    assert response["model_name"] == MODEL and response["model_version"] == "1"
    assert response["outputs"][0]["shape"] == [40]
    # tritonclient asks for binary outputs when it names none.
    assert ("binary_data_size" in response["outputs"][0].get("parameters", {})) == (binary_out is not False)


@pytest.mark.parametrize("binary_in", [True, False], ids=["binary-in", "json-in"])
def test_fp32_matches_predict_on_rounded_rows(client, server, binary_in):
    """FP32 rows predict as their FP32 values do: /predict given the same rows rounded to FP32."""
    rows32 = boston_rows(25, start=100).astype(np.float32)
    y = infer(client, rows32, "FP32", binary_in, binary_out=True).as_numpy("predict")
    assert same_bits(y, predict(server, rows32.astype(np.float64)))


@pytest.mark.parametrize("datatype,dtype", [("INT64", np.int64), ("INT32", np.int32), ("UINT16", np.uint16)])
@pytest.mark.parametrize("binary_in", [True, False], ids=["binary-in", "json-in"])
def test_integer_rows(client, server, datatype, dtype, binary_in):
    """Integer tensors predict as the same whole numbers sent as doubles."""
    rows = np.rint(boston_rows(10, start=200)).astype(dtype)
    y = infer(client, rows, datatype, binary_in, binary_out=False).as_numpy("predict")
    assert same_bits(y, predict(server, rows.astype(np.float64)))


def test_id_and_versioned_route(client, server):
    """The request's id comes back; /versions/1/infer answers as the unversioned route does."""
    rows = boston_rows(3, start=300)
    result = infer(client, rows, "FP64", True, True, model_version="1", request_id="req-7")
    assert result.get_response()["id"] == "req-7"
    assert same_bits(result.as_numpy("predict"), predict(server, rows))


def test_nested_json_and_response_schema(server, spec):
    """Nested `data` (one array per row) reads as the flat rows; the JSON response fits its schema."""
    rows = boston_rows(4, start=400)
    body = {"id": "n", "inputs": [{"name": "input-0", "shape": [4, FEATURES], "datatype": "FP64", "data": rows.tolist()}]}
    response = requests.post(server + f"/v2/models/{MODEL}/infer", json=body, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert "Inference-Header-Content-Length" not in response.headers
    answer = response.json()
    fits_schema(spec, "V2InferenceResponse", answer)
    assert same_bits(np.array(answer["outputs"][0]["data"], dtype=np.float64), predict(server, rows))


def test_binary_response_framing(server):
    """A binary answer: octet-stream, the JSON's length in Inference-Header-Content-Length, then 8 bytes a row."""
    rows = boston_rows(5, start=50)
    header = json.dumps({"inputs": [{"name": "input-0", "shape": [5, FEATURES], "datatype": "FP64",
                                     "parameters": {"binary_data_size": rows.nbytes}}],
                         "parameters": {"binary_data_output": True}}).encode()
    response = requests.post(server + f"/v2/models/{MODEL}/infer", data=header + rows.astype("<f8").tobytes(),
                             headers={"Inference-Header-Content-Length": str(len(header))}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/octet-stream"
    json_length = int(response.headers["Inference-Header-Content-Length"])
    answer = json.loads(response.content[:json_length])
    assert answer["outputs"][0]["parameters"] == {"binary_data_size": 40}
    assert "data" not in answer["outputs"][0]
    assert len(response.content) == json_length + 40
    y = np.array(struct.unpack("<5d", response.content[json_length:]), dtype=np.float64)
    assert same_bits(y, predict(server, rows))


# --- errors -----------------------------------------------------------------------------------

def refusal(server: str, path: str, body: bytes | dict, headers: dict | None = None) -> tuple[int, str]:
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    response = requests.post(server + path, data=data, headers=headers or {}, timeout=10)
    return response.status_code, response.json()["error"]


def test_errors_through_tritonclient(client):
    """tritonclient raises with evserve's message: unknown model, version and output, wrong shape."""
    rows = boston_rows(2)
    tensor = triton.InferInput("input-0", [2, FEATURES], "FP64")
    tensor.set_data_from_numpy(rows)
    with pytest.raises(InferenceServerException, match="unknown model 'boston'; this server serves 'reference'"):
        client.infer("boston", [tensor])
    with pytest.raises(InferenceServerException, match="model 'reference' has no version '9'; its versions are 1"):
        client.infer(MODEL, [tensor], model_version="9")
    with pytest.raises(InferenceServerException, match="unknown output 'predict_proba': the model's outputs are 'predict'"):
        client.infer(MODEL, [tensor], outputs=[triton.InferRequestedOutput("predict_proba")])
    short = triton.InferInput("input-0", [2, 12], "FP64")
    short.set_data_from_numpy(rows[:, :12].copy())
    with pytest.raises(InferenceServerException, match=r"shape \[2, 12\] does not fit the model's \[-1, 13\]"):
        client.infer(MODEL, [short])
    with pytest.raises(InferenceServerException, match="model 'nope'"):
        client.get_model_metadata("nope")


def test_error_statuses_and_messages(server, spec):
    """Each refusal has the protocol's {"error": ...} body with a status and message that say what is wrong."""
    path = f"/v2/models/{MODEL}/infer"
    one = boston_rows(1)[0].tolist()

    def body(**input_fields):
        return {"inputs": [{"name": "input-0", "shape": [1, FEATURES], "datatype": "FP64", "data": one, **input_fields}]}

    cases = [
        (path, body(data=one[:12]), 400, "input 'input-0': shape [1, 13] holds 13 elements, but 'data' has 12"),
        (path, body(shape=[FEATURES]), 400, "send one row as [1, 13]"),
        (path, body(name="x"), 400, "unknown input 'x': the model's input is 'input-0'"),
        (path, body(datatype="BOOL", data=[True] * FEATURES), 400, "datatype 'BOOL' is not accepted"),
        (path, body(datatype="FP16"), 400, "datatype 'FP16' is not accepted"),
        (path, body(data=[None] + one[1:]), 400, "row 0, column 0 is missing (null or NaN), and this model does not accept missing values"),
        (path, b"{not json", 400, "the inference request is not valid JSON"),
        ("/v2/models/other/versions/1/infer", body(), 404, "unknown model 'other'"),
    ]
    for target, request, status, message in cases:
        got_status, got_message = refusal(server, target, request)
        assert (got_status, message in got_message) == (status, True), (request, got_message)
        fits_schema(spec, "V2Error", {"error": got_message})


def test_binary_nan_is_missing(server):
    """NaN in binary FP64 data is a missing value, refused by a model that takes none."""
    rows = boston_rows(2)
    rows[1, 4] = np.nan
    header = json.dumps({"inputs": [{"name": "input-0", "shape": [2, FEATURES], "datatype": "FP64",
                                     "parameters": {"binary_data_size": rows.nbytes}}]}).encode()
    status, message = refusal(server, f"/v2/models/{MODEL}/infer", header + rows.tobytes(),
                              {"Inference-Header-Content-Length": str(len(header))})
    assert status == 400
    assert message == "input 'input-0': row 1, column 4 is missing (null or NaN), and this model does not accept missing values"


# --- the model's name, OpenAPI, metrics -------------------------------------------------------

def test_model_file_name_is_the_model_name(tmp_path: Path):
    """`--model FILE` serves the model under the file's name without its extension."""
    model_file = tmp_path / "boston-gbr.json"
    subprocess.run([evserve_binary(), "--save-model", str(model_file)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with running_evserve("--model", str(model_file)) as (url, _):
        c = triton.InferenceServerClient(url.removeprefix("http://"))
        assert c.is_model_ready("boston-gbr")
        assert c.get_model_metadata("boston-gbr")["name"] == "boston-gbr"
        assert not c.is_model_ready(MODEL)
        c.close()


def test_openapi_describes_the_v2_routes(spec):
    """Every v2 route has its operation, and templates declare their path parameters."""
    for path, method in [("/v2", "get"), ("/v2/health/live", "get"), ("/v2/health/ready", "get"),
                         ("/v2/models/{name}", "get"), ("/v2/models/{name}/ready", "get"),
                         ("/v2/models/{name}/infer", "post"), ("/v2/models/{name}/versions/{version}", "get"),
                         ("/v2/models/{name}/versions/{version}/ready", "get"),
                         ("/v2/models/{name}/versions/{version}/infer", "post")]:
        operation = spec["paths"][path][method]
        declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        assert declared == [part[1:-1] for part in path.split("/") if part.startswith("{")]


def test_metrics_count_per_template(server, client):
    """/metrics labels v2 requests with the route template, not the model name sent."""
    client.is_model_ready(MODEL)
    client.is_model_ready("unknown-1")
    text = requests.get(server + "/metrics", timeout=10).text
    assert 'route="/v2/models/{name}/ready",method="GET",status="200"' in text
    assert 'route="/v2/models/{name}/ready",method="GET",status="404"' in text
    assert "unknown-1" not in text


# --- classifiers ------------------------------------------------------------------------------

def test_classifier_labels_and_probabilities(tmp_path: Path):
    """A classifier answers `predict` with its labels (strings as BYTES) and `predict_proba` with one
    FP64 per class: what /predict and /predict_proba answer, for JSON and binary outputs alike."""
    sklearn_ensemble = pytest.importorskip("sklearn.ensemble")
    from sklearn import datasets
    sys.path.insert(0, str(REPO / "tools"))
    from export_sklearn import export_model

    iris = datasets.load_iris()
    labels = np.array(iris.target_names)[iris.target]
    estimator = sklearn_ensemble.RandomForestClassifier(n_estimators=5, random_state=0).fit(iris.data, labels)
    model_file = tmp_path / "iris.json"
    export_model(estimator, model_file)
    rows = iris.data[::15]
    with running_evserve("--model", str(model_file)) as (url, _):
        c = triton.InferenceServerClient(url.removeprefix("http://"))
        metadata = c.get_model_metadata("iris")
        assert metadata["outputs"] == [{"name": "predict", "datatype": "BYTES", "shape": [-1]},
                                       {"name": "predict_proba", "datatype": "FP64", "shape": [-1, 3]}]
        expected_labels = requests.post(url + "/predict", json={"X": rows.tolist()}, timeout=10).json()["y"]
        expected_proba = np.array(requests.post(url + "/predict_proba", json={"X": rows.tolist()}, timeout=10).json()["y"])
        assert expected_labels == estimator.predict(rows).tolist()
        for binary in (True, False):
            tensor = triton.InferInput("input-0", list(rows.shape), "FP64")
            tensor.set_data_from_numpy(rows, binary_data=binary)
            outputs = [triton.InferRequestedOutput(name, binary_data=binary) for name in ("predict_proba", "predict")]
            result = c.infer("iris", [tensor], outputs=outputs)
            got = [label.decode() if isinstance(label, bytes) else label for label in result.as_numpy("predict").tolist()]
            assert got == expected_labels
            proba = result.as_numpy("predict_proba")
            assert proba.shape == (len(rows), 3)
            assert same_bits(proba, expected_proba)
            assert [o["name"] for o in result.get_response()["outputs"]] == ["predict_proba", "predict"]
        c.close()
