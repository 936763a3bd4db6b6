"""The Open Inference Protocol (v2) rows of `make bench`: MLServer, with adaptive batching off and on,
beside evserve's own v2 route, all on the same request.

Every server here serves the seed's model as `reference` and is driven by bench/wrk/v2_infer.lua
(POST /v2/models/reference/infer, the 2x13 rows of predict.lua as one FP64 tensor) at 64 and 512
connections, pinned like the other servers. Before the load, each server's v2 answers are checked
against scikit-learn on the data set's rows (the harness's oracle, over v2). `report_lines` gives the
comparison and the issue's targets for evserve's v2 route against MLServer's best configuration.
Select these rows with `--only v2` (all three) or by name: mlserver, mlserver-batching, evserve-v2.
"""
from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import numpy as np

from harness import oracle
from harness.paths import BENCH
from harness.phases import Phase, ServerResult
from harness.servers import HOST, ServerSpec, evserve
from harness.wrk import run_wrk

MLSERVER_VENV = BENCH / ".venv-mlserver"
SERVE = Path(__file__).with_name("serve.py")
MODEL = "reference"
INFER_PATH = f"/v2/models/{MODEL}/infer"
READY_PATH = f"/v2/models/{MODEL}/ready"
WRK_SCRIPT = "v2_infer.lua"
# MLServer trains the model, imports its runtime and starts an inference worker, all on one core:
# about a minute on a busy machine.
START_TIMEOUT = 240.0

MLSERVER, MLSERVER_BATCHING, EVSERVE_V2 = "mlserver", "mlserver-batching", "evserve-v2"
NAMES = [MLSERVER, MLSERVER_BATCHING, EVSERVE_V2]
GROUP = "v2"  # `--only v2` selects every row of this file

PHASES = [
    Phase("v2-64", f"POST {INFER_PATH}, 64 connections",
          lambda url, d, cpus: run_wrk(url, WRK_SCRIPT, 64, d.wrk, cpus)),
    Phase("v2-512", f"POST {INFER_PATH}, 512 connections",
          lambda url, d, cpus: run_wrk(url, WRK_SCRIPT, 512, d.wrk, cpus)),
]


def mlserver(batching: bool):
    def argv(port: int, scratch: Path) -> list[str]:
        python = MLSERVER_VENV / "bin" / "python"
        if not python.exists():
            raise RuntimeError(f"{python} is missing: `make bench-deps` builds it from bench/requirements-mlserver.txt")
        return [str(python), str(SERVE), str(scratch), str(port), *(["--batching"] if batching else [])]
    return argv


def specs(evserve_binary: Path) -> list[ServerSpec]:
    """MLServer without and with adaptive batching, then evserve (built-in model, 1 worker) on its v2 route."""
    return [ServerSpec(MLSERVER, mlserver(False), serves_model=False, ready_path=READY_PATH),
            ServerSpec(MLSERVER_BATCHING, mlserver(True), serves_model=False, ready_path=READY_PATH),
            ServerSpec(EVSERVE_V2, evserve(evserve_binary, 1), serves_model=False, ready_path=READY_PATH)]


def infer(url: str, rows: np.ndarray) -> np.ndarray:
    body = {"inputs": [{"name": "input-0", "shape": list(rows.shape), "datatype": "FP64",
                        "data": rows.reshape(-1).tolist()}]}
    request = urllib.request.Request(url + INFER_PATH, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        [output] = [o for o in json.loads(r.read())["outputs"] if o["name"] == "predict"]
    return np.asarray(output["data"], dtype=np.float64)


def check_predictions(url: str) -> float:
    """Largest |y_server - y_sklearn| over wrk's two rows and the data set's 506, asked over v2."""
    worst = 0.0
    for rows in oracle.bodies():
        got, want = infer(url, rows), oracle.trained().predict(rows)
        if got.shape != want.shape:
            raise AssertionError(f"{url}: {got.shape[0]} predictions for {want.shape[0]} rows")
        worst = max(worst, float(np.max(np.abs(got - want))))
    if worst > oracle.TOLERANCE:
        raise AssertionError(f"{url}: v2 predictions differ from scikit-learn's by up to {worst:.3g}")
    return worst


# --- the report's section -----------------------------------------------------------------------

MIB = 2**20
RPS_TARGET, P99_TARGET = 50.0, 10.0


def report_lines(results: list[ServerResult]) -> list[str]:
    rows = [r for r in results if r.name in NAMES]
    if not rows:
        return []
    lines = ["## Open Inference Protocol (v2): evserve and MLServer", "",
             f"`POST {INFER_PATH}` with bench/wrk/v2_infer.lua's body (the 2×13 rows of predict.lua as one FP64 "
             "tensor), each server pinned to core 1 and wrk to core 0 as above. MLServer "
             "(bench/peers/mlserver_peer/serve.py): one HTTP process and one inference worker "
             "(`parallel_workers` 1), debug logging off; `mlserver-batching` adds adaptive batching "
             "(max_batch_size 64, max_batch_time 5 ms). evserve: the built-in model, `--workers 1`.", "",
             "| server | connections | req/s | p50 ms | p99 ms | errors c/r/w/t/non-2xx | server CPU s | peak RSS MiB "
             "| max abs(y − scikit-learn) | req/s of each run |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        if r.failure:
            lines.append(f"| {r.name} | | failed: {r.failure} | | | | | | | |")
            continue
        for phase in PHASES:
            pr = r.phases.get(phase.name)
            if pr is None:
                continue
            errors = "/".join(str(pr.load.errors.get(k, 0)) for k in ("connect", "read", "write", "timeout", "non-2xx"))
            check = "–" if r.max_prediction_error is None else f"{r.max_prediction_error:.3g}"
            runs = " / ".join(f"{x:,.0f}" for x in pr.runs_rps)
            lines.append(f"| {r.name} | {phase.name.split('-')[1]} | {pr.load.rps:,.0f} | {pr.load.p50_ms:.2f} "
                         f"| {pr.load.p99_ms:.2f} | {errors} | {pr.server_cpu_seconds:.1f} "
                         f"| {pr.peak_rss_bytes / MIB:.1f} | {check} | {runs} |")
    lines += ["", *targets(rows), ""]
    return lines


def targets(rows: list[ServerResult]) -> list[str]:
    ev = next((r for r in rows if r.name == EVSERVE_V2 and r.phases), None)
    peers = [r for r in rows if r.name != EVSERVE_V2 and r.phases]
    if ev is None or not peers:
        return ["The targets need evserve-v2 and at least one MLServer row in the same run."]
    out = [f"Targets (issue 13): evserve's v2 route ≥ {RPS_TARGET:g}× MLServer's best configuration's req/s, "
           f"p99 ≥ {P99_TARGET:g}× lower, 0 errors.", "",
           "| connections | MLServer best | its req/s | its p99 ms | evserve v2 req/s | ratio | p99 ratio | evserve errors | met |",
           "|--:|---|--:|--:|--:|--:|--:|--:|---|"]
    for phase in PHASES:
        candidates = [r for r in peers if phase.name in r.phases]
        if phase.name not in ev.phases or not candidates:
            continue
        best = max(candidates, key=lambda r: r.phases[phase.name].load.rps)
        b, e = best.phases[phase.name].load, ev.phases[phase.name].load
        ratio = e.rps / b.rps if b.rps else float("inf")
        p99_ratio = b.p99_ms / e.p99_ms if e.p99_ms else float("inf")
        met = ratio >= RPS_TARGET and p99_ratio >= P99_TARGET and e.error_total == 0
        out.append(f"| {phase.name.split('-')[1]} | {best.name} | {b.rps:,.0f} | {b.p99_ms:.2f} | {e.rps:,.0f} "
                   f"| {ratio:.1f}× | {p99_ratio:.1f}× | {e.error_total} | {'yes' if met else '**no**'} |")
    return out


def append_report(md_path: Path, results: list[ServerResult]) -> None:
    lines = report_lines(results)
    if lines:
        with open(md_path, "a") as md:
            md.write("\n" + "\n".join(lines))


if __name__ == "__main__":
    sys.exit("imported by bench/run_bench.py")
