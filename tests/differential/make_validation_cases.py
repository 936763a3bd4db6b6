"""Writes the fixtures the Swift Validation tests compare with:

validation_cases.tsv, one line per corpus case (tests/differential/corpus.py):
    name, hex body, content type ("-" when absent), status, then either the response body the
    oracle app (tests/oracle/fastapi_oracle.py, real FastAPI + pydantic) sends, or for 200 the hex bit
    patterns of the X values pydantic validated (row-major, comma-separated).
  Two kinds of case are recorded with evserve's documented answer instead of the oracle's:
  no Content-Type (the oracle's answer for application/json) and the oracle's plain-text 500s
  (expectations.expected_422).

float_reprs.tsv: hex bit patterns of doubles and Python's repr() of each.

Run: python3 tests/differential/make_validation_cases.py  (needs tests/requirements-oracle.txt)
"""
from __future__ import annotations

import asyncio
import importlib
import json
import os
import random
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MODEL = REPO / "Tests" / "InferenceTests" / "Fixtures" / "gbr_boston.json"
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402
import expectations  # noqa: E402


def load_oracle():
    os.environ.setdefault("ORACLE_MODEL", str(MODEL))
    sys.path.insert(0, str(REPO / "tests" / "oracle"))
    return importlib.import_module("fastapi_oracle")


async def call(app, body: bytes, content_type: str | None) -> tuple[int, bytes]:
    """One POST /predict through the ASGI app, in process (no server, same code path)."""
    headers = [(b"host", b"oracle"), (b"content-length", str(len(body)).encode())]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode("latin-1")))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/predict", "raw_path": b"/predict", "root_path": "",
             "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    sent = False
    status, chunks = 0, []

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception:  # the app re-raises after sending its 500
        if status == 0:
            status = 500
    return status, b"".join(chunks)


def bits(value: float) -> str:
    return format(struct.unpack("<Q", struct.pack("<d", value))[0], "x")


def main() -> None:
    oracle = load_oracle()
    lines = []
    for name, body, content_type in corpus.corpus():
        # No Content-Type: evserve reads the body as JSON, so it must answer what the oracle
        # answers for application/json.
        status, response = asyncio.run(call(oracle.app, body, "application/json" if content_type is None else content_type))
        if status == 500:
            status, response = 422, expectations.expected_422(oracle.Observation, body)
        if status == 200:
            observation = oracle.Observation.model_validate(json.loads(body))
            response = ",".join(bits(v) for row in observation.X for v in row).encode()
        ct = "-" if content_type is None else "=" + content_type
        lines.append("\t".join([name, body.hex(), ct, str(status), response.decode("utf-8")]))
    (HERE / "validation_cases.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    r = random.Random(7)
    doubles = [0.0, -0.0, 45.0, 1e-05, 1e16, 1e15, 1234567890123456.0, 9999999999999998.0, 0.0001, 0.00012345,
               45.140628195389766, 36.78772305402535, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3, 2.5e-5, 123e300]
    doubles += [struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0] for _ in range(3000)]
    doubles += [r.uniform(-100, 100) for _ in range(1000)] + [float(r.randint(-10**17, 10**17)) for _ in range(500)]
    doubles = [d for d in doubles if d == d and abs(d) != float("inf")]
    (HERE / "float_reprs.tsv").write_text("".join(f"{bits(d)}\t{d!r}\n" for d in doubles), encoding="utf-8")
    print(f"wrote {len(lines)} validation cases and {len(doubles)} float reprs")


if __name__ == "__main__":
    main()
