"""The Open Inference Protocol (v2) with a second, independent client: KServe's own.

tests/test_v2_protocol.py drives evserve with Triton's client; this suite uses what KServe ships for
the same protocol: its asynchronous REST client (`kserve.InferenceRESTClient`, on httpx) for health,
readiness and inference — JSON tensors and binary tensors (the `Inference-Header-Content-Length`
extension), FP32 and FP64 — and its v2 data models (pydantic, `kserve.protocol.rest.v2_datamodels`)
to read the metadata answers. The served repository has several models and versions:

    alpha/1  the reference model (A)        alpha/2  A with its base value moved by 100 (B)
    beta/1   A

The expected predictions come from another route of the same server: FastAPI-style `/predict` on
the default model (A), which shares no request code with the v2 routes; B's are A's plus 100.

Runs in tests/.venv-kserve (tests/kserve.mk), which has the kserve package; skipped elsewhere.
"""
from __future__ import annotations

import asyncio
import json
import subprocess

import pytest

kserve = pytest.importorskip("kserve", reason="needs the kserve package: tests/.venv-kserve (make test-kserve)")
import httpx  # noqa: E402
import numpy as np  # noqa: E402
from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig  # noqa: E402
from kserve.protocol.rest.v2_datamodels import (  # noqa: E402
    ModelMetadataResponse, ModelReadyResponse, ServerMetadataResponse)

from evserve_server import REPO, evserve_binary, started_evserve  # noqa: E402

FEATURES = 13
SHIFT = 100.0


def csv_rows(count: int) -> np.ndarray:
    lines = (REPO / "Sources/Inference/Data/boston_house_prices.csv").read_text().splitlines()[2:2 + count]
    return np.array([[float(v) for v in line.split(",")[:FEATURES]] for line in lines])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("repository")
    a = root / "a.json"
    subprocess.run([evserve_binary(), "--save-model", str(a)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    document = json.loads(a.read_text())
    document["base"] = [document["base"][0] + SHIFT]
    b = json.dumps(document)
    for model, version, content in (("alpha", 1, a.read_text()), ("alpha", 2, b), ("beta", 1, a.read_text())):
        (root / "models" / model / str(version)).mkdir(parents=True)
        (root / "models" / model / str(version) / "model.json").write_text(content)
    with started_evserve("--model-repository", str(root / "models"), "--default-model", "beta") as started:
        yield started.url


def model_a(url: str, rows: np.ndarray) -> np.ndarray:
    """A's predictions through the FastAPI-style route (the default model, beta, is A)."""
    response = httpx.post(url + "/predict", json={"X": rows.tolist()}, timeout=10)
    assert response.status_code == 200
    return np.asarray(response.json()["y"])


def client() -> InferenceRESTClient:
    return InferenceRESTClient(RESTConfig(protocol="v2", retries=0, timeout=30))


def run(coroutine):
    return asyncio.run(coroutine)


def tensor(rows: np.ndarray, datatype: str, binary: bool) -> InferInput:
    data = rows.astype(np.float32 if datatype == "FP32" else np.float64)
    tensor = InferInput("input-0", list(data.shape), datatype)
    tensor.set_data_from_numpy(data, binary_data=binary)
    return tensor


async def infer(url: str, model: str, rows: np.ndarray, datatype: str, binary: bool) -> tuple[dict, np.ndarray]:
    async with client() as c:
        headers: dict = {}
        answer = await c.infer(url, InferRequest(model, [tensor(rows, datatype, binary)], request_id=f"{model}-{datatype}"),
                               model_name=model, response_headers=headers)
    [output] = answer.outputs
    return {"model_name": answer.model_name, "id": answer.id, "output": output.name, "datatype": output.datatype,
            "shape": output.shape}, output.as_numpy()


def test_health_and_readiness(server):
    """The server is live and ready, each model is ready by name, and an unknown model is not (the
    protocol: a 4xx answer means false)."""
    async def check():
        async with client() as c:
            return [await c.is_server_live(server), await c.is_server_ready(server),
                    await c.is_model_ready(server, "alpha"), await c.is_model_ready(server, "beta"),
                    await c.is_model_ready(server, "nope")]
    assert run(check()) == [True, True, True, True, False]
    assert httpx.get(server + "/v2/models/nope/ready", timeout=10).status_code == 404
    ready = ModelReadyResponse.model_validate_json(httpx.get(server + "/v2/models/alpha/versions/1/ready", timeout=10).content)
    assert (ready.name, ready.ready) == ("alpha", True)


def test_metadata_reads_as_kserves_data_models(server):
    """Server and model metadata parse as KServe's v2 data models and say what is served: both
    versions of alpha, 13 FP inputs per row with -1 for the batch dimension, a `predict` output."""
    metadata = ServerMetadataResponse.model_validate_json(httpx.get(server + "/v2", timeout=10).content)
    assert metadata.name == "evserve" and metadata.version
    assert "binary_tensor_data" in metadata.extensions
    for name, versions in (("alpha", ["1", "2"]), ("beta", ["1"])):
        model = ModelMetadataResponse.model_validate_json(httpx.get(f"{server}/v2/models/{name}", timeout=10).content)
        assert model.name == name and sorted(model.versions) == versions
        [tensor_in] = model.inputs
        assert tensor_in.shape == [-1, FEATURES] and tensor_in.datatype in ("FP32", "FP64")
        assert [o.name for o in model.outputs] == ["predict"]
    one = ModelMetadataResponse.model_validate_json(httpx.get(server + "/v2/models/alpha/versions/1", timeout=10).content)
    assert one.name == "alpha"


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
@pytest.mark.parametrize("datatype", ["FP32", "FP64"])
@pytest.mark.parametrize("model, shift", [("alpha", SHIFT), ("beta", 0.0)])
def test_infer(server, model, shift, datatype, binary):
    """Inference through KServe's client, JSON or binary tensors, FP32 or FP64, on each model: the
    answer names the model and echoes the id, and its predictions are the model's (alpha's highest
    version is B, A + 100; beta is A), to 1e-9."""
    rows = csv_rows(5)
    answer, predictions = run(infer(server, model, rows, datatype, binary))
    assert answer["model_name"] == model and answer["id"] == f"{model}-{datatype}"
    assert answer["output"] == "predict" and answer["datatype"] == "FP64" and answer["shape"][0] == len(rows)
    expected = model_a(server, rows) + shift
    np.testing.assert_allclose(predictions.reshape(-1), expected, rtol=0, atol=1e-9)


def test_fp32_and_fp64_rows_of_the_data_predict_alike(server):
    """The data set's rows are exact in float32 (the model compares in float32, as scikit-learn does),
    so FP32 and FP64 tensors of them get bit-identical predictions."""
    rows = csv_rows(50)
    _, fp32 = run(infer(server, "alpha", rows, "FP32", True))
    _, fp64 = run(infer(server, "alpha", rows, "FP64", False))
    assert fp32.tobytes() == fp64.tobytes()


def test_errors_reach_the_client_as_the_protocol_says(server):
    """A wrong shape and an unknown model are HTTP errors whose message KServe's client reads from the
    protocol's {"error": ...} body."""
    async def failures():
        async with client() as c:
            bad = InferInput("input-0", [2, FEATURES], "FP64", data=[0.5] * FEATURES)  # 13 values for 26
            with pytest.raises(httpx.HTTPStatusError) as shape:
                await c.infer(server, InferRequest("alpha", [bad]), model_name="alpha")
            with pytest.raises(httpx.HTTPStatusError) as unknown:
                await c.infer(server, InferRequest("nope", [tensor(csv_rows(1), "FP64", False)]), model_name="nope")
            return shape.value, unknown.value
    shape, unknown = run(failures())
    assert shape.response.status_code == 400 and "shape" in str(shape).lower()
    assert unknown.response.status_code == 404 and "nope" in str(unknown)
