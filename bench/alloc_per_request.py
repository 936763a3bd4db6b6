"""Heap allocations per request, per route: evserve (release build) runs under tools/malloc-count's
LD_PRELOAD library, one keep-alive connection sends each route's request N times after N warm-up
requests, and the library's counts are read before and after (SIGUSR2 writes them to a file).

    allocations per request = (count after 2N - count after N) / N

so start-up, training and first-use growth cancel out; a second window (2N..3N) must agree, or the
route is reported as not steady. The counts are deterministic (not timings), so a busy machine
changes nothing; only the loop's once-a-second work (the Date header, the timeout sweep) adds a
fraction when a window spans a second boundary.

Usage: python3 bench/alloc_per_request.py --evserve .build/release/evserve --library LIB [-n 2000]
(`make bench-allocs` builds both and runs this.)
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from evserve_server import started_evserve  # noqa: E402  (the one way to start evserve)

FEATURES = 13
# Rows 1 and 2 of the Boston housing CSV, the body `make bench` sends (bench/wrk/predict.lua).
ROWS = [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98],
        [0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14]]


def request(method: str, path: str, body: bytes = b"", content_type: str | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


PIPELINE = 32  # requests per write in the pipelined row: one loop iteration's jobs, handed off as one batch


def routes() -> dict[str, bytes]:
    predict = json.dumps({"X": ROWS}).encode()
    v2 = json.dumps({"inputs": [{"name": "input-0", "shape": [2, FEATURES], "datatype": "FP64",
                                 "data": [v for row in ROWS for v in row]}]}).encode()
    return {
        "POST /predict (2x13)": request("POST", "/predict", predict, "application/json"),
        f"POST /predict (2x13), {PIPELINE} pipelined": request("POST", "/predict", predict, "application/json") * PIPELINE,
        "GET /": request("GET", "/"),
        "POST /v2/models/reference/infer (2x13 JSON)": request("POST", "/v2/models/reference/infer", v2,
                                                               "application/json"),
    }


class Client:
    """One keep-alive connection that sends a request and reads its whole response."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def exchange(self, raw: bytes, responses: int = 1) -> tuple[int, bytes]:
        """Sends `raw` (`responses` pipelined requests) and reads that many responses; the last one's status and body."""
        self.sock.sendall(raw)
        for _ in range(responses):
            status, body = self.response()
        return status, body

    def response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self.receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length = next(int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:"))
        while len(self.buffer) < length:
            self.receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, body

    def receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("evserve closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def counts(pid: int, dump: Path, timeout: float = 10.0) -> dict[str, dict[str, int]]:
    """Asks the library for its counts; {"total": {...}, "<tid>": {...}}."""
    dump.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    while not dump.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("no allocation counts from evserve (is the library preloaded?)")
        time.sleep(0.01)
    result = {}
    for line in dump.read_text().splitlines():
        words = line.split()
        key = "total" if words[0] == "total" else words[1]
        rest = words[1:] if words[0] == "total" else words[2:]
        result[key] = {rest[i]: int(rest[i + 1]) for i in range(0, len(rest), 2)}
    return result


def per_request(before: dict, after: dict, n: int, pid: int) -> dict[str, float]:
    """Allocations per request in the window: all threads, and the loop thread (the main thread,
    which runs worker 0) apart from the rest (the job queue)."""
    def delta(key: str, field: str) -> int:
        return after.get(key, {}).get(field, 0) - before.get(key, {}).get(field, 0)
    loop = str(pid)
    return {
        "allocs": delta("total", "allocs") / n,
        "reallocs": delta("total", "reallocs") / n,
        "frees": delta("total", "frees") / n,
        "bytes": delta("total", "bytes") / n,
        "loop allocs": delta(loop, "allocs") / n,
        "job allocs": (delta("total", "allocs") - delta(loop, "allocs")) / n,
    }


def measure(url: str, pid: int, dump: Path, raw: bytes, n: int, depth: int) -> tuple[dict, dict, int]:
    """`n` requests per window, sent `depth` at a time (pipelined) on one connection."""
    client = Client(url)
    writes = max(1, n // depth)
    try:
        for _ in range(writes):
            status, _ = client.exchange(raw, depth)
        marks = [counts(pid, dump)]
        for _ in range(2):
            for _ in range(writes):
                client.exchange(raw, depth)
            marks.append(counts(pid, dump))
    finally:
        client.close()
    sent = writes * depth
    return per_request(marks[0], marks[1], sent, pid), per_request(marks[1], marks[2], sent, pid), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evserve", default=str(REPO / ".build/release/evserve"))
    parser.add_argument("--library", required=True, help="the built tools/malloc-count library")
    parser.add_argument("-n", type=int, default=2000, help="requests per window (default 2000)")
    parser.add_argument("--label", default="", help="a line to head the report with")
    args = parser.parse_args()

    os.environ["EVSERVE_BIN"] = str(Path(args.evserve).resolve())
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "counts.txt"
        env = {"LD_PRELOAD": str(Path(args.library).resolve()), "MALLOC_COUNT_FILE": str(dump)}
        with started_evserve(env=env) as server:
            rows = [(name, *measure(server.url, server.proc.pid, dump, raw, args.n, PIPELINE if "pipelined" in name else 1))
                    for name, raw in routes().items()]

    if args.label:
        print(args.label)
    print(f"heap calls per request, {args.n} keep-alive requests per window, one connection, --workers 1;")
    print(f"one request per write, except the pipelined row ({PIPELINE} per write: one hand-off, one batch)")
    print(f"{'route':<48} {'status':>6} {'allocs':>8} {'loop':>7} {'jobs':>7} {'reallocs':>9} {'frees':>7} {'bytes':>9}  steady")
    for name, first, second, status in rows:
        steady = all(abs(first[k] - second[k]) < 0.05 for k in ("allocs", "reallocs", "frees"))
        print(f"{name:<48} {status:>6} {first['allocs']:>8.2f} {first['loop allocs']:>7.2f} {first['job allocs']:>7.2f} "
              f"{first['reallocs']:>9.2f} {first['frees']:>7.2f} {first['bytes']:>9.0f}  "
              f"{'yes' if steady else 'no (next window: %.2f allocs)' % second['allocs']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
