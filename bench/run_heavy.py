"""`make bench` (heavy part): a heavy model must not stall the event loop, and large bodies end to end.

Rows (select with --only, beside server names):
- heavy: evserve, FastAPI and MLServer serve the same 2000-tree, depth-8 scikit-learn model
  (harness/heavy_model.py); wrk keeps 1000-row requests (~270 KB) in flight on 4 connections while
  bench/openloop polls a health route (GET /healthz; MLServer's GET /v2/health/live) at a constant 200/s on
  2 connections. Reports the poller's p50/p99/p99.9 (latency from each poll's due time) and rows/s. MLServer
  gets the same rows as one v2 FP64 tensor on POST /v2/models/heavy/infer.
- heavy-unpinned: the same with nothing pinned: evserve's loop then need not share a core with its
  inference threads (pinned, it must, and the scheduler's time slices show in the poller's p99).
- large-body: evserve's rows/s end to end with 1000-row requests on its reference model, and (with
  --validation-bench) the body reader's MB/s on the same body from bench/ValidationBench.
Server pinned to core 1, clients to core 0. Writes bench/results/<date>-heavy.md and .json.

    bench/.venv-peers/bin/python bench/run_heavy.py [--evserve PATH] [--only heavy,large-body,evserve,fastapi,mlserver]
                                                    [--validation-bench PATH] [--trees N] [--quick]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import core_usage, environment
from harness.background import Background
from harness.heavy_model import HeavyModel, body_file, heavy_model, v2_body_file
from harness.limits import raise_fd_limit
from harness.openloop import RateResult, run_openloop
from harness.paths import EVSERVE, PEERS, PEERS_VENV, QUICK_FROM_ENVIRONMENT, results_folder
from harness.selection import Selection
from harness.servers import FAST_WORKER, HOST, ServerSpec, evserve, started
from harness.wrk import LoadResult, run_wrk
from mlserver_peer import v2_rows  # bench/peers (on sys.path through harness.paths)

SERVER_CPUS, CLIENT_CPUS = "1", "0"
ROWS = ["heavy", "heavy-unpinned", "large-body"]
SERVERS = ["evserve", "fastapi", "mlserver"]
MLSERVER_MODEL = "heavy"
LOAD_CONNECTIONS = 4
POLL_RATE, POLL_CONNECTIONS = 200, 2
BODY_ROWS = 1000
TARGET_POLL_P99_MS = 2.0
TARGET_READER_MBPS = 400.0
ROW_PLACEMENT = {"heavy": "server on core 1, clients on core 0", "heavy-unpinned": "unpinned, all share both cores"}


@dataclass(frozen=True)
class Durations:
    load_seconds: float
    warmup_seconds: float

    @staticmethod
    def for_mode(quick: bool) -> "Durations":
        return Durations(4, 1) if quick else Durations(20, 3)


@dataclass
class HeavyResult:
    row: str
    server: str
    load: LoadResult | None = None
    poll: RateResult | None = None
    rows_per_request: int = BODY_ROWS
    failure: str | None = None

    @property
    def rows_per_second(self) -> float:
        return self.load.rps * self.rows_per_request if self.load else 0.0


def fastapi_heavy(model: HeavyModel) -> ServerSpec:
    def argv(port: int, scratch: Path) -> list[str]:
        return [str(PEERS_VENV / "bin" / "gunicorn"), "--chdir", str(PEERS), "--workers", "1",
                "--worker-class", FAST_WORKER, "--bind", f"{HOST}:{port}", "--graceful-timeout", "3",
                "--timeout", "120", "--env", f"BENCH_MODEL_PICKLE={model.pickle_file}", "fastapi_heavy_app:app"]
    return ServerSpec("fastapi", argv)


@dataclass(frozen=True)
class Traffic:
    """What the load posts and the poller reads: evserve and FastAPI's /predict and /healthz, or MLServer's v2."""
    body: Path
    path: str = "/predict"
    health_path: str = "/healthz"


def mlserver_heavy(model: HeavyModel) -> ServerSpec:
    """MLServer 1.7.1 (bench/peers/mlserver_peer), adaptive batching off, serving the pickled heavy model."""
    base = v2_rows.mlserver(False)
    return ServerSpec("mlserver", lambda port, scratch: base(port, scratch) + [
        "--model", f"{MLSERVER_MODEL}={model.pickle_file}"],
        serves_model=False, ready_path=f"/v2/models/{MLSERVER_MODEL}/ready")


def evserve_with(binary: Path, model_file: Path | None) -> ServerSpec:
    base = evserve(binary, 1)
    return ServerSpec("evserve", lambda port, scratch: base(port, scratch) + (["--model", str(model_file)] if model_file else []))


def saturate(result: HeavyResult, spec: ServerSpec, traffic: Traffic, d: Durations, poll: bool, pinned: bool = True) -> None:
    """wrk posts the traffic's body on LOAD_CONNECTIONS for the run; meanwhile, if asked, the poller reads its health route.
    Pinned: the server on core 1 (its event loop and job-queue threads share it), the clients on core 0;
    unpinned: everyone shares both cores, so the loop can run beside the inference threads."""
    server_cpus, client_cpus = (SERVER_CPUS, CLIENT_CPUS) if pinned else (None, None)
    print(f"== {result.row}: {spec.name}", flush=True)
    os.environ["BENCH_BODY_FILE"] = str(traffic.body)  # read by bench/wrk/predict_file.lua (wrk inherits them)
    os.environ["BENCH_PATH"] = traffic.path
    try:
        with started(spec, server_cpus, timeout=v2_rows.START_TIMEOUT) as server:
            run_wrk(server.url, "predict_file.lua", LOAD_CONNECTIONS, d.warmup_seconds, client_cpus)
            load = Background(lambda: run_wrk(server.url, "predict_file.lua", LOAD_CONNECTIONS, d.load_seconds,
                                              client_cpus))
            try:
                if poll:
                    time.sleep(0.5)  # let the job queue fill first
                    result.poll = run_openloop(server.port, POLL_RATE, d.load_seconds - 1.5, POLL_CONNECTIONS,
                                               client_cpus, path=traffic.health_path, timeout=5)
            finally:
                result.load = load.outcome()
        l, p = result.load, result.poll
        print(f"   {result.rows_per_second:12,.0f} rows/s ({l.rps:,.1f} req/s, p99 {l.p99_ms:.1f} ms, errors "
              f"{l.error_total})" + (f"; /healthz p50 {p.p50_ms:.3f} p99 {p.p99_ms:.3f} p99.9 {p.p999_ms:.3f} ms, "
                                     f"errors {p.error_total}" if p else ""), flush=True)
    except Exception as e:
        result.failure = f"{type(e).__name__}: {e}"
        print(f"   FAILED: {result.failure}", flush=True)


def reader_mbps(binary: Path) -> tuple[float | None, str]:
    """The body reader's MB/s on the 1000-row body, from ValidationBench's `large-body` line."""
    done = subprocess.run(["taskset", "-c", SERVER_CPUS, str(binary), "large-body"], capture_output=True,
                          text=True, timeout=300)
    m = re.search(r"= ([\d.]+) MB/s", done.stdout)
    return (float(m.group(1)) if m else None), done.stdout.strip()


def write(stem: Path, results: list[HeavyResult], model: HeavyModel | None, mbps: float | None, reader_text: str,
          d: Durations, started_at: datetime.datetime, elapsed: float, background: dict[str, float],
          quick: bool) -> None:
    env = environment.describe()
    stem.with_suffix(".json").write_text(json.dumps({
        "started_at": started_at.isoformat(), "elapsed_seconds": elapsed, "quick": quick, "durations": asdict(d),
        "background_core_busy": background, "environment": env,
        "heavy_model": {"trees": model.trees, "depth": model.depth} if model else None,
        "body_reader_mb_per_s": mbps, "body_reader_output": reader_text,
        "results": [asdict(r) | {"rows_per_second": r.rows_per_second} for r in results]}, indent=1))
    heavy = [r for r in results if r.row.startswith("heavy")]
    large = [r for r in results if r.row == "large-body"]
    md = [f"# Heavy models and large bodies, {started_at:%Y-%m-%d}" + (" (quick run)" if quick else ""), "",
          f"Measured by bench/run_heavy.py (part of `make bench`), started {started_at:%Y-%m-%d %H:%M} UTC, "
          f"{elapsed / 60:.1f} min; machine: **{env['cpu']}**.", "", "## Targets", "",
          "| measure | target | measured | met |", "|---|---|--:|---|"]
    for ev in (r for r in heavy if r.server == "evserve" and r.poll):
        md.append(f"| GET /healthz p99 while the heavy model is saturated ({ROW_PLACEMENT[ev.row]}) "
                  f"| ≤ {TARGET_POLL_P99_MS:g} ms | {ev.poll.p99_ms:.3f} ms "
                  f"| {'yes' if ev.poll.p99_ms <= TARGET_POLL_P99_MS else '**no**'} |")
    if mbps is not None:
        md.append(f"| body reader, {BODY_ROWS}-row body | ≥ {TARGET_READER_MBPS:g} MB/s | {mbps:.0f} MB/s "
                  f"| {'yes' if mbps >= TARGET_READER_MBPS else '**no**'} |")
    if heavy:
        md += ["", f"## Heavy model ({model.trees} trees of depth {model.depth}), {BODY_ROWS}-row requests, "
               "with a constant-rate GET /healthz poller", "",
               "| server | placement | rows/s | req/s | POST p99 ms | POST errors | /healthz p50 ms | p99 ms "
               "| p99.9 ms | max ms | polls answered | poll errors |", "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for r in heavy:
            if r.failure or not r.load:
                md.append(f"| {r.server} | {ROW_PLACEMENT[r.row]} | failed: {r.failure} | | | | | | | | | |")
                continue
            p = r.poll
            md.append(f"| {r.server} | {ROW_PLACEMENT[r.row]} | {r.rows_per_second:,.0f} | {r.load.rps:,.1f} | {r.load.p99_ms:.1f} "
                      f"| {r.load.error_total} | {p.p50_ms:.3f} | {p.p99_ms:.3f} | {p.p999_ms:.3f} | {p.max_ms:.1f} "
                      f"| {p.completed:,} of {p.scheduled:,} | {p.error_total} |")
    if large or mbps is not None:
        md += ["", f"## Large bodies ({BODY_ROWS}×13 rows, {body_file(BODY_ROWS).stat().st_size / 1000:.0f} KB of JSON)", "",
               "| measure | value |", "|---|--:|"]
        for r in large:
            md.append(f"| evserve rows/s end to end (reference model), {LOAD_CONNECTIONS} connections | "
                      + (f"failed: {r.failure}" if r.failure or not r.load else
                         f"{r.rows_per_second:,.0f} ({r.load.rps:,.1f} req/s, p99 {r.load.p99_ms:.1f} ms, "
                         f"errors {r.load.error_total})") + " |")
        if mbps is not None:
            md.append(f"| body reader (bench/ValidationBench, fast reader) | {mbps:.0f} MB/s |")
    md += ["", "## How it was measured", "",
           f"- Load: {env['wrk']}, 1 thread on core 0, {LOAD_CONNECTIONS} keep-alive connections posting the same "
           f"{BODY_ROWS}-row body (standard-normal features, Python's json.dumps) for {d.load_seconds:g} s after a "
           f"{d.warmup_seconds:g} s warm-up; rows/s = answered requests × {BODY_ROWS} / s.",
           f"- Poller: bench/openloop on core 0, GET /healthz (MLServer: GET /v2/health/live) at a constant {POLL_RATE}/s on {POLL_CONNECTIONS} "
           "connections from 0.5 s after the load starts; each poll's latency runs from its due time (no "
           "coordinated omission).",
           "- Heavy model: scikit-learn GradientBoostingRegressor, learning rate 0.05, on make_regression("
           "2000 rows, 13 features), exported with tools/export_sklearn.py (evserve --model) and pickled for "
           "FastAPI (bench/peers/fastapi_heavy_app.py: gunicorn + uvicorn-worker, 1 worker, as fastapi_app.py) and "
           f"MLServer (bench/peers/mlserver_peer/serve.py: MLServer 1.7.1's scikit-learn runtime, one inference "
           f"worker, adaptive batching off; the same rows as one v2 FP64 tensor to POST /v2/models/{MLSERVER_MODEL}/infer, "
           "its GET /v2/health/live polled).",
           "- Servers pinned to core 1 (`taskset -c 1`) and clients to core 0, except in the unpinned row; evserve --workers 1. Cores busy with other work in "
           "the 2 s before the run: " + ", ".join(f"core {c} {b:.0%}" for c, b in sorted(background.items())) + ".",
           f"- Linux {env['kernel']}; Python peers: {env['peers']}; evserve commit {env['evserve commit']}.", ""]
    stem.with_suffix(".md").write_text("\n".join(md))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evserve", type=Path, default=EVSERVE)
    parser.add_argument("--only", help=f"comma-separated rows ({','.join(ROWS)}) and servers ({','.join(SERVERS)})")
    parser.add_argument("--validation-bench", type=Path, help="a release ValidationBench binary: adds the body "
                                                              "reader's MB/s to the large-body row")
    parser.add_argument("--trees", type=int, default=2000, help="trees of the heavy model (fewer: development)")
    parser.add_argument("--quick", action="store_true", default=QUICK_FROM_ENVIRONMENT)
    args, _ = parser.parse_known_args()  # run_bench.py's other options pass through unused

    raise_fd_limit()
    d = Durations.for_mode(args.quick)
    only = Selection(args.only, SERVERS, ROWS)
    rows = [r for r in ROWS if only.row(r)]
    servers = [s for s in SERVERS if only.server(s)]
    if not rows or not servers:
        print("run_heavy: no row chosen; nothing to do", flush=True)
        return 0
    if args.validation_bench and not args.validation_bench.exists():
        print(f"error: {args.validation_bench} does not exist; build it with "
              "`swift build -c release --product ValidationBench`", file=sys.stderr)
        return 2
    if "evserve" in servers and not args.evserve.exists():
        print(f"error: {args.evserve} does not exist", file=sys.stderr)
        return 2

    started_at = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    background = core_usage.background_busy()
    results: list[HeavyResult] = []
    model = None
    if {"heavy", "heavy-unpinned"} & set(rows) and servers:
        model = heavy_model(trees=args.trees, rows=BODY_ROWS)
        predict = Traffic(model.body_file)
        specs = {"evserve": (lambda: evserve_with(args.evserve, model.model_file), predict),
                 "fastapi": (lambda: fastapi_heavy(model), predict),
                 "mlserver": (lambda: mlserver_heavy(model), Traffic(v2_body_file(BODY_ROWS),
                              f"/v2/models/{MLSERVER_MODEL}/infer", "/v2/health/live"))}
        for row, pinned in (("heavy", True), ("heavy-unpinned", False)):
            for name in servers if row in rows else []:
                results.append(HeavyResult(row, name))
                spec, traffic = specs[name]
                saturate(results[-1], spec(), traffic, d, poll=True, pinned=pinned)
    if "large-body" in rows and "evserve" in servers:
        results.append(HeavyResult("large-body", "evserve"))
        saturate(results[-1], evserve_with(args.evserve, None), Traffic(body_file(BODY_ROWS)), d, poll=False)
    mbps, reader_text = None, ""
    if "large-body" in rows and args.validation_bench:
        mbps, reader_text = reader_mbps(args.validation_bench)
        print(f"== body reader: {mbps} MB/s", flush=True)
    if not results and mbps is None:
        print("run_heavy: no row chosen; nothing to do", flush=True)
        return 0
    elapsed = time.monotonic() - t0
    out_dir = results_folder(args.quick)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{started_at:%Y-%m-%d}-heavy"
    write(stem, results, model, mbps, reader_text, d, started_at, elapsed, background, args.quick)
    print(f"wrote {stem}.md and .json in {elapsed:.0f} s", flush=True)
    return 1 if any(r.failure for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
