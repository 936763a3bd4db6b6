"""Every request the soak sends, as exact bytes, with what it must get back.

A valid request names the model version that answers it (`key`); its 200 body must be byte for byte
the body a quiet evserve gave for the same request with the variant that version held (see
`expected.py`). An invalid one names its status (422 as FastAPI, 400 or 404 as the Open Inference
Protocol); its body must be the quiet server's too.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass

from models import boston_rows, iris_rows
from wire import request_bytes

Key = tuple[str, str]  # (model, version)
BOSTON_V1: Key = ("boston", "1")
BOSTON_LATEST: Key = ("boston", "2")  # the highest version: what /predict and unversioned v2 serve
IRIS: Key = ("iris", "1")


@dataclass(frozen=True)
class Template:
    name: str
    data: bytes
    key: Key | None = None       # valid: the version that answers
    status: int = 200            # invalid: the status it must get
    large: bool = False
    # invalid: a body that depends on the repository's state is held to this pattern instead of the
    # quiet server's exact bytes
    body_pattern: bytes | None = None

    @property
    def valid(self) -> bool:
        return self.key is not None


def predict(rows: list[list[float]]) -> bytes:
    return request_bytes("POST", "/predict", json.dumps({"X": rows}).encode())


def v2_json(path: str, rows: list[list[float]], features: int) -> bytes:
    body = {"id": "soak", "inputs": [{"name": "input-0", "shape": [len(rows), features], "datatype": "FP64",
                                      "data": [v for row in rows for v in row]}]}
    return request_bytes("POST", path, json.dumps(body).encode())


def v2_binary(path: str, rows: list[list[float]], features: int, claimed_size: int | None = None) -> bytes:
    """Triton's binary tensor data extension both ways: FP64 input bytes after the JSON, outputs asked
    for as binary. `claimed_size` lies about the input's byte count (an invalid request)."""
    data = b"".join(struct.pack("<%dd" % len(row), *row) for row in rows)
    header = {"inputs": [{"name": "input-0", "shape": [len(rows), features], "datatype": "FP64",
                          "parameters": {"binary_data_size": claimed_size or len(data)}}],
              "parameters": {"binary_data_output": True}}
    head = json.dumps(header).encode()
    return request_bytes("POST", path, head + data, {"Content-Type": "application/octet-stream",
                                                       "Inference-Header-Content-Length": str(len(head))})


def templates() -> list[Template]:
    small, big, iris = boston_rows(3), boston_rows(1000), iris_rows(4)
    v1, latest = "/v2/models/boston/versions/1/infer", "/v2/models/boston/infer"
    return [
        Template("predict-3", predict(small), BOSTON_LATEST),
        Template("predict-1000", predict(big), BOSTON_LATEST, large=True),
        Template("v2-json-v1", v2_json(v1, small, 13), BOSTON_V1),
        Template("v2-json-latest", v2_json(latest, small, 13), BOSTON_LATEST),
        Template("v2-binary-v1", v2_binary(v1, small, 13), BOSTON_V1),
        Template("v2-binary-1000", v2_binary(latest, big, 13), BOSTON_LATEST, large=True),
        Template("iris-json", v2_json("/v2/models/iris/infer", iris, 4), IRIS),
        Template("iris-binary", v2_binary("/v2/models/iris/infer", iris, 4), IRIS),
        Template("predict-bad-json", request_bytes("POST", "/predict", b'{"X": [[1, 2'), status=422),
        Template("predict-short-row", predict([small[0][:12]]), status=422),
        Template("predict-missing-X", request_bytes("POST", "/predict", json.dumps({"x": small}).encode()), status=422),
        Template("predict-strings", predict([["testing", "data", "validation"]]), status=422),
        Template("v2-bad-json", request_bytes("POST", latest, b'{"inputs": [}'), status=400),
        Template("v2-wrong-shape", v2_json(latest, [r[:12] for r in small], 12), status=400),
        Template("v2-binary-short", v2_binary(latest, small, 13, claimed_size=3 * 13 * 8 + 8), status=400),
        Template("v2-unknown-model", v2_json("/v2/models/nothing/infer", small, 13), status=404),
        # The versions listed include one that failed to load while the disk is full (the index lists it too).
        Template("v2-unknown-version", v2_json("/v2/models/boston/versions/7/infer", small, 13), status=404,
                 body_pattern=rb'\{"error":"model \'boston\' has no version \'7\'; its versions are 1, 2(, 3)?"\}'),
    ]


# Over --max-body-size (1 MiB): 413 from the Content-Length alone, then the server closes.
OVERSIZED = request_bytes("POST", "/predict", b"", {"Content-Length": str(2 * 1024 * 1024)})
