"""Write a bench run as markdown (tables, targets, method), JSON (every number) and a PNG chart."""
from __future__ import annotations

import datetime
import json
from dataclasses import asdict
from pathlib import Path

from . import chart
from .environment import describe as describe_environment
from .locust_run import SPAWN_RATE, USERS
from .phases import ALL_PHASES, Durations, PhaseResult, ServerResult
from .wrk import TIMEOUT

MIB = 2**20
WRK_ERROR_KINDS = ["connect", "read", "write", "timeout", "non-2xx"]


def rps_of(results: list[ServerResult], name: str, phase: str) -> float | None:
    for r in results:
        if r.name == name and r.pinned and phase in r.phases:
            return r.phases[phase].load.rps
    return None


def errors_text(pr: PhaseResult, phase: str) -> str:
    if phase == "locust":
        return ", ".join(f"{k} {v}" for k, v in sorted(pr.load.errors.items())) or "0"
    return "/".join(str(pr.load.errors.get(k, 0)) for k in WRK_ERROR_KINDS)


def shares(pr: PhaseResult) -> tuple[float, float]:
    return pr.shares()


def bound_by(pr: PhaseResult, pinned: bool, phase: str) -> str:
    """Which side ran out of CPU; or, when neither did, whether other work held a core."""
    client, server = shares(pr)
    busy = pr.core_busy
    if not pinned:
        if client + server >= 1.8:
            return "both cores full (client + server)"
        return "cores shared with other work" if sum(busy.values()) >= 1.8 else "neither core full"
    if client >= 0.9 and server >= 0.9:
        return "client and server"
    if client >= 0.9:
        return "client (its core full)"
    if server >= 0.9:
        return "server (its core full)"
    others = [c for c, ours in (("0", client), ("1", server)) if busy.get(c, 0) >= 0.9 and busy[c] - ours >= 0.15]
    if others:
        return "core " + " and ".join(others) + " shared with other work"
    return "think time" if phase == "locust" else "neither core full"


def runs_text(pr: PhaseResult) -> str:
    return " / ".join(f"{x / 1000:.1f}k" if x >= 10_000 else f"{x:,.0f}" for x in pr.runs_rps) or "–"


def cores_text(pr: PhaseResult) -> str:
    return " / ".join(f"{pr.core_busy[c]:.0%}" for c in sorted(pr.core_busy))


def ratio(x: float | None, base: float | None) -> str:
    return f"{x / base:.2f}×" if x and base else "–"


def cpu_per_request_text(pr: PhaseResult) -> str:
    v = pr.server_cpu_us_per_request
    return "–" if v is None else f"{v:.1f}"


def phase_table(results: list[ServerResult], phase: str) -> list[str]:
    fastapi, nginx = rps_of(results, "fastapi", phase), rps_of(results, "nginx-static", phase)
    err_head = "failures by kind" if phase == "locust" else "errors c/r/w/t/non-2xx"
    lines = [f"| server | req/s | × FastAPI | × nginx | p50 ms | p99 ms | {err_head} | server CPU s "
             "| server CPU µs/request | server / client CPU | cores 0 / 1 busy | peak RSS MiB | limited by "
             "| req/s of each run |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|"]
    for r in results:
        pr = r.phases.get(phase)
        if pr is None:
            continue
        lines.append(
            f"| {r.name}{'' if r.pinned else ' (unpinned)'} | {pr.load.rps:,.0f} | {ratio(pr.load.rps, fastapi)} "
            f"| {ratio(pr.load.rps, nginx)} | {pr.load.p50_ms:.2f} | {pr.load.p99_ms:.2f} "
            f"| {errors_text(pr, phase)} | {pr.server_cpu_seconds:.1f} | {cpu_per_request_text(pr)} "
            f"| {shares(pr)[1]:.0%} / {shares(pr)[0]:.0%} | {cores_text(pr)} "
            f"| {pr.peak_rss_bytes / MIB:.1f} | {bound_by(pr, r.pinned, phase)} | {runs_text(pr)} |")
    return lines


def summary_table(results: list[ServerResult]) -> list[str]:
    lines = ["| server | /predict 64 conns req/s | p99 ms | /predict 512 conns req/s | p99 ms | errors (512) "
             "| GET / 64 conns req/s | locust req/s | locust p99 ms | peak RSS MiB (64 conns) |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        if not r.phases:
            lines.append(f"| {r.name} | failed: {r.failure} | | | | | | | | |")
            continue
        p = r.phases

        def cell(phase: str, what: str) -> str:
            if phase not in p:
                return "–"
            load = p[phase].load
            return {"rps": f"{load.rps:,.0f}", "p99": f"{load.p99_ms:.2f}", "err": str(load.error_total)}[what]

        rss = f"{p['predict-64'].peak_rss_bytes / MIB:.1f}" if "predict-64" in p else "–"
        lines.append(f"| {r.name}{'' if r.pinned else ' (unpinned)'} | {cell('predict-64', 'rps')} "
                     f"| {cell('predict-64', 'p99')} | {cell('predict-512', 'rps')} | {cell('predict-512', 'p99')} "
                     f"| {cell('predict-512', 'err')} | {cell('index-64', 'rps')} | {cell('locust', 'rps')} "
                     f"| {cell('locust', 'p99')} | {rss} |")
    return lines


def targets_table(results: list[ServerResult]) -> list[str]:
    ev = next((r for r in results if r.name == "evserve" and r.pinned), None)
    if ev is None or not ev.phases:
        return ["evserve was not measured in this run."]
    p = ev.phases
    rows = []

    def add(measure: str, target: str, value: float | None, text: str, ok: bool | None) -> None:
        met = "–" if ok is None or value is None else ("yes" if ok else "**no**")
        rows.append(f"| {measure} | {target} | {text if value is not None else '–'} | {met} |")

    def rps_ratio(phase: str, other: str) -> float | None:
        base = rps_of(results, other, phase)
        return p[phase].load.rps / base if phase in p and base else None

    v = rps_ratio("predict-64", "fastapi")
    add("/predict 64 conns, req/s vs FastAPI", "≥ 15×", v, f"{v:.1f}×" if v else "", v is not None and v >= 15)
    v = rps_ratio("predict-64", "nginx-static")
    add("/predict 64 conns, req/s vs nginx-static", "≥ 0.8× (issue 14)", v, f"{v:.2f}×" if v else "", v is not None and v >= 0.8)
    v = p["predict-512"].load.p99_ms if "predict-512" in p else None
    add("/predict 512 conns, p99", "< 5 ms (issue 14)", v, f"{v:.2f} ms" if v is not None else "", v is not None and v < 5)
    v = p["predict-512"].load.error_total if "predict-512" in p else None
    add("/predict 512 conns, errors", "0", v, str(v), v == 0)
    nginx = next((r for r in results if r.name == "nginx-static" and r.pinned and "predict-64" in r.phases), None)
    mine = p["predict-64"].server_cpu_us_per_request if "predict-64" in p else None
    theirs = nginx.phases["predict-64"].server_cpu_us_per_request if nginx else None
    v = mine / theirs if mine and theirs else None
    add("/predict 64 conns, server CPU per request vs nginx-static", "≤ 1.4×", v,
        f"{v:.2f}× ({mine:.1f} vs {theirs:.1f} µs)" if v else "", v is not None and v <= 1.4)
    v = rps_ratio("index-64", "nginx-static")
    add("GET / 64 conns, req/s vs nginx-static", "≥ 0.9×", v, f"{v:.2f}×" if v else "", v is not None and v >= 0.9)
    v = p["predict-64"].peak_rss_bytes / MIB if "predict-64" in p else None
    add("peak RSS at 64 conns", "< 20 MiB", v, f"{v:.1f} MiB" if v is not None else "", v is not None and v < 20)
    rows.append("| peak RSS at 10 000 conns | < 100 MiB | see `<date>-concurrency.md` (`make bench-concurrency`) | – |")
    rows.append("| p99 at a constant 50 % of its maximum | ≤ 1 ms | see `<date>-latency.md` (bench/run_latency.py) | – |")
    rows.append("| GET /healthz p99, heavy model saturated; body reader MB/s | ≤ 2 ms; ≥ 400 MB/s "
                "| see `<date>-heavy.md` (bench/run_heavy.py) | – |")
    rows.append("| every row of issue 14, from this run and the day's other scripts | | see `<date>-targets.md` "
                "(bench/targets.py) | – |")
    return ["| measure | target | measured | met |", "|---|---|--:|---|", *rows]


def turn_groups(recorded: list | None) -> list[list[str]]:
    """A results file's `in_turns` as groups: stop 22's files hold one group as a flat list of names."""
    if not recorded:
        return []
    return [recorded] if isinstance(recorded[0], str) else recorded


def names(group: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return group[0] if len(group) == 1 else ", ".join(group[:-1]) + " and " + group[-1]


def write(stem: Path, results: list[ServerResult], durations: Durations, started_at: datetime.datetime,
          elapsed: float, fd_limit: int, background: dict[str, float],
          quick: bool, environment: dict[str, str] | None = None, in_turns: list[list[str]] | None = None) -> None:
    """`in_turns`: groups of pinned servers that ran at the same time, taking turns run by run (none before
    stop 22; one group, nginx-static and evserve, in stop 22's)."""
    env = environment or describe_environment()
    title = f"evserve and its peers, {started_at:%Y-%m-%d}" + (" (quick run)" if quick else "")
    chart.draw(stem.with_suffix(".png"), results, title)
    stem.with_suffix(".json").write_text(json.dumps({
        "started_at": started_at.isoformat(), "elapsed_seconds": elapsed, "background_core_busy": background,
        "fd_limit": fd_limit, "quick": quick, "durations": asdict(durations), "in_turns": in_turns or [],
        "environment": env, "results": [asdict(r) for r in results]}, indent=1))

    md = [f"# {title}", "",
          f"Measured by `make bench` (bench/run_bench.py{' with BENCH_QUICK=1' if quick else ''}), started "
          f"{started_at:%Y-%m-%d %H:%M} UTC, {elapsed / 60:.1f} min in all.", "",
          "## Summary", "", *summary_table(results), "",
          f"![requests/s and p99 latency per server]({stem.name}.png)", "",
          "## Targets (evserve pinned, same run)", "", *targets_table(results), ""]
    for phase in ALL_PHASES:
        if any(phase.name in r.phases for r in results):
            md += [f"## {phase.title}", "", *phase_table(results, phase.name), ""]
    failures = [r for r in results if r.failure]
    md += ["## Answers", "", "| server | max abs(y − scikit-learn) over the data set's 506 rows | state |", "|---|--:|---|"]
    for r in results:
        err = "–" if r.max_prediction_error is None else f"{r.max_prediction_error:.3g}"
        state = f"failed: {r.failure}" if r.failure else ("ok" if r.max_prediction_error is not None
                                                          else "static answer, not checked")
        md.append(f"| {r.name}{'' if r.pinned else ' (unpinned)'} | {err} | {state} |")
    md += ["", "## How it was measured", "",
           f"- Machine: {env['cpu']}; Linux {env['kernel']}; loopback only; open-file limit {fd_limit}. "
           "Cores busy with other work in the 2 s before the run: "
           + ", ".join(f"core {c} {b:.0%}" for c, b in sorted(background.items())) + ".",
           "- Pinned runs: the server under `taskset -c 1`, the load generator under `taskset -c 0`, one "
           "server at a time" + ("; " + "; ".join(f"{names(group)} were started together and took turns run by run"
                                                   for group in in_turns)
                                 + " (the first run of each load on each, then the second, ...), so only one "
                                 "of them was under load at a time" if in_turns else "")
           + ". Unpinned runs (evserve --workers 1 / 2): neither pinned, so client and server share both cores.",
           f"- {env['wrk']}: 1 thread, keep-alive, `--timeout {TIMEOUT}`, after a {durations.warmup:g} s warm-up; "
           f"each load runs {durations.wrk_repeats} times for {durations.wrk:g} s and the tables give the median "
           "run by requests/s (its latencies and errors); CPU, core use and peak RSS cover all the runs; POST /predict posts bench/wrk/predict.lua's 2×13 body (rows 1-2 "
           "of the Boston CSV). Errors are wrk's connect/read/write/timeout counts and non-2xx answers.",
           f"- {env['locust']}: load_testing/locustfile.py headless, {USERS} users spawned at {SPAWN_RATE}/s, "
           f"{durations.locust} s, 50–200 ms wait, a fresh 2×13 standard-normal body per request; locust's "
           "percentiles come from response times it keeps rounded to whole milliseconds (below 100 ms; "
           "coarser above), so a sub-millisecond p50 shows as 0 or 1.",
           "- Server CPU s: user + system seconds of the server's process tree during the run. 'Server / "
           "client CPU': the server's and the load generator's CPU time over the run's length (100 % = one "
           "core). 'Cores 0 / 1 busy': each core's non-idle share of the run from /proc/stat, whoever used "
           "it (pinned: core 0 runs the client, core 1 the server); busy time beyond the client's and "
           "server's own is other work on the machine. 'Limited by' names the side that used ≥ 90 % of its "
           "core, else a core that other work kept busy.",
           "- Peak RSS: the kernel's VmHWM summed over the process tree (gunicorn: master + worker; "
           "nginx: master + worker), reset through /proc/PID/clear_refs before each run.",
           "- Peers: Flask on gunicorn's sync worker; FastAPI and Starlette on gunicorn with "
           "uvicorn-worker (uvloop + httptools); one worker each; all train the seed's "
           "GradientBoostingRegressor at start (bench/peers/model.py). nginx-static: nginx with 1 worker "
           "process returning a fixed 200 JSON (bench/peers/nginx.conf.in).",
           f"- Versions: {env['nginx']}; Python {env['python']}: {env['peers']}. "
           f"evserve commit {env['evserve commit']}.", ""]
    if failures:
        md += ["## Failures", "", *[f"- {r.name}: {r.failure}" for r in failures], ""]
    stem.with_suffix(".md").write_text("\n".join(md))
