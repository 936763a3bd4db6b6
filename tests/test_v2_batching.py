"""v2 inference requests that reach the job queue together are predicted together (each output one
inference over the rows of the requests that asked for it), and each still gets exactly its own
answer, in order: live, over real sockets.

Each request is first sent alone on its own connection; then the same requests are pipelined on one
connection (one read hands the server all of them, one loop iteration hands their jobs off together)
and from several connections at once. Every answer (status, content type, Inference-Header-Content-Length
and body) must equal, byte for byte, the answer the same request got alone. The requests differ in
everything a response echoes or depends on: ids (none, plain, escaped), outputs named or not and in
either order, JSON and binary outputs, JSON and binary inputs, FP32 and integer data, 1 to 40 rows;
refused bodies of several kinds sit between them and must stay their own.
"""
from __future__ import annotations

import json
import struct

import pytest

from batching_checks import DEADLINE, assert_each_connection_gets_its_own, inferences, iris_classifier
from evserve_server import REPO, running_evserve
from raw_http import address_of, exchange

FEATURES = 13
LINES = (REPO / "Sources/Inference/Data/boston_house_prices.csv").read_text().splitlines()[2:]
ROWS = [[float(v) for v in line.split(",")[:FEATURES]] for line in LINES]
PATH = "/v2/models/reference/infer"


def http(body: bytes, headers: dict | None = None, path: str = PATH, close: bool = False) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    for name, value in (headers or {}).items():
        head += f"{name}: {value}\r\n"
    if close:
        head += "Connection: close\r\n"
    return head.encode() + b"\r\n" + body


def tensor(start: int, count: int, datatype: str = "FP64", nested: bool = False) -> dict:
    rows = ROWS[start:start + count]
    if datatype == "INT32":
        rows = [[int(v) for v in row] for row in rows]
    data = rows if nested else [v for row in rows for v in row]
    return {"name": "input-0", "shape": [count, FEATURES], "datatype": datatype, "data": data}


def body(start: int, count: int, id: str | None = None, outputs: list | None = None, **fields) -> tuple[bytes, dict]:
    request: dict = {"inputs": [tensor(start, count, fields.pop("datatype", "FP64"), fields.pop("nested", False))]}
    if id is not None:
        request["id"] = id
    if outputs is not None:
        request["outputs"] = outputs
    request.update(fields)
    return json.dumps(request).encode(), {}


def binary_input(start: int, count: int, id: str | None = None, binary_output: bool = False) -> tuple[bytes, dict]:
    """The rows as binary tensor data after the JSON (Triton's binary extension)."""
    values = [v for row in ROWS[start:start + count] for v in row]
    data = struct.pack(f"<{len(values)}d", *values)
    request: dict = {"inputs": [{"name": "input-0", "shape": [count, FEATURES], "datatype": "FP64",
                                 "parameters": {"binary_data_size": len(data)}}]}
    if id is not None:
        request["id"] = id
    if binary_output:
        request["parameters"] = {"binary_data_output": True}
    head = json.dumps(request).encode()
    return head + data, {"Inference-Header-Content-Length": str(len(head))}


PREDICT_BINARY = [{"name": "predict", "parameters": {"binary_data": True}}]
REQUESTS = [
    body(0, 2),
    body(2, 1, id="first"),
    (b'{"inputs": []}', {}),
    body(3, 5, id="", outputs=[{"name": "predict"}]),
    body(8, 2, outputs=PREDICT_BINARY),
    body(10, 3, id='quote " backslash \\ tab \t é ☃', parameters={"binary_data_output": True}),
    (b'{"inputs": [{"name": "input-0", "shape": [1, 13], "datatype": "FP64", "data": [1, 2', {}),
    binary_input(20, 4, id="binary in"),
    body(24, 1, datatype="FP32"),
    body(25, 3, datatype="INT32", id="ints"),
    body(28, 2, outputs=[{"name": "predict_proba"}]),
    binary_input(30, 2, binary_output=True),
    body(32, 40, nested=True, id="nested"),
    body(72, 2, outputs=None, id="null outputs"),
    body(74, 1, id=7),
] + [body(80 + 3 * k, 1 + k % 3, id=f"r{k}" if k % 2 else None,
          outputs=PREDICT_BINARY if k % 4 == 3 else None) for k in range(24)]


@pytest.fixture(scope="module")
def server():
    with running_evserve() as (url, _):
        yield url


def answer(response) -> tuple:
    """Everything a v2 answer carries: status, content type, the JSON's length, the bytes."""
    return (response.status, response.header("Content-Type"), response.header("Inference-Header-Content-Length"),
            response.body)


def answers_alone(server: str, requests: list) -> list[tuple]:
    results = []
    for raw, headers in requests:
        result = exchange(address_of(server), http(raw, headers, close=True), deadline=DEADLINE)
        assert len(result.responses) == 1, result.describe()
        results.append(answer(result.responses[0]))
    return results


@pytest.fixture(scope="module")
def alone(server):
    return answers_alone(server, REQUESTS)


def pipelined(server: str, order: list[int], requests: list = REQUESTS) -> list[tuple]:
    """Sends the requests `order` names in one write, the last one closing; returns the answers."""
    raw = b"".join(http(*requests[i], close=(n == len(order) - 1)) for n, i in enumerate(order))
    result = exchange(address_of(server), raw, deadline=DEADLINE)
    assert result.closed and not result.garbage and not result.partial, result.describe()
    return [answer(r) for r in result.responses]



def test_the_requests_mix_answers_and_refusals(alone):
    """The mix is what it says: JSON and binary answers, with refusals between them."""
    statuses = [status for status, _, _, _ in alone]
    assert statuses[:15] == [200, 200, 400, 200, 200, 200, 400, 200, 200, 200, 400, 200, 200, 200, 400]
    assert all(status == 200 for status in statuses[15:])
    binary = [i for i, (_, content_type, _, _) in enumerate(alone) if content_type == "application/octet-stream"]
    assert binary[:3] == [4, 5, 11] and len(binary) == 3 + 6
    assert json.loads(alone[5][3][:int(alone[5][2])])["id"] == 'quote " backslash \\ tab \t é ☃'


def test_pipelined_requests_are_batched_and_each_answered_as_alone(server, alone):
    """One write of every request: the answers come in request order, each equal to its answer alone,
    and the server predicted the valid bodies in fewer inferences than there are of them."""
    before = inferences(server)
    answers = pipelined(server, list(range(len(REQUESTS))))
    after = inferences(server)
    assert len(answers) == len(REQUESTS)
    for i, (got, expected) in enumerate(zip(answers, alone)):
        assert got == expected, f"request {i}"
    valid = sum(1 for status, _, _, _ in alone if status == 200)
    assert after - before < valid


def test_concurrent_connections_each_get_their_own_answers(server, alone):
    """Eight connections pipeline the requests at once, each in its own order: every connection gets
    its own answers, in its own request order."""
    assert_each_connection_gets_its_own(lambda order: pipelined(server, order), alone)


@pytest.mark.parametrize("kind", ["gradient-boosting-multiclass", "forest-string-labels"])
def test_classifier_batches_answer_each_output_as_alone(tmp_path, kind):
    """A classifier's labels (numbers or strings) and probabilities, asked for alone, together, in
    either order, as JSON or binary, pipelined with refusals between them: each request's own rows of
    each output it asked for, as alone, in fewer inferences than requests."""
    pytest.importorskip("sklearn")
    X, model = iris_classifier(tmp_path, kind)
    path = "/v2/models/model/infer"

    def output(name: str, binary: bool) -> dict:
        return {"name": name, "parameters": {"binary_data": True}} if binary else {"name": name}

    choices = [None, ["predict"], ["predict_proba"], ["predict", "predict_proba"], ["predict_proba", "predict"]]
    requests = []
    for k in range(15):
        rows = X[7 * k:7 * k + 1 + k % 4]
        request: dict = {"inputs": [{"name": "input-0", "shape": list(rows.shape), "datatype": "FP64",
                                     "data": rows.flatten().tolist()}], "id": f"c{k}"}
        if choices[k % 5] is not None:
            request["outputs"] = [output(name, (k + n) % 3 == 0) for n, name in enumerate(choices[k % 5])]
        requests.append((json.dumps(request).encode(), {}))
        if k % 4 == 1:
            requests.append((b'{"inputs": [{"name": "input-0", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}', {}))
    with running_evserve("--model", str(model)) as (url, _):

        def alone_on(requests: list) -> list[tuple]:
            return [answer(exchange(address_of(url), http(raw, headers, path=path, close=True),
                                    deadline=DEADLINE).responses[0]) for raw, headers in requests]

        expected = alone_on(requests)
        assert [status for status, _, _, _ in expected].count(400) == 4 and expected[0][0] == 200
        assert any(content_type == "application/octet-stream" for _, content_type, _, _ in expected)
        before = inferences(url)
        raw = b"".join(http(*r, path=path, close=(n == len(requests) - 1)) for n, r in enumerate(requests))
        result = exchange(address_of(url), raw, deadline=DEADLINE)
        assert [answer(r) for r in result.responses] == expected
        assert inferences(url) - before < 15
