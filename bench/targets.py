#!/usr/bin/env python3
"""Every row of issue 14 (and the Open Inference Protocol row) from one day's results, in one table.

`make bench` and `make bench-concurrency` end with this. It reads the JSON that their scripts wrote
for the day (run_bench.py, run_latency.py, run_heavy.py, the reference model's timing by
inference_sklearn.py --reference-only, run_concurrency.py), takes for each row the newest file that
measured it, and writes `bench/results/<date>-targets.md`: evserve's figure, its peer's in the same
run, the ratio, the target, whether it is met, and the file. The CPU each file was measured on is
named; a row nobody ran that day says so. Files renamed with `-stop` (kept from an earlier stop of
the same day) are not read.

Usage: bench/.venv-peers/bin/python bench/targets.py [--date YYYY-MM-DD] [--quick]
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.paths import QUICK_FROM_ENVIRONMENT, results_folder  # noqa: E402
from harness.phases import ServerResult  # noqa: E402
from harness.wrk import LoadResult  # noqa: E402
from run_concurrency import ConcurrencyResult, loaded, median_of  # noqa: E402


def load_day(folder: Path, date: str) -> list[tuple[Path, dict]]:
    """The day's results as (file, contents), newest first."""
    files = []
    for path in folder.glob(f"{date}*.json"):
        if "-stop" in path.name or path.name.endswith("-targets.json"):
            continue
        try:
            files.append((path, json.loads(path.read_text())))
        except (OSError, ValueError):
            continue
    return sorted(files, key=lambda f: f[1].get("started_at", ""), reverse=True)


def newest(day: list[tuple[Path, dict]], measured) -> tuple[Path | None, dict]:
    """The newest of the day's files for which `measured(contents)` holds, or (None, {})."""
    return next(((p, d) for p, d in day if measured(d)), (None, {}))


class Table:
    """The rows written so far, and what each file they came from was measured on."""

    def __init__(self):
        self.rows: list[str] = []
        self.sources: dict[str, str] = {}

    def source(self, path: Path | None, data: dict | None) -> str:
        if path is None:
            return "not run"
        env = (data or {}).get("environment") or {}
        cpu = env.get("cpu") or (data or {}).get("cpu") or "CPU not recorded"
        self.sources[path.name] = f"{cpu}; evserve {env.get('evserve commit', 'commit not recorded')}"
        return f"`{path.name}`"

    def add(self, measure: str, mine: str, peer: str, ratio: str, target: str, met: bool | None, where: str) -> None:
        verdict = "–" if met is None else ("yes" if met else "**no**")
        self.rows.append(f"| {measure} | {mine} | {peer} | {ratio} | {target} | {verdict} | {where} |")


def fmt(value: float | None, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def divide(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def bench_servers(data: dict) -> dict[str, ServerResult]:
    """run_bench.py's pinned servers that did not fail, read back as it wrote them (`ServerResult.from_json`);
    empty for another script's file."""
    results = data.get("results", [])
    if not results or not all("phases" in r for r in results):
        return {}
    return {r.name: r for r in map(ServerResult.from_json, results) if r.pinned and not r.failure}


def bench_rows(table: Table, day: list[tuple[Path, dict]]) -> None:
    def measured_predict(found: dict[str, ServerResult]) -> bool:
        return "nginx-static" in found and "evserve" in found and "predict-64" in found["evserve"].phases

    path, data = newest(day, lambda d: measured_predict(bench_servers(d)))
    found = bench_servers(data)
    ev, ng = (found[n].phases if n in found else {} for n in ("evserve", "nginx-static"))
    where = table.source(path, data)
    mine, theirs = (p["predict-64"].load.rps if "predict-64" in p else None for p in (ev, ng))
    r = divide(mine, theirs)
    table.add("POST /predict 2×13, 64 conns, req/s (peer: nginx's static 200)", fmt(mine, "{:,.0f}"), fmt(theirs, "{:,.0f}"),
              fmt(r, "{:.2f}×"), "≥ 0.8×", None if r is None else r >= 0.8, where)
    mine, theirs = (p["predict-64"].server_cpu_us_per_request if "predict-64" in p else None for p in (ev, ng))
    r = divide(mine, theirs)
    table.add("same, server CPU µs per request", fmt(mine, "{:.1f}"), fmt(theirs, "{:.1f}"), fmt(r, "{:.2f}×"),
              "≤ 1.4×", None if r is None else r <= 1.4, where)
    p512, n512 = ev.get("predict-512"), ng.get("predict-512")
    mine = p512.load.p99_ms if p512 else None
    errors = p512.load.error_total if p512 else None
    table.add("POST /predict 512 conns, p99 ms (errors)", fmt(mine, "{:.2f}") + (f" ({errors})" if p512 else ""),
              fmt(n512.load.p99_ms if n512 else None, "{:.2f}"), "–", "< 5 ms, 0 errors",
              None if mine is None else mine < 5 and errors == 0, where)
    # Little's law: with every connection waiting on one request, the mean latency is the connections
    # divided by the rate, whatever the server. Below 5 ms at 512 connections needs 102,400 req/s.
    mine, theirs = (512 / p.load.rps * 1000 if p and p.load.rps else None for p in (p512, n512))
    table.add("same, mean latency that rate forces (Little's law: 512 ÷ req/s), ms; 5 ms needs ≥ 102,400 req/s",
              fmt(mine, "{:.2f}"), fmt(theirs, "{:.2f}"), "–", "–", None, where)

    def measured_v2(found: dict[str, ServerResult]) -> bool:
        return "evserve-v2" in found and ("mlserver" in found or "mlserver-batching" in found)

    path, data = newest(day, lambda d: measured_v2(bench_servers(d)))
    found = bench_servers(data)
    where = table.source(path, data)
    for conns in (64, 512):
        name = f"v2-{conns}"
        mine_phase = found["evserve-v2"].phases.get(name) if "evserve-v2" in found else None
        peers = [found[n].phases.get(name) for n in ("mlserver", "mlserver-batching") if n in found]
        best = max((p for p in peers if p), key=lambda p: p.load.rps, default=None)
        mine, theirs = (p.load.rps if p else None for p in (mine_phase, best))
        r = divide(mine, theirs)
        table.add(f"POST /v2/models/reference/infer, {conns} conns, req/s (peer: MLServer's better configuration)",
                  fmt(mine, "{:,.0f}"), fmt(theirs, "{:,.0f}"), fmt(r, "{:.1f}×"), "≥ 50×",
                  None if r is None else r >= 50, where)
        mine, theirs = (p.load.p99_ms if p else None for p in (mine_phase, best))
        r = divide(theirs, mine)
        table.add(f"same, p99 ms ({conns} conns; ratio: how many times lower)", fmt(mine, "{:.2f}"), fmt(theirs, "{:.2f}"),
                  fmt(r, "{:.0f}×"), "≥ 10× lower", None if r is None else r >= 10, where)


def inference_rows(table: Table, day: list[tuple[Path, dict]]) -> None:
    path, data = newest(day, lambda d: "scikit-learn" in d and "evserve" in d)
    where = table.source(path, data)
    for rows, target in ((2, 0.4), (4096, 0.15)):
        key = f"predict_ns_per_row_{rows}"
        mine = data["evserve"][key] / 1000 if data else None
        theirs = data["scikit-learn"][key] / 1000 if data else None
        r = divide(theirs, mine)
        table.add(f"reference model, µs per row at {rows} rows, one thread (peer: scikit-learn; ratio: speed-up)",
                  fmt(mine, "{:.3f}"), fmt(theirs, "{:.2f}"), fmt(r, "{:.0f}×"), f"≤ {target} µs",
                  None if mine is None else mine <= target, where)


def latency_rows(table: Table, day: list[tuple[Path, dict]]) -> None:
    def row(data: dict, name: str, load: str) -> dict | None:
        return next((r for r in data.get("rows", []) if r.get("server") == name and r.get("load") == load
                     and not r.get("failure")), None)

    path, data = newest(day, lambda d: row(d, "evserve", "latency-predict"))
    where = table.source(path, data)
    peer = row(data, "nginx-static", "latency-predict")
    for share, target in (("50%", 1.0), ("90%", None)):
        at = ((row(data, "evserve", "latency-predict") or {}).get("at") or {}).get(share)
        theirs = ((peer or {}).get("at") or {}).get(share)
        cell = (lambda a: "–" if not a else f"{a['p50_ms']:.2f} / {a['p99_ms']:.2f} / {a['p999_ms']:.2f}")
        table.add(f"POST /predict at a constant {share} of the server's own maximum, p50 / p99 / p99.9 ms "
                  "(peer: nginx at its own)", cell(at), cell(theirs), "–",
                  "p99 ≤ 1 ms" if target else "reported", None if not at or target is None else at["p99_ms"] <= target,
                  where)


def heavy_rows(table: Table, day: list[tuple[Path, dict]]) -> None:
    def row(data: dict, name: str, kind: str) -> dict | None:
        return next((r for r in data.get("results", []) if r.get("row") == kind and r.get("server") == name
                     and not r.get("failure")), None)

    for kind, label in (("heavy", "pinned"), ("heavy-unpinned", "unpinned")):
        path, data = newest(day, lambda d: row(d, "evserve", kind))
        poll = (row(data, "evserve", kind) or {}).get("poll") or {}
        # Both rows answer the "p99 ≤ 2 ms", as run_heavy.py's own report has it.
        table.add(f"heavy model saturated ({label}): GET /healthz p99 ms", fmt(poll.get("p99_ms"), "{:.2f}"), "–", "–",
                  "≤ 2 ms", None if "p99_ms" not in poll else poll["p99_ms"] <= 2, table.source(path, data))
        for peer, peer_name in (("fastapi", "FastAPI"), ("mlserver", "MLServer")):
            # The ratio needs both in one run: the newest file that has the peer too.
            path, data = newest(day, lambda d: row(d, "evserve", kind) and row(d, peer, kind))
            mine, theirs = ((row(data, n, kind) or {}).get("rows_per_second") for n in ("evserve", peer))
            table.add(f"same, rows/s (peer: {peer_name}, same trees)", fmt(mine, "{:,.0f}"), fmt(theirs, "{:,.0f}"),
                      fmt(divide(mine, theirs), "{:.1f}×"), "reported", None, table.source(path, data))

    path, data = newest(day, lambda d: d.get("body_reader_mb_per_s") or row(d, "evserve", "large-body"))
    where = table.source(path, data)
    mb = data.get("body_reader_mb_per_s")
    table.add("body reader on a 1000-row body, MB/s", fmt(mb, "{:,.0f}"), "–", "–", "≥ 400 MB/s",
              None if mb is None else mb >= 400, where)
    large = row(data, "evserve", "large-body")
    table.add("1000-row requests end to end, rows/s", fmt((large or {}).get("rows_per_second"), "{:,.0f}"), "–", "–",
              "reported", None, where)


def concurrency_rows(table: Table, day: list[tuple[Path, dict]]) -> None:
    def rounds_of(data: dict) -> list[ConcurrencyResult]:
        """run_concurrency.py's rounds, read back as far as its medians need (name, round, load)."""
        if "connections" not in data:
            return []
        return [ConcurrencyResult(r["name"], r.get("round", 0), LoadResult(**r["load"]) if r.get("load") else None)
                for r in data.get("results", [])]

    def measured_load(results: list[ConcurrencyResult]) -> bool:
        return bool(loaded(results, "evserve") and loaded(results, "nginx-static"))

    path, data = newest(day, lambda d: measured_load(rounds_of(d)))
    results = rounds_of(data)
    where = table.source(path, data)
    rounds = len(loaded(results, "evserve"))
    spread = f"median of {rounds} round{'s' if rounds != 1 else ''}" if rounds else "median of the rounds"
    conns = f"{data.get('connections', 10_000):,}"
    # run_concurrency.py's own medians (`median_of`), so the two reports cannot disagree.
    mine, theirs = (median_of(results, n, lambda l: l.rps) for n in ("evserve", "nginx-static"))
    r = divide(mine, theirs)
    table.add(f"{conns} keep-alive conns posting /predict, req/s ({spread}; peer: nginx's static 200)",
              fmt(mine, "{:,.0f}"), fmt(theirs, "{:,.0f}"), fmt(r, "{:.2f}×"), "≥ 1.0×", None if r is None else r >= 1.0, where)
    mine, theirs = (median_of(results, n, lambda l: l.p99_ms) for n in ("evserve", "nginx-static"))
    r = divide(mine, theirs)
    table.add("same, p99 ms (median of the rounds)", fmt(mine, "{:.1f}"), fmt(theirs, "{:.1f}"), fmt(r, "{:.2f}×"),
              "≤ 1.0×", None if r is None else r <= 1.0, where)
    idle = {r["name"]: r["idle_bytes_per_connection"] for r in data.get("results", []) if r.get("idle_bytes_per_connection")}
    table.add("memory per idle connection, KiB", fmt(idle["evserve"] / 1024 if "evserve" in idle else None, "{:.2f}"),
              fmt(idle["nginx-static"] / 1024 if "nginx-static" in idle else None, "{:.2f}"), "–", "reported", None, where)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default=datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
                        help="the day's results to read (default today, UTC, as the scripts name their files)")
    parser.add_argument("--quick", action="store_true", default=QUICK_FROM_ENVIRONMENT,
                        help="read and write bench/results/quick.tmp/ instead (also BENCH_QUICK=1)")
    args = parser.parse_args()
    folder = results_folder(args.quick)
    day = load_day(folder, args.date)
    table = Table()
    for part in (bench_rows, inference_rows, latency_rows, heavy_rows, concurrency_rows):
        part(table, day)
    lines = [f"# Issue 14's rows, {args.date}", "",
             "Written by `bench/targets.py` from the day's results (each row from the newest file that measured it; "
             "`make bench` and `make bench-concurrency` run it last). Peers were measured in the same run as evserve.", "",
             "| measure | evserve | peer | ratio | target | met | file |", "|---|--:|--:|--:|---|---|---|", *table.rows, "",
             "Measured on (from each file):", ""]
    lines += [f"- `{name}`: {what}" for name, what in sorted(table.sources.items())] or ["- nothing: no results that day"]
    out = folder / f"{args.date}-targets.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
