"""Headless locust runs with the seed's settings; numbers come from locust's CSV files."""
from __future__ import annotations

import csv
import tempfile
from collections import Counter
from pathlib import Path

from .client_process import run_client
from .paths import LOCUST_VENV, LOCUSTFILE
from .wrk import LoadResult

USERS = 200
SPAWN_RATE = 100  # users started per second


def run_locust(url: str, seconds: int, cpus: str | None) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as tmp:
        prefix = Path(tmp) / "run"
        argv = [str(LOCUST_VENV / "bin" / "locust"), "-f", str(LOCUSTFILE), "--headless",
                "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{seconds}s", "--host", url,
                "--csv", str(prefix), "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING"]
        # locust exits 1 when any request failed; failures are counted below, not treated as a crash.
        done = run_client(argv, cpus, timeout=seconds + 90)
        stats_file = Path(f"{prefix}_stats.csv")
        if not stats_file.exists():
            raise RuntimeError(f"locust wrote no stats (exit {done.returncode}):\n{done.stderr[-2000:]}")
        with open(stats_file) as f:
            total = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
        kinds: Counter[str] = Counter()
        with open(f"{prefix}_failures.csv") as f:
            for r in csv.DictReader(f):
                kinds[failure_kind(r["Error"])] += int(r["Occurrences"])
    requests = int(total["Request Count"])
    rps = float(total["Requests/s"])
    return LoadResult(
        requests=requests, seconds=requests / rps if rps else float(seconds),
        p50_ms=float(total["50%"]), p99_ms=float(total["99%"]),
        errors=dict(kinds), client_cpu_seconds=done.cpu_seconds)


def failure_kind(error: str) -> str:
    """Group locust's error strings: status codes, timeouts, refused/reset connections, bad answers."""
    e = error.lower()
    for needle, kind in (("timeout", "timeout"), ("timed out", "timeout"), ("refused", "connect"),
                         ("reset", "read"), ("broken pipe", "write"), ("status", "non-2xx"),
                         ("bad answer", "bad answer")):
        if needle in e:
            return kind
    return "other"
