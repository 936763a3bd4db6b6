"""`make bench` (latency part): constant-rate latency at 50 % and 90 % of each server's own maximum.

For nginx-static and evserve, on POST /predict (2x13) and GET /: measure the server's maximum with wrk
(1 thread, 64 connections, as `run_bench.py` does; median of the runs), then hold 50 % and 90 % of it
with bench/openloop (128 connections, latency from each request's due time, so without coordinated
omission) and report p50/p99/p99.9: each share three times, the run with the median p99 standing for it.
Both servers run at once and take turns run by run, as in `run_bench.py`: this machine's slow phases
then fall on both. Server pinned to core 1, clients to core 0. Writes bench/results/<date>-latency.md
and .json (--quick: short runs, under results/quick.tmp/).

    bench/.venv-peers/bin/python bench/run_latency.py [--evserve PATH] [--only nginx-static,evserve]
                                                      [--only latency-predict,latency-index] [--quick]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness import core_usage, environment
from harness.limits import raise_fd_limit
from harness.openloop import PREDICT_BODY, RateResult, run_openloop
from harness.paths import EVSERVE, QUICK_FROM_ENVIRONMENT, results_folder
from harness.selection import Selection
from harness.servers import RunningServer, ServerSpec, evserve, nginx, started
from harness.wrk import run_wrk

SERVER_CPUS, CLIENT_CPUS = "1", "0"
CONNECTIONS = 64  # of the maximum's wrk runs, as run_bench.py's
# Of the constant-rate runs: twice as many, so the client does not run out of free connections near
# the maximum (closed-loop, 64 connections are all busy at the maximum; 90 % of it keeps ~58 in flight).
RATE_CONNECTIONS = 128
SHARES = (0.5, 0.9)
# row -> (title, path, wrk script)
LOADS = {"latency-predict": ("POST /predict 2×13", "/predict", "predict.lua"),
         "latency-index": ("GET /", "/", "index.lua")}
SERVERS = ["nginx-static", "evserve"]
TARGET_P99_MS_AT_HALF = 1.0  # the target for evserve


@dataclass(frozen=True)
class Durations:
    max_seconds: float
    max_repeats: int
    rate_seconds: float
    # Each share's constant-rate runs: the run with the median p99 is the share's figure. One stall of
    # the machine (tens of ms, seen by nginx too) in a single run decides that run's p99 on its own.
    rate_repeats: int
    settle: float

    @staticmethod
    def for_mode(quick: bool) -> "Durations":
        return Durations(2, 1, 3, 1, 0.5) if quick else Durations(5, 3, 10, 3, 1.0)


@dataclass
class LatencyRow:
    server: str
    load: str
    max_rps: float = 0.0
    max_runs_rps: list[float] = field(default_factory=list)
    at: dict[str, RateResult] = field(default_factory=dict)  # "50%" -> the run at half the maximum (median p99)
    runs: dict[str, list[RateResult]] = field(default_factory=dict)  # "50%" -> every run at that share
    failure: str | None = None


def median_run(runs: list[RateResult]) -> RateResult:
    return sorted(runs, key=lambda r: r.p99_ms)[len(runs) // 2]


def measure(specs: list[ServerSpec], loads: list[str], d: Durations, body_file: Path) -> list[LatencyRow]:
    """Starts `specs` together; for each load, their maxima and then each share's runs, taking turns run
    by run (only one server is under load at a time)."""
    rows = {(spec.name, load): LatencyRow(spec.name, load) for spec in specs for load in loads}
    print(f"== {', '.join(s.name for s in specs)}{' (taking turns)' if len(specs) > 1 else ''}", flush=True)
    with contextlib.ExitStack() as stack:
        servers: list[RunningServer] = []
        for spec in specs:
            try:  # one broken server must not hide the other's numbers
                server = stack.enter_context(started(spec, SERVER_CPUS))
                run_wrk(server.url, "predict.lua", CONNECTIONS, 1, CLIENT_CPUS)  # warm-up
                servers.append(server)
            except Exception as e:
                fail([rows[spec.name, load] for load in loads], e)

        def each(load: str, work) -> None:
            """`work(server, row)` for each running server in turn; a failure ends that server's row."""
            for server in servers:
                row = rows[server.spec.name, load]
                if row.failure:
                    continue
                try:
                    work(server, row)
                except Exception as e:
                    fail([row], e)

        for load in loads:
            _, path, script = LOADS[load]

            def maximum(server: RunningServer, row: LatencyRow) -> None:
                time.sleep(d.settle)
                row.max_runs_rps.append(run_wrk(server.url, script, CONNECTIONS, d.max_seconds, CLIENT_CPUS).rps)

            def at_rate(share: float):
                def run(server: RunningServer, row: LatencyRow) -> None:
                    time.sleep(d.settle)
                    r = run_openloop(server.port, share * row.max_rps, d.rate_seconds, RATE_CONNECTIONS, CLIENT_CPUS,
                                     path=path, body_file=body_file if load == "latency-predict" else None)
                    row.runs.setdefault(f"{share:.0%}", []).append(r)
                    print(f"   {row.server:12} {load:15} {share:4.0%} of {row.max_rps:9,.0f} = "
                          f"{r.achieved_rps:9,.0f} req/s  p50 {r.p50_ms:7.3f}  p99 {r.p99_ms:7.3f}  "
                          f"p99.9 {r.p999_ms:7.3f} ms  errors {r.error_total}", flush=True)
                return run

            for _ in range(d.max_repeats):
                each(load, maximum)
            for server in servers:
                row = rows[server.spec.name, load]
                if row.max_runs_rps:
                    row.max_rps = sorted(row.max_runs_rps)[len(row.max_runs_rps) // 2]
            for share in SHARES:
                for _ in range(d.rate_repeats):
                    each(load, at_rate(share))
    for row in rows.values():
        row.at = {share: median_run(runs) for share, runs in row.runs.items()}
    return list(rows.values())


def fail(rows: list[LatencyRow], e: Exception) -> None:
    for row in rows:
        row.failure = row.failure or f"{type(e).__name__}: {e}"
        print(f"   {row.server} {row.load} FAILED: {row.failure}", flush=True)


def table(rows: list[LatencyRow]) -> list[str]:
    """A row per server, load and share: its median run (by p99), and the p99 of every run in run order."""
    lines = ["| server | load | max req/s (wrk, 64 conns) | share | rate asked | done req/s | p50 ms | p99 ms "
             "| p99.9 ms | max ms | longest wait ms | client CPU | errors | p99 ms, every run |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for row in rows:
        if row.failure:
            lines.append(f"| {row.server} | {LOADS[row.load][0]} | failed: {row.failure} | | | | | | | | | | | |")
        for share, r in row.at.items():
            errors = ", ".join(f"{k} {v}" for k, v in r.errors.items() if v) or "0"
            every = ", ".join(f"{run.p99_ms:.2f}" for run in row.runs.get(share, [r]))
            lines.append(f"| {row.server} | {LOADS[row.load][0]} | {row.max_rps:,.0f} | {share} | {r.target_rps:,.0f} "
                         f"| {r.achieved_rps:,.0f} | {r.p50_ms:.3f} | {r.p99_ms:.3f} | {r.p999_ms:.3f} "
                         f"| {r.max_ms:.2f} | {r.max_backlog_ms:.2f} | {r.client_cpu_seconds / r.seconds:.0%} | {errors} "
                         f"| {every} |")
    return lines


def targets(rows: list[LatencyRow]) -> list[str]:
    out = ["| measure | target | measured | met |", "|---|---|--:|---|"]
    for row in rows:
        if row.server == "evserve" and "50%" in row.at:
            v = row.at["50%"].p99_ms
            out.append(f"| evserve {LOADS[row.load][0]}, p99 at 50 % of its maximum | ≤ {TARGET_P99_MS_AT_HALF:g} ms "
                       f"| {v:.3f} ms | {'yes' if v <= TARGET_P99_MS_AT_HALF else '**no**'} |")
    return out


def write(stem: Path, rows: list[LatencyRow], d: Durations, started_at: datetime.datetime, elapsed: float,
          background: dict[str, float], quick: bool) -> None:
    env = environment.describe()
    stem.with_suffix(".json").write_text(json.dumps({
        "started_at": started_at.isoformat(), "elapsed_seconds": elapsed, "quick": quick,
        "durations": asdict(d), "background_core_busy": background, "environment": env,
        "rows": [asdict(r) | {"at": {k: asdict(v) | {"achieved_rps": v.achieved_rps} for k, v in r.at.items()}}
                 for r in rows]}, indent=1))
    md = [f"# Latency at a constant rate, {started_at:%Y-%m-%d}" + (" (quick run)" if quick else ""), "",
          f"Measured by bench/run_latency.py (part of `make bench`), started {started_at:%Y-%m-%d %H:%M} UTC, "
          f"{elapsed / 60:.1f} min; machine: **{env['cpu']}**.", "",
          "## Targets", "", *targets(rows), "", "## Runs", "", *table(rows), "",
          "## How it was measured", "",
          f"- Maximum: {env['wrk']}, 1 thread on core 0, {CONNECTIONS} keep-alive connections, {d.max_seconds:g} s, "
          f"median of {d.max_repeats} run(s), after a 1 s warm-up.",
          f"- Constant rate: bench/openloop (C, one thread on core 0, {RATE_CONNECTIONS} keep-alive connections, one request "
          f"in flight each) for {d.rate_seconds:g} s at 50 % and 90 % of that maximum, {d.rate_repeats} time(s) each; "
          "a row shows the run with the median p99 (its other columns are that run's) and the p99 of every run. "
          "Request i is due at "
          "start + i / rate and its latency runs from that due time, so a stall is charged to every request "
          "that should have gone out during it (no coordinated omission). 'Longest wait': the "
          "longest a due request waited to be sent, all connections being busy or the client behind (0: it "
          "kept to the schedule). "
          "'Client CPU': openloop's CPU time over the run; it polls instead of sleeping when the next request "
          "is due within 50 µs, so at high rates it is near 100 % by design, and 'longest wait' is what says "
          "whether the client kept to the schedule.",
          "- Both servers run at once and take turns run by run (maxima, then each share's runs), so that the "
          "machine's slow phases fall on both; the one waiting is idle.",
          "- POST /predict posts bench/wrk/predict.lua's 2×13 body; nginx-static answers it with a fixed 200.",
          "- Server pinned to core 1 (`taskset -c 1`). Cores busy with other work in the 2 s before the run: "
          + ", ".join(f"core {c} {b:.0%}" for c, b in sorted(background.items())) + ".",
          f"- Linux {env['kernel']}; {env['nginx']}; evserve commit {env['evserve commit']}.", ""]
    stem.with_suffix(".md").write_text("\n".join(md))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evserve", type=Path, default=EVSERVE)
    parser.add_argument("--only", help=f"comma-separated rows ({','.join(LOADS)}) and servers ({','.join(SERVERS)}); "
                                       "names of other scripts' rows and servers pass (harness/selection.py)")
    parser.add_argument("--quick", action="store_true", default=QUICK_FROM_ENVIRONMENT)
    args, _ = parser.parse_known_args()  # run_bench.py's other options (--baseline) pass through unused

    raise_fd_limit()
    d = Durations.for_mode(args.quick)
    only = Selection(args.only, SERVERS, list(LOADS))
    loads = [l for l in LOADS if only.row(l)]
    specs = [ServerSpec("nginx-static", nginx(), serves_model=False), ServerSpec("evserve", evserve(args.evserve, 1))]
    specs = [s for s in specs if only.server(s.name)]
    if not specs or not loads:
        print("run_latency: no row chosen; nothing to do", flush=True)
        return 0
    if any(s.name == "evserve" for s in specs) and not args.evserve.exists():
        print(f"error: {args.evserve} does not exist", file=sys.stderr)
        return 2

    started_at = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    background = core_usage.background_busy()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        body_file = Path(tmp) / "predict.json"
        body_file.write_text(PREDICT_BODY)
        rows = measure(specs, loads, d, body_file)
    elapsed = time.monotonic() - t0
    out_dir = results_folder(args.quick)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{started_at:%Y-%m-%d}-latency"
    write(stem, rows, d, started_at, elapsed, background, args.quick)
    print(f"wrote {stem}.md and .json in {elapsed:.0f} s", flush=True)
    return 1 if any(r.failure for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
