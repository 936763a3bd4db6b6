"""Constant-rate runs with bench/openloop/openloop.c: latency counted from each request's due time.

A closed-loop client (wrk; h2load --rps too, whose clock starts when a request is submitted) sends
less while a server stalls, so the stall shows in few samples: coordinated omission. openloop sends
request i at start + i / rate whatever came before and charges any wait to the server. It is built
here with the system's C compiler the first time it is needed (and again when its source changes).
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .client_process import run_client
from .paths import BENCH

SOURCE = BENCH / "openloop" / "openloop.c"
BINARY = BENCH / ".build-openloop" / "openloop"
# The 2x13 body of bench/wrk/predict.lua, so both clients post the same bytes.
PREDICT_BODY = ('{"X": [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98], '
                '[0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14]]}')


@dataclass
class RateResult:
    """One constant-rate run: what was asked, what was done, and the latency from each due time."""
    target_rps: float
    scheduled: int
    completed: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    max_backlog_ms: float  # the longest a due request waited for a free connection
    errors: dict[str, int]
    client_cpu_seconds: float
    idle_closes: int = 0  # idle connections the server closed (keep-alive timeout), reopened: not errors
    # Requests given up on (unanswered or unsent at the end): in the percentiles with their wait so far.
    censored: int = 0

    @property
    def achieved_rps(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


def built() -> Path:
    if not BINARY.exists() or BINARY.stat().st_mtime < SOURCE.stat().st_mtime:
        BINARY.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cc", "-O2", "-Wall", "-o", str(BINARY), str(SOURCE)], check=True)
    return BINARY


def run_openloop(port: int, rate: float, seconds: float, connections: int, cpus: str | None,
                 path: str = "/", body_file: Path | None = None, timeout: float = 5.0) -> RateResult:
    argv = [str(built()), "--port", str(port), "--rate", f"{rate:.0f}", "--seconds", f"{seconds:g}",
            "--connections", str(connections), "--path", path, "--timeout", f"{timeout:g}"]
    if body_file is not None:
        argv += ["--body", str(body_file)]
    done = run_client(argv, cpus, timeout=seconds + timeout + 30)
    line = next((l for l in done.stdout.splitlines() if l.startswith("OPENLOOP_JSON ")), None)
    if line is None:
        raise RuntimeError(f"openloop printed no summary (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    s = json.loads(line.removeprefix("OPENLOOP_JSON "))
    return RateResult(
        target_rps=rate, scheduled=s["scheduled"], completed=s["completed"], seconds=s["seconds"],
        p50_ms=s["p50_us"] / 1000, p90_ms=s["p90_us"] / 1000, p99_ms=s["p99_us"] / 1000,
        p999_ms=s["p999_us"] / 1000, max_ms=s["max_us"] / 1000, max_backlog_ms=s["max_backlog_us"] / 1000,
        errors={"connect": s["connect_errors"], "read": s["read_errors"], "write": s["write_errors"],
                "non-2xx": s["non2xx"], "not sent": s["scheduled"] - s["sent"], "unanswered": s["unfinished"]},
        client_cpu_seconds=done.cpu_seconds, idle_closes=s["idle_closes"], censored=s["censored"])
