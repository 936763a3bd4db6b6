"""`make bench`: evserve beside Flask, FastAPI, Starlette and a static nginx.

Each server runs pinned to CPU 1 and the load generator to CPU 0. For each: check the /predict
answers against scikit-learn, warm up, then wrk on POST /predict at 64 and 512 connections and on
GET / at 64, then locust with the seed's settings. nginx-static and evserve (and a --baseline), whose
figures are compared, run at the same time and take turns run by run; the others one after another.
Then evserve --workers 1 and 2, unpinned. Then the Open Inference Protocol (v2) rows, pinned: MLServer
with adaptive batching off and on, and evserve's v2 route, on POST /v2/models/reference/infer at 64 and
512 connections (bench/peers/mlserver_peer/v2_rows.py), compared with each other and so also taking turns.
Writes bench/results/<date>.md, .json and .png; a partial run writes <date>-<--only's names>.* instead
(BENCH_QUICK=1: short runs, written under results/quick.tmp/).

    bench/.venv-peers/bin/python bench/run_bench.py [--evserve PATH] [--only flask,evserve]
    bench/.venv-peers/bin/python bench/run_bench.py --only v2      (mlserver, mlserver-batching, evserve-v2)
    bench/.venv-peers/bin/python bench/run_bench.py --render bench/results/<date>.json   (redraw .md/.png)
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import sys
import time
from pathlib import Path

from harness import core_usage, oracle, report
from harness.limits import raise_fd_limit
from harness.paths import EVSERVE, QUICK_FROM_ENVIRONMENT, results_folder
from harness.phases import ALL_PHASES, WRK_PHASES, Durations, ServerResult, run_phase_in_turns, warm_up
from harness.servers import PEER_SPECS, ServerSpec, evserve, started
from mlserver_peer import v2_rows  # bench/peers (on sys.path through harness.paths)

SERVER_CPUS = "1"
CLIENT_CPUS = "0"


# The servers whose figures are compared with each other (issue 14's ratios, and a --baseline's): they run
# at the same time and take turns run by run, where the others run one after another.
IN_TURNS = ("nginx-static", "evserve", "evserve-baseline")


def print_phase(name: str, r) -> None:
    print(f"   {name:12} {r.load.rps:10.0f} req/s  p50 {r.load.p50_ms:8.2f} ms  "
          f"p99 {r.load.p99_ms:8.2f} ms  errors {r.load.error_total}  "
          f"server cpu {r.server_cpu_seconds:5.1f} s  rss {r.peak_rss_bytes / 2**20:6.1f} MiB", flush=True)


def bench_servers(specs: list[ServerSpec], phases, durations: Durations, pinned: bool,
                  check=None, warm_script: str = "predict.lua", start_timeout: float = 90.0) -> list[ServerResult]:
    """Starts `specs` together, checks each one's answers (`check(url)`; default: /predict against
    scikit-learn, for servers with a model) and warms it up, then runs every phase with the servers
    taking turns run by run (`run_phase_in_turns`): only one of them is under load at a time."""
    results = [ServerResult(spec.name, pinned) for spec in specs]
    server_cpus, client_cpus = (SERVER_CPUS, CLIENT_CPUS) if pinned else (None, None)
    # Named in each line when several take turns.
    names = {spec.name: f"{spec.name}: " if len(specs) > 1 else "" for spec in specs}
    print(f"== {', '.join(names)} ({'pinned' if pinned else 'unpinned'}{', taking turns' if len(specs) > 1 else ''})",
          flush=True)
    with contextlib.ExitStack() as stack:
        servers = []
        for spec, result in zip(specs, results):
            try:  # one broken server must not hide the others' numbers
                server = stack.enter_context(started(spec, server_cpus, start_timeout))
                answers = check or (oracle.check_predictions if spec.serves_model else None)
                if answers:
                    result.max_prediction_error = answers(server.url)
                    print(f"   {names[spec.name]}answers match scikit-learn (max |diff| "
                          f"{result.max_prediction_error:.3g})", flush=True)
                warm_up(server, durations, client_cpus, warm_script)
                servers.append((server, result))
            except Exception as e:
                result.failure = f"{type(e).__name__}: {e}"
                print(f"   {names[spec.name]}FAILED: {result.failure}", flush=True)
        for phase in phases:
            try:
                measured = run_phase_in_turns([server for server, _ in servers], phase, durations, client_cpus)
            except Exception as e:
                for _, result in servers:
                    result.failure = f"{type(e).__name__}: {e}"
                print(f"   {phase.name} FAILED: {type(e).__name__}: {e}", flush=True)
                break
            for (_, result), r in zip(servers, measured):
                result.phases[phase.name] = r
                print_phase(names[result.name] + phase.name, r)
    return results


def render(json_path: Path) -> int:
    d = json.loads(json_path.read_text())
    report.write(json_path.with_suffix(""), [ServerResult.from_json(r) for r in d["results"]],
                 Durations(**({"wrk_repeats": 1} | d["durations"])), datetime.datetime.fromisoformat(d["started_at"]),
                 d["elapsed_seconds"], d["fd_limit"], d["background_core_busy"], d.get("quick", False),
                 environment=d["environment"], in_turns=report.turn_groups(d.get("in_turns")))
    v2_rows.append_report(json_path.with_suffix(".md"), [ServerResult.from_json(r) for r in d["results"]])
    print(f"rewrote {json_path.with_suffix('.md')} and .png")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evserve", type=Path, default=EVSERVE, help="the evserve binary (release build)")
    parser.add_argument("--baseline", type=Path,
                        help="another evserve binary (e.g. a release build of an earlier commit), measured in the "
                             "same run as `evserve-baseline`, so a change's effect is stated against it")
    parser.add_argument("--only", help="comma-separated server names, e.g. flask,evserve; `v2` for the Open "
                                       "Inference Protocol rows (mlserver, mlserver-batching, evserve-v2)")
    parser.add_argument("--quick", action="store_true", default=QUICK_FROM_ENVIRONMENT,
                        help="short runs for development (also BENCH_QUICK=1)")
    parser.add_argument("--render", type=Path, help="rewrite the .md and .png of a run from its .json")
    args = parser.parse_args()
    if args.render:
        return render(args.render)

    fd_limit = raise_fd_limit()
    durations = Durations.for_mode(args.quick)
    pinned_specs = [*PEER_SPECS, ServerSpec("evserve", evserve(args.evserve, 1))]
    if args.baseline:
        pinned_specs.append(ServerSpec("evserve-baseline", evserve(args.baseline, 1)))
    unpinned_specs = [ServerSpec(f"evserve --workers {n}", evserve(args.evserve, n)) for n in (1, 2)]
    wanted = set(args.only.split(",")) if args.only else None
    if wanted and v2_rows.GROUP in wanted:
        wanted |= set(v2_rows.NAMES)
    v2_specs = v2_rows.specs(args.evserve)

    def chosen(spec: ServerSpec) -> bool:
        return wanted is None or spec.name.split()[0] in wanted

    if not args.evserve.exists() and (wanted is None or any(w.startswith("evserve") for w in wanted)):
        print(f"error: {args.evserve} does not exist; build it with "
              "`swift build -c release --product evserve`", file=sys.stderr)
        return 2

    if not any(chosen(s) for s in [*pinned_specs, *unpinned_specs, *v2_specs]):  # --only named other scripts' rows
        print("run_bench: no server chosen; nothing to do", flush=True)
        return 0

    started_at = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    background = core_usage.background_busy()
    print("background core use before the run: " + ", ".join(f"core {c} {b:.0%}" for c, b in background.items()),
          flush=True)
    in_turns = [s for s in pinned_specs if chosen(s) and s.name in IN_TURNS]
    results: list[ServerResult] = []
    for spec in pinned_specs:
        if chosen(spec) and spec.name not in IN_TURNS:
            results += bench_servers([spec], ALL_PHASES, durations, pinned=True)
    if in_turns:
        results += bench_servers(in_turns, ALL_PHASES, durations, pinned=True)
    for spec in unpinned_specs:
        if chosen(spec):
            results += bench_servers([spec], WRK_PHASES, durations, pinned=False)
    # The v2 rows compare evserve's route with MLServer's: they take turns too. An idle MLServer uses
    # about 0.2 % of its core (measured over 20 s), so the others barely disturb the one under load.
    v2_group = [s for s in v2_specs if chosen(s)]
    if v2_group:
        results += bench_servers(v2_group, v2_rows.PHASES, durations, pinned=True, check=v2_rows.check_predictions,
                                 warm_script=v2_rows.WRK_SCRIPT, start_timeout=v2_rows.START_TIMEOUT)
    elapsed = time.monotonic() - t0

    out_dir = results_folder(args.quick)
    out_dir.mkdir(parents=True, exist_ok=True)
    # A partial run names its own file (`--only v2` -> <date>-v2.md), so it never overwrites the day's full run.
    selection = "-" + "+".join(sorted(n.strip() for n in args.only.split(",") if n.strip())) if args.only else ""
    stem = out_dir / (started_at.strftime("%Y-%m-%d") + selection)
    report.write(stem, results, durations, started_at, elapsed, fd_limit, background, quick=args.quick,
                 in_turns=[[s.name for s in group] for group in (in_turns, v2_group) if len(group) > 1])
    v2_rows.append_report(stem.with_suffix(".md"), results)
    print(f"wrote {stem}.md, .json, .png in {elapsed:.0f} s", flush=True)
    failed = [r.name for r in results if r.failure]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
