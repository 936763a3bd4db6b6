"""Requests that reach the job queue together are predicted together (one inference over all their
rows), and each still gets its own answer, in order: live, over real sockets.

Each request is first sent alone on its own connection; then the same requests are pipelined on one
connection (so one read hands the server all of them, and one loop iteration hands their jobs off
together), and sent from several connections at once. Every answer must equal, byte for byte, the
answer the same request got alone, and arrive in request order. Valid and refused bodies, /predict
and v2 infer, are mixed, so a refusal in a batch must stay that request's own.
"""
from __future__ import annotations

import json
import os

import pytest

from batching_checks import DEADLINE, assert_each_connection_gets_its_own, inferences, iris_classifier
from evserve_server import REPO, running_evserve
from raw_http import address_of, exchange

FEATURES = 13
LINES = (REPO / "Sources/Inference/Data/boston_house_prices.csv").read_text().splitlines()[2:]
ROWS = [[float(v) for v in line.split(",")[:FEATURES]] for line in LINES]


def http(method: str, path: str, body: bytes = b"", content_type: str | None = "application/json",
         close: bool = False) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: test\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    if close:
        head += "Connection: close\r\n"
    return head.encode() + b"\r\n" + body


def predict(start: int, count: int) -> bytes:
    return json.dumps({"X": ROWS[start:start + count]}).encode()


def v2(start: int, count: int) -> bytes:
    return json.dumps({"inputs": [{"name": "input-0", "shape": [count, FEATURES], "datatype": "FP64",
                                   "data": ROWS[start:start + count]}]}).encode()


# (method, path, body, content type): valid bodies of 1 to 60 rows, refusals of every kind between them.
REQUESTS = [
    ("POST", "/predict", predict(0, 2), "application/json"),
    ("POST", "/predict", b"", "application/json"),
    ("POST", "/predict", predict(10, 1), None),
    ("POST", "/predict", b'{"X": [[1, 2', "application/json"),
    ("POST", "/predict", predict(100, 60), "application/json"),
    ("GET", "/", b"", None),
    ("POST", "/predict", predict(3, 3), "text/plain"),
    ("POST", "/predict", b'{"X": [[1, 2, 3]]}', "application/json"),
    ("POST", "/v2/models/reference/infer", v2(20, 4), "application/json"),
    ("POST", "/predict", predict(300, 7), "application/json; charset=utf-8"),
    ("POST", "/predict", json.dumps({"X": [["a"] + ROWS[0][1:]]}).encode(), "application/json"),
    ("POST", "/v2/models/reference/infer", b'{"inputs": []}', "application/json"),
    ("POST", "/predict", predict(0, 2), "application/json"),
] + [("POST", "/predict", predict(5 * k, 1 + k % 3), "application/json") for k in range(20)]


@pytest.fixture(scope="module")
def server():
    with running_evserve() as (url, _):
        yield url


def answers_alone(server: str, requests: list) -> list[tuple[int, bytes]]:
    """Each request's answer when it is the only one on its connection: (status, body)."""
    answers = []
    for method, path, body, content_type in requests:
        result = exchange(address_of(server), http(method, path, body, content_type, close=True), deadline=DEADLINE)
        assert len(result.responses) == 1, result.describe()
        answers.append((result.responses[0].status, result.responses[0].body))
    return answers


@pytest.fixture(scope="module")
def alone(server):
    return answers_alone(server, REQUESTS)


def valid_predicts(alone: list[tuple[int, bytes]]) -> int:
    """How many of REQUESTS are /predict bodies the server answers with 200."""
    return sum(1 for (_, path, _, _), (status, _) in zip(REQUESTS, alone) if path == "/predict" and status == 200)


def pipelined(server: str, order: list[int], requests: list = REQUESTS) -> list[tuple[int, bytes]]:
    """Sends the requests `order` names in one write, the last one closing; returns the answers."""
    raw = b"".join(http(*requests[i], close=(n == len(order) - 1)) for n, i in enumerate(order))
    result = exchange(address_of(server), raw, deadline=DEADLINE)
    assert result.closed and not result.garbage and not result.partial, result.describe()
    return [(r.status, r.body) for r in result.responses]



def test_the_requests_mix_answers_and_refusals(alone):
    """The mix is what it says: valid bodies answered, refusals of several kinds, in both protocols."""
    statuses = [status for status, _ in alone]
    assert statuses[:13] == [200, 422, 200, 422, 200, 200, 422, 422, 200, 200, 422, 400, 200]
    assert all(status == 200 for status in statuses[13:])


def test_pipelined_requests_are_batched_and_each_answered_as_alone(server, alone):
    """One write of every request: the answers come in request order, each equal to its answer alone,
    and the server predicted the valid /predict bodies in fewer inferences than there are of them."""
    before = inferences(server)
    answers = pipelined(server, list(range(len(REQUESTS))))
    after = inferences(server)
    assert len(answers) == len(REQUESTS)
    for i, (answer, expected) in enumerate(zip(answers, alone)):
        assert answer == expected, f"request {i}: {REQUESTS[i][:2]}"
    assert after - before < valid_predicts(alone)


def test_concurrent_connections_each_get_their_own_answers(server, alone):
    """Eight connections pipeline the requests at once, each in its own order: every connection gets
    its own answers, in its own request order."""
    assert_each_connection_gets_its_own(lambda order: pipelined(server, order), alone)


@pytest.mark.parametrize("kind", ["gradient-boosting-multiclass", "forest-string-labels"])
def test_classifier_batches_answer_labels_and_probabilities_as_alone(tmp_path, kind):
    """A classifier's labels (numbers or strings) and probabilities, pipelined with refusals between
    them, are each request's own: /predict and /predict_proba batches split by rows, as alone."""
    pytest.importorskip("sklearn")
    X, model = iris_classifier(tmp_path, kind)

    def body(start: int, count: int) -> bytes:
        return json.dumps({"X": X[start:start + count].tolist()}).encode()

    requests = []
    for k in range(12):
        path = "/predict_proba" if k % 3 == 2 else "/predict"
        requests.append(("POST", path, body(10 * k, 1 + k % 4), "application/json"))
        if k % 4 == 1:
            requests.append(("POST", path, b'{"X": [[1, 2]]}', "application/json"))
    with running_evserve("--model", str(model)) as (url, _):
        alone = answers_alone(url, requests)
        assert [status for status, _ in alone].count(422) == 3 and alone[0][0] == 200
        assert pipelined(url, list(range(len(requests))), requests) == alone


def test_on_one_core_waiting_jobs_leave_together_and_each_gets_its_own(alone):
    """A server that may use one core runs one hand-off of model work at a time: jobs that arrive
    meanwhile wait and leave together when it ends. Eight connections pipelining at once still get
    every answer, each their own, in order (nothing waits for ever), in fewer inferences than bodies."""
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})  # inherited by the server started here
    try:
        with running_evserve() as (url, proc):
            assert os.sched_getaffinity(proc.pid) == {min(cores)}
            before = inferences(url)
            assert_each_connection_gets_its_own(lambda order: pipelined(url, order), alone)
            assert inferences(url) - before < 8 * valid_predicts(alone)
    finally:
        os.sched_setaffinity(0, cores)
