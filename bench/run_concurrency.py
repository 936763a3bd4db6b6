"""`make bench-concurrency`: 10 000 concurrent keep-alive connections posting to /predict for 30 s.

The server runs pinned to CPU 1, wrk (one thread, 10 000 connections) to CPU 0, after the open-file
limit is raised for both. Passes when wrk saw no socket error and no timeout and every answer was 2xx.
Reports requests/s, p50/p99, the server's peak RSS and the most descriptors it held at once (about
one per connection: the proof the connections were concurrent). nginx-static runs the same load as a
reference. Writes bench/results/<date>-concurrency.md and .json.

    bench/.venv-peers/bin/python bench/run_concurrency.py [--evserve PATH] [--connections N] [--seconds S]
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import core_usage, environment, oracle
from harness.limits import raise_fd_limit
from harness.paths import EVSERVE, RESULTS
from harness.servers import ServerSpec, evserve, nginx, started
from harness.wrk import LoadResult, run_wrk

MIB = 2**20


@dataclass
class ConcurrencyResult:
    name: str
    load: LoadResult | None = None
    peak_rss_bytes: int = 0
    peak_fds: int = 0
    server_cpu_seconds: float = 0.0
    core_busy: dict | None = None
    failure: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None and self.load is not None and self.load.error_total == 0


def watch_fds(tree, stop: threading.Event, peak: list[int]) -> None:
    while not stop.wait(0.25):
        peak[0] = max(peak[0], tree.open_fds())


def run_one(spec: ServerSpec, connections: int, seconds: float) -> ConcurrencyResult:
    result = ConcurrencyResult(spec.name)
    print(f"== {spec.name}: {connections} connections, {seconds:g} s", flush=True)
    try:
        with started(spec, "1") as server:
            if spec.serves_model:
                oracle.check_predictions(server.url)
            server.tree.reset_peak_rss()
            cpu_before, cores_before = server.tree.cpu_seconds(), core_usage.snapshot()
            stop, peak = threading.Event(), [0]
            watcher = threading.Thread(target=watch_fds, args=(server.tree, stop, peak), daemon=True)
            watcher.start()
            try:
                result.load = run_wrk(server.url, "predict.lua", connections, seconds, "0")
            finally:
                stop.set()
                watcher.join()
            result.core_busy = core_usage.busy_fractions(cores_before, core_usage.snapshot())
            result.server_cpu_seconds = server.tree.cpu_seconds() - cpu_before
            result.peak_rss_bytes, result.peak_fds = server.tree.peak_rss_bytes(), peak[0]
            l = result.load
            print(f"   {l.rps:,.0f} req/s  p50 {l.p50_ms:.2f} ms  p99 {l.p99_ms:.2f} ms  errors {l.errors}  "
                  f"peak RSS {result.peak_rss_bytes / MIB:.1f} MiB  peak fds {result.peak_fds}", flush=True)
    except Exception as e:
        result.failure = f"{type(e).__name__}: {e}"
        print(f"   FAILED: {result.failure}", flush=True)
    return result


def write(stem: Path, results: list[ConcurrencyResult], connections: int, seconds: float, fd_limit: int,
          background: dict[str, float], started_at: datetime.datetime) -> None:
    env = environment.describe()
    stem.with_suffix(".json").write_text(json.dumps({
        "started_at": started_at.isoformat(), "connections": connections, "seconds": seconds,
        "background_core_busy": background, "environment": env,
        "results": [asdict(r) | {"passed": r.passed} for r in results]}, indent=1))
    md = [f"# {connections:,} concurrent connections, {started_at:%Y-%m-%d}", "",
          f"Measured by `make bench-concurrency` (bench/run_concurrency.py), started {started_at:%Y-%m-%d %H:%M} UTC.",
          "", "| server | req/s | p50 ms | p99 ms | errors connect/read/write/timeout/non-2xx | peak fds held "
          "| peak RSS MiB | server CPU s | server / client CPU | cores 0 / 1 busy | result |",
          "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for r in results:
        if r.load is None:
            md.append(f"| {r.name} | | | | | | | | | | failed: {r.failure} |")
            continue
        errs = "/".join(str(r.load.errors[k]) for k in ("connect", "read", "write", "timeout", "non-2xx"))
        cores = " / ".join(f"{r.core_busy[c]:.0%}" for c in sorted(r.core_busy or {}))
        md.append(f"| {r.name} | {r.load.rps:,.0f} | {r.load.p50_ms:.2f} | {r.load.p99_ms:.2f} | {errs} "
                  f"| {r.peak_fds:,} | {r.peak_rss_bytes / MIB:.1f} | {r.server_cpu_seconds:.1f} "
                  f"| {r.server_cpu_seconds / r.load.seconds:.0%} / {r.load.client_cpu_seconds / r.load.seconds:.0%} "
                  f"| {cores} "
                  f"| {'pass' if r.passed else '**fail**'} |")
    md += ["", "## How it was measured", "",
           f"- {env['wrk']}, 1 thread pinned to core 0 (`taskset -c 0`), {connections:,} keep-alive connections, "
           f"{seconds:g} s, `--timeout 2s`, POST /predict with bench/wrk/predict.lua's 2×13 body. wrk counts a "
           "timeout for every connection still waiting (or not yet connected) at each 2 s check.",
           "- The server pinned to core 1; its /predict answers checked against scikit-learn first.",
           "- Peak fds held: most descriptors the server's processes had open at once (sampled every 0.25 s); "
           "about one per client connection.",
           "- Peak RSS: VmHWM summed over the server's processes, reset before the run.",
           "- Server / client CPU: each side's CPU time over the run (100 % = one core); a client at ~100 % "
           "means the figure is client-bound (one wrk thread).",
           f"- Machine: {env['cpu']}; Linux {env['kernel']}; open-file limit {fd_limit}; cores busy with "
           "other work in the 2 s before the run: "
           + ", ".join(f"core {c} {b:.0%}" for c, b in sorted(background.items())) + ".",
           f"- Versions: {env['nginx']}; evserve commit {env['evserve commit']}.", ""]
    stem.with_suffix(".md").write_text("\n".join(md))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evserve", type=Path, default=EVSERVE)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--only", help="comma-separated: evserve,nginx-static (default both)")
    args = parser.parse_args()

    fd_limit = raise_fd_limit()
    if fd_limit < args.connections + 100:
        print(f"error: open-file limit {fd_limit} is below {args.connections} connections", file=sys.stderr)
        return 2
    specs = [ServerSpec("evserve", evserve(args.evserve, 1)),
             ServerSpec("nginx-static", nginx(args.connections + 1024), serves_model=False)]
    if args.only:
        specs = [s for s in specs if s.name in args.only.split(",")]
    if any(s.name == "evserve" for s in specs) and not args.evserve.exists():
        print(f"error: {args.evserve} does not exist", file=sys.stderr)
        return 2

    started_at = datetime.datetime.now(datetime.timezone.utc)
    background = core_usage.background_busy()
    results = [run_one(s, args.connections, args.seconds) for s in specs]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{started_at:%Y-%m-%d}-concurrency"
    write(stem, results, args.connections, args.seconds, fd_limit, background, started_at)
    print(f"wrote {stem}.md and .json", flush=True)
    evserve_result = next((r for r in results if r.name == "evserve"), None)
    return 0 if evserve_result is None or evserve_result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
