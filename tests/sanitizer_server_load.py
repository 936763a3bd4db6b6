"""A short real load on a sanitizer build of evserve (`make check-sanitizers`), failing on any report.

Starts $EVSERVE_BIN (built with --sanitize=thread or address) on loopback with two workers and a
model repository under explicit model control, then sends a bounded mix from a pool of clients at
once: POST /predict, v2 infer (JSON), GET /metrics (formatted on the job queue), model reloads over
the repository API and SIGHUP rescans, so the loops, the job queue, the model store and the metrics
all meet. Then SIGTERM. Passes when every answer was the expected status, the server exited 0, and
its stderr holds no sanitizer report. Standard library only: runs with Debian's python3.

    EVSERVE_BIN=.build-tsan/debug/evserve python3 tests/sanitizer_server_load.py [REQUESTS]
"""
from __future__ import annotations

import http.client
import json
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from evserve_server import REPO, started_evserve

FIXTURES = REPO / "tests" / "fixtures" / "xgboost-1.7"
FEATURES = 10  # reg17 is fitted on scikit-learn's diabetes data: ten features
CLIENTS = 16
REPORT_MARKERS = ("WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                  "runtime error:")


def repository(root: Path) -> Path:
    """Two versions of one regressor and one classifier, in Triton's layout."""
    for model, version, source in (("reg", 1, "reg17.json"), ("reg", 2, "reg17.ubj"), ("bin", 1, "bin17.json")):
        directory = root / model / str(version)
        directory.mkdir(parents=True)
        shutil.copy(FIXTURES / source, directory / ("model" + Path(source).suffix))
    return root


def one_request(url: str, kind: str, rng: random.Random) -> int:
    """Sends one request of `kind` on a fresh connection and returns its status."""
    host, port = url.removeprefix("http://").split(":")
    rows = [[rng.uniform(-0.2, 0.2) for _ in range(FEATURES)] for _ in range(rng.randint(1, 8))]
    if kind == "predict":
        method, path, body = "POST", "/predict", {"X": rows}
    elif kind == "infer":
        method, path = "POST", "/v2/models/reg/infer"
        body = {"inputs": [{"name": "input-0", "datatype": "FP64", "shape": [len(rows), FEATURES],
                            "data": [v for row in rows for v in row]}]}
    elif kind == "reload":
        method, path, body = "POST", "/v2/repository/models/reg/load", {}
    else:
        method, path, body = "GET", "/metrics", None
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def main(total: int) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        root = repository(Path(folder))
        args = ("--workers", "2", "--model-repository", str(root), "--model-control", "explicit",
                "--default-model", "reg", "--graceful-timeout", "60")
        with started_evserve(*args, timeout=300) as server:
            rng = random.Random(15)
            kinds = ["predict"] * 5 + ["infer"] * 5 + ["metrics", "reload"]
            plan = [(rng.choice(kinds), random.Random(i)) for i in range(total)]
            failures: list[str] = []
            with ThreadPoolExecutor(CLIENTS) as pool:
                futures = [pool.submit(one_request, server.url, kind, r) for kind, r in plan]
                for index, future in enumerate(futures):
                    if index % max(1, total // 4) == 0:
                        server.proc.send_signal(signal.SIGHUP)  # a rescan, racing the requests
                    status = future.result()
                    if status != 200:
                        failures.append(f"{plan[index][0]}: {status}")
            server.proc.send_signal(signal.SIGTERM)
            server.proc.wait(120)
            code = server.proc.returncode
            for thread in threading.enumerate():  # the log pump reads the last lines after the exit
                if thread.name.endswith("(pump)"):
                    thread.join(10)
            log = "".join(server.log)
    reports = [line for line in log.splitlines() if any(m in line for m in REPORT_MARKERS)]
    sent = {kind: sum(1 for k, _ in plan if k == kind) for kind in sorted(set(kinds))}
    print(f"sent {total} requests {sent} from {CLIENTS} clients in {time.monotonic() - started:.1f} s; "
          f"exit status {code}; {len(failures)} unexpected answers; {len(reports)} sanitizer reports")
    if reports or failures or code != 0:
        print(log if reports else "\n".join(failures[:20]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 400))
