"""wrk runs: one thread, N keep-alive connections, a lua script that prints one JSON summary line."""
from __future__ import annotations

import json
from dataclasses import dataclass

from .client_process import run_client
from .paths import WRK_SCRIPTS

TIMEOUT = "2s"  # wrk's default, stated: a reply slower than this counts as a timeout error


@dataclass
class LoadResult:
    """What one load phase measured; the same shape for wrk and locust."""
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    client_cpu_seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


def run_wrk(url: str, script: str, connections: int, seconds: float, cpus: str | None) -> LoadResult:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", f"--timeout={TIMEOUT}",
            "-s", str(WRK_SCRIPTS / script), url]
    done = run_client(argv, cpus, timeout=seconds + 60, env={"BENCH_WRK_DIR": str(WRK_SCRIPTS)})
    line = next((l for l in done.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    s = json.loads(line.removeprefix("WRK_JSON "))
    return LoadResult(
        requests=s["requests"], seconds=s["duration_us"] / 1e6,
        p50_ms=s["p50_us"] / 1000, p99_ms=s["p99_us"] / 1000,
        errors={k: s[k] for k in ("connect", "read", "write", "timeout")} | {"non-2xx": s["status"]},
        client_cpu_seconds=done.cpu_seconds)
