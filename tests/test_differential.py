"""Differential test: evserve's POST /predict answers exactly as the FastAPI oracle does.

The oracle (tests/oracle/fastapi_oracle.py) is real FastAPI + pydantic 2 with the issue's request model,
serving the same model file as evserve. Every body of the corpus (tests/differential/corpus.py:
hand-written cases plus bodies generated from a fixed seed) goes to both servers; status,
Content-Type and body must be identical, byte for byte.

Deliberate differences, and what is checked instead:
- No Content-Type header: evserve reads the body as JSON (FastAPI answers 422
  model_attributes_type). evserve must answer what the oracle answers for application/json.
- The oracle's plain-text 500s (NaN, Infinity or an overflowing number such as 1e999 inside an
  error's input; FastAPI cannot render them): evserve must answer 422 with the error list
  pydantic computed, as valid JSON (tests/differential/expectations.py).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from evserve_server import running_evserve

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
MODEL = REPO / "Tests" / "InferenceTests" / "Fixtures" / "gbr_boston.json"
sys.path.insert(0, str(TESTS / "differential"))
os.environ.setdefault("ORACLE_MODEL", str(MODEL))
sys.path.insert(0, str(TESTS / "oracle"))

import corpus  # noqa: E402
import expectations  # noqa: E402
from fastapi_oracle import Observation  # noqa: E402  (the oracle's own request model)

CASES = corpus.corpus()


@pytest.fixture(scope="module")
def oracle_url():
    """uvicorn serving the oracle on a loopback socket we bind first (no port race)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "fastapi_oracle:app", "--app-dir", str(TESTS / "oracle"),
         "--fd", str(listener.fileno()), "--log-level", "critical"],
        pass_fds=[listener.fileno()], env={**os.environ, "ORACLE_MODEL": str(MODEL)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    listener.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url + "/", timeout=2)
            break
        except (requests.ConnectionError, requests.Timeout):  # importing the oracle can outlast 2 s on a busy machine
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the oracle did not start (pip install -r tests/requirements-oracle.txt)")
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def evserve_url():
    with running_evserve("--model", str(MODEL)) as (url, _proc):
        yield url


def post(session: requests.Session, url: str, body: bytes, content_type: str | None) -> requests.Response:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return session.post(url + "/predict", data=body, headers=headers, timeout=30)


def strict_json(raw: bytes):
    """Parses JSON and refuses Python's extras (NaN, Infinity), which are not JSON."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(raw, parse_constant=refuse)


def is_good(body: bytes, content_type: str | None) -> bool:
    """A good body: sent as JSON, and accepted by the oracle's own request model."""
    if content_type is None or content_type.split(";")[0].strip().lower() != "application/json":
        return False
    try:
        Observation.model_validate(json.loads(body))
    except ValueError:  # invalid JSON or UTF-8, and pydantic's ValidationError
        return False
    return True


def test_corpus_is_large_enough():
    """The issue asks for at least 60 good and bad bodies: at least 30 of each kind, names unique."""
    good = [name for name, body, content_type in CASES if is_good(body, content_type)]
    bad = [name for name, body, content_type in CASES if not is_good(body, content_type)]
    assert len(good) >= 30, good
    assert len(bad) >= 30, bad
    assert len({name for name, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("name,body,content_type", CASES, ids=[name for name, _, _ in CASES])
def test_same_answer_as_fastapi(name, body, content_type, oracle_url, evserve_url):
    """evserve's status, Content-Type and body equal the oracle's (or the documented 422)."""
    with requests.Session() as session:
        ours = post(session, evserve_url, body, content_type)
        theirs = post(session, oracle_url, body, "application/json" if content_type is None else content_type)

    assert ours.headers.get("content-type") == "application/json", name
    if theirs.status_code == 500:
        # FastAPI crashed rendering its own 422: evserve sends what pydantic computed, as JSON.
        assert theirs.headers.get("content-type", "").startswith("text/plain")
        assert ours.status_code == 422, ours.content
        strict_json(ours.content)
        assert ours.content == expectations.expected_422(Observation, body)
        return
    assert ours.status_code == theirs.status_code, (ours.content, theirs.content)
    assert theirs.headers.get("content-type") == "application/json"
    assert strict_json(ours.content) == strict_json(theirs.content)
    assert ours.content == theirs.content
