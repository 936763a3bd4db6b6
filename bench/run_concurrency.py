"""`make bench-concurrency`: 10 000 concurrent keep-alive connections, idle and posting to /predict.

Rows (select with --only, beside the servers evserve and nginx-static):
- idle-memory: the server's RSS holding 10 000 idle keep-alive connections (each made one GET /),
  minus its RSS holding none, per connection (harness/idle_connections.py).
- load: wrk (one thread, 10 000 connections) posts to /predict for 30 s. Passes when wrk saw no
  socket error and no timeout and every answer was 2xx. Reports requests/s and p50/p99 beside
  nginx-static's in the same run, the server's peak RSS and the most descriptors it held at once
  (about one per connection: the proof the connections were concurrent). It runs --rounds times
  (3), the servers taking turns: at this load both servers settle in one of two steady states
  (requests waiting in the client, or past the delayed-ACK time in the server), which a single run
  can land in either way. The targets compare the medians; every round is listed.
The server runs pinned to CPU 1, the clients on CPU 0, after the open-file limit is raised for both
(this process raises RLIMIT_NOFILE; the servers and wrk inherit it). Writes
bench/results/<date>-concurrency.md and .json.

    bench/.venv-peers/bin/python bench/run_concurrency.py [--evserve PATH] [--connections N] [--seconds S] [--rounds R]
                                                          [--only idle-memory,load,evserve,nginx-static]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import core_usage, environment, oracle
from harness.idle_connections import IdleMemory, measure_idle_memory
from harness.limits import raise_fd_limit
from harness.paths import EVSERVE, QUICK_FROM_ENVIRONMENT, results_folder
from harness.selection import Selection
from harness.servers import HOST, ServerSpec, evserve, nginx, started
from harness.wrk import LoadResult, run_wrk

MIB = 2**20
KIB = 2**10
ROWS = ["idle-memory", "load"]
SERVERS = ["evserve", "nginx-static"]
# evserve closes idle keep-alive connections after 5 s by default; opening 10 000 of them one by one
# can take longer on a busy machine, so the run keeps them for a minute (nginx's default is 75 s).
EVSERVE_KEEP_ALIVE = ["--keep-alive-timeout", "60"]


@dataclass
class ConcurrencyResult:
    name: str
    round: int = 0
    load: LoadResult | None = None
    peak_rss_bytes: int = 0
    peak_fds: int = 0
    server_cpu_seconds: float = 0.0
    core_busy: dict | None = None
    idle: IdleMemory | None = None
    # The machine's TCP counters over the load run (both directions: client and server share loopback).
    tcp_segments: int = 0
    delayed_acks: int = 0
    failure: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None and (self.load is None or self.load.error_total == 0)


def tcp_counters() -> tuple[int, int]:
    """TCP segments sent (/proc/net/snmp Tcp OutSegs) and delayed ACKs sent (/proc/net/netstat TcpExt
    DelayedACKs) by this machine so far."""
    def field(path: str, prefix: str, name: str) -> int:
        lines = [line.split() for line in open(path) if line.startswith(prefix)]
        return int(lines[1][lines[0].index(name)])
    return field("/proc/net/snmp", "Tcp:", "OutSegs"), field("/proc/net/netstat", "TcpExt:", "DelayedACKs")


def server_specs(binary: Path, connections: int) -> list[ServerSpec]:
    """evserve (one worker, keeping idle connections a minute) and nginx's static 200, sized for
    `connections`; also bench/tcp_waits.py's servers."""
    plain_evserve = evserve(binary, 1)
    return [ServerSpec("evserve", lambda port, scratch: plain_evserve(port, scratch) + EVSERVE_KEEP_ALIVE),
            ServerSpec("nginx-static", nginx(connections + 1024), serves_model=False)]


# The clients' core: wrk's, and the descriptor sampler's (`watch_fds`).
CLIENT_CPU = 0
# Listing 10,000 descriptors in /proc is kernel work: sampled every 0.25 s on whichever core the scheduler
# chose, it took 2.6 % of the server's core in an evserve run (1.1 % in nginx's; `perf record -C 1`).
FD_SAMPLE_SECONDS = 1.0


def watch_fds(tree, stop: threading.Event, peak: list[int]) -> None:
    """The most descriptors the server held, sampled on the clients' core, never on the server's."""
    os.sched_setaffinity(0, {CLIENT_CPU})  # this thread only
    while not stop.wait(FD_SAMPLE_SECONDS):
        peak[0] = max(peak[0], tree.open_fds())


def run_one(spec: ServerSpec, connections: int, seconds: float, rows: list[str], round_: int) -> ConcurrencyResult:
    result = ConcurrencyResult(spec.name, round_)
    print(f"== {spec.name}: {connections} connections, {seconds:g} s, round {round_ + 1}", flush=True)
    try:
        with started(spec, "1") as server:
            if spec.serves_model:
                oracle.check_predictions(server.url)
            if "idle-memory" in rows:
                result.idle = measure_idle_memory(server.tree, HOST, server.port, connections)
                i = result.idle
                print(f"   idle: RSS {i.rss_idle_bytes / MIB:.1f} MiB, with {connections} idle connections "
                      f"{i.rss_held_bytes / MIB:.1f} MiB ({i.fds_held} fds): "
                      f"{i.bytes_per_connection / KIB:.2f} KiB per connection", flush=True)
            if "load" not in rows:
                return result
            server.tree.reset_peak_rss()
            cpu_before, cores_before = server.tree.cpu_seconds(), core_usage.snapshot()
            stop, peak = threading.Event(), [0]
            watcher = threading.Thread(target=watch_fds, args=(server.tree, stop, peak), daemon=True)
            watcher.start()
            segments_before, delayed_before = tcp_counters()
            try:
                result.load = run_wrk(server.url, "predict.lua", connections, seconds, str(CLIENT_CPU))
            finally:
                stop.set()
                watcher.join()
            segments_after, delayed_after = tcp_counters()
            result.tcp_segments = segments_after - segments_before
            result.delayed_acks = delayed_after - delayed_before
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


def ratio(x: float, base: float | None) -> str:
    return f"{x / base:.2f}×" if base else "–"


def loaded(results: list[ConcurrencyResult], name: str) -> list[ConcurrencyResult]:
    return [r for r in results if r.name == name and r.load]


def median_of(results: list[ConcurrencyResult], name: str, measure) -> float | None:
    """The median over `name`'s rounds of `measure` (of a LoadResult; of an even count the lower one), or None
    without a load run."""
    runs = loaded(results, name)
    return statistics.median_low(measure(r.load) for r in runs) if runs else None


def middle_run(results: list[ConcurrencyResult], name: str) -> ConcurrencyResult | None:
    """`name`'s round with the median requests/s (the lower one of an even count), or its failure."""
    runs = sorted(loaded(results, name), key=lambda r: r.load.rps)
    if runs:
        return runs[(len(runs) - 1) // 2]
    return next((r for r in results if r.name == name), None)


def per_request_segments(r: ConcurrencyResult) -> str:
    """The TCP segments and delayed ACKs of a load run, each per request, as one table cell."""
    return f"{r.tcp_segments / r.load.requests:.2f} / {r.delayed_acks / r.load.requests:.2f}"


def load_table(results: list[ConcurrencyResult], connections: int, seconds: float, rounds: int) -> list[str]:
    names = list(dict.fromkeys(r.name for r in results))
    nginx = middle_run(results, "nginx-static")
    nginx_load = nginx.load if nginx else None
    md = [f"## {connections:,} connections posting to /predict, {seconds:g} s"
          + (f": each server's middle round of {rounds} (by requests/s)" if rounds > 1 else ""), "",
           "| server | req/s | × nginx | p50 ms | p99 ms | p99 × nginx | errors connect/read/write/timeout/non-2xx "
           "| peak fds held | peak RSS MiB | server CPU s | server / client CPU | cores 0 / 1 busy "
           "| TCP segments / delayed ACKs per request | result |",
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for r in filter(None, (middle_run(results, name) for name in names)):
        if r.load is None:
            if r.failure:
                md.append(f"| {r.name} | | | | | | | | | | | | | failed: {r.failure} |")
            continue
        errs = "/".join(str(r.load.errors[k]) for k in ("connect", "read", "write", "timeout", "non-2xx"))
        cores = " / ".join(f"{r.core_busy[c]:.0%}" for c in sorted(r.core_busy or {}))
        md.append(f"| {r.name} | {r.load.rps:,.0f} | {ratio(r.load.rps, nginx_load and nginx_load.rps)} "
                  f"| {r.load.p50_ms:.2f} | {r.load.p99_ms:.2f} | {ratio(r.load.p99_ms, nginx_load and nginx_load.p99_ms)} "
                  f"| {errs} "
                  f"| {r.peak_fds:,} | {r.peak_rss_bytes / MIB:.1f} | {r.server_cpu_seconds:.1f} "
                  f"| {r.server_cpu_seconds / r.load.seconds:.0%} / {r.load.client_cpu_seconds / r.load.seconds:.0%} "
                  f"| {cores} "
                  f"| {per_request_segments(r)} | {'pass' if r.passed else '**fail**'} |")
    if rounds > 1:
        md += ["", "Every round, in the order run (the servers taking turns):", "",
               "| round | server | req/s | p50 ms | p99 ms | TCP segments / delayed ACKs per request | result |",
               "|--:|---|--:|--:|--:|--:|---|"]
        for r in results:
            if r.load is None:
                md.append(f"| {r.round + 1} | {r.name} | | | | | failed: {r.failure} |")
                continue
            md.append(f"| {r.round + 1} | {r.name} | {r.load.rps:,.0f} | {r.load.p50_ms:.2f} | {r.load.p99_ms:.2f} "
                      f"| {per_request_segments(r)} | {'pass' if r.passed else '**fail**'} |")
    return md


def write(stem: Path, results: list[ConcurrencyResult], connections: int, seconds: float, fd_limit: int,
          background: dict[str, float], started_at: datetime.datetime) -> None:
    env = environment.describe()
    stem.with_suffix(".json").write_text(json.dumps({
        "started_at": started_at.isoformat(), "connections": connections, "seconds": seconds,
        "background_core_busy": background, "environment": env,
        "results": [asdict(r) | {"passed": r.passed, "idle_bytes_per_connection":
                                 r.idle.bytes_per_connection if r.idle else None} for r in results]}, indent=1))
    md = [f"# {connections:,} concurrent connections, {started_at:%Y-%m-%d}", "",
          f"Measured by `make bench-concurrency` (bench/run_concurrency.py), started {started_at:%Y-%m-%d %H:%M} UTC; "
          f"machine: **{env['cpu']}**.", ""]
    rounds = max((r.round for r in results), default=0) + 1
    ev_rps, ng_rps = (median_of(results, n, lambda l: l.rps) for n in ("evserve", "nginx-static"))
    ev_p99, ng_p99 = (median_of(results, n, lambda l: l.p99_ms) for n in ("evserve", "nginx-static"))
    if ev_rps and ng_rps:
        rps, p99 = ev_rps / ng_rps, ev_p99 / ng_p99 if ng_p99 else float("inf")
        md += ["## Targets (issue 14)", ""] + ([f"Medians over each server's {rounds} rounds.", ""] if rounds > 1 else []) + [
               "| measure | target | measured | met |", "|---|---|--:|---|",
               f"| req/s at {connections:,} connections vs nginx-static | ≥ 1.0× | {rps:.2f}× | {'yes' if rps >= 1 else '**no**'} |",
               f"| p99 at {connections:,} connections vs nginx-static | ≤ 1.0× | {p99:.2f}× | {'yes' if p99 <= 1 else '**no**'} |",
               ""]
    idle = [r for r in results if r.idle]
    if idle:
        md += [f"## {connections:,} idle keep-alive connections", "",
               "| server | RSS idle MiB | RSS holding them MiB | per connection KiB | server fds held |",
               "|---|--:|--:|--:|--:|"]
        md += [f"| {r.name} | {r.idle.rss_idle_bytes / MIB:.1f} | {r.idle.rss_held_bytes / MIB:.1f} "
               f"| {r.idle.bytes_per_connection / KIB:.2f} | {r.idle.fds_held:,} |" for r in idle]
        md.append("")
    if any(r.load or r.failure for r in results):
        md += load_table(results, connections, seconds, rounds)
    md += ["", "## How it was measured", "",
           f"- Idle connections: one Python client opens {connections:,} connections one after another, makes one "
           "GET / on each and reads the whole answer, then holds them all open and silent; RSS is VmRSS summed "
           "over the server's processes 1 s after the last one opened, minus the same 1 s before the first "
           f"(after the answer check). evserve runs with `{' '.join(EVSERVE_KEEP_ALIVE)}` so that none times out "
           "meanwhile; 'server fds held' shows they were all still open.",
           f"- {env['wrk']}, 1 thread pinned to core 0 (`taskset -c 0`), {connections:,} keep-alive connections, "
           f"{seconds:g} s, `--timeout 2s`, POST /predict with bench/wrk/predict.lua's 2×13 body. wrk counts a "
           "timeout for every connection still waiting (or not yet connected) at each 2 s check. Each round starts "
           "each server afresh, the servers taking turns; the targets compare the medians of the rounds.",
           "- The server pinned to core 1; its /predict answers checked against scikit-learn first.",
           "- Peak fds held: most descriptors the server's processes had open at once (sampled every second, on the clients' core); "
           "about one per client connection.",
           "- Peak RSS: VmHWM summed over the server's processes, reset before the run.",
           "- Server / client CPU: each side's CPU time over the run (100 % = one core); a client at ~100 % "
           "means the figure is client-bound (one wrk thread).",
           "- TCP segments and delayed ACKs per request: the machine's counters over the run (/proc/net/snmp "
           "OutSegs, /proc/net/netstat DelayedACKs; client and server both, on loopback) divided by the requests. "
           "2 segments is a request and its answer, each acknowledging the other; a delayed ACK is a segment "
           "of its own, sent when no data left within the delayed-ACK time (40 ms at least) after data came.",
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
    parser.add_argument("--rounds", type=int, default=3, help="load runs of each server, taking turns")
    parser.add_argument("--only", help=f"comma-separated rows ({','.join(ROWS)}) and servers ({','.join(SERVERS)}); "
                                       "default all")
    parser.add_argument("--quick", action="store_true", default=QUICK_FROM_ENVIRONMENT,
                        help="a development run: results under bench/results/quick.tmp/ (pick few --connections)")
    args, _ = parser.parse_known_args()  # BENCH_ARGS meant for run_bench.py (--baseline) pass unused

    fd_limit = raise_fd_limit()
    if fd_limit < args.connections + 100:
        print(f"error: open-file limit {fd_limit} is below {args.connections} connections", file=sys.stderr)
        return 2
    specs = server_specs(args.evserve, args.connections)
    only = Selection(args.only, SERVERS, ROWS)
    specs = [s for s in specs if only.server(s.name)]
    rows = [r for r in ROWS if only.row(r)]
    if not specs or not rows:
        print("run_concurrency: no row chosen; nothing to do", flush=True)
        return 0
    if any(s.name == "evserve" for s in specs) and not args.evserve.exists():
        print(f"error: {args.evserve} does not exist", file=sys.stderr)
        return 2

    started_at = datetime.datetime.now(datetime.timezone.utc)
    background = core_usage.background_busy()
    results = []
    for round_ in range(args.rounds if "load" in rows else 1):
        # The idle memory once (first round); the load every round, the servers taking turns.
        results += [run_one(s, args.connections, args.seconds, rows if round_ == 0 else ["load"], round_) for s in specs]
    out_dir = results_folder(args.quick)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{started_at:%Y-%m-%d}-concurrency"
    write(stem, results, args.connections, args.seconds, fd_limit, background, started_at)
    print(f"wrote {stem}.md and .json", flush=True)
    return 0 if all(r.passed for r in results if r.name == "evserve") else 1


if __name__ == "__main__":
    sys.exit(main())
