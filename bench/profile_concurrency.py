"""Where the server's core goes per request at 10 000 connections, evserve beside nginx: `make
bench-concurrency`'s load (the same servers, pinning and wrk), sampled on the server's core with
`perf record -C 1 -e cpu-clock -g`, and split per request into the kernel, the event loop's user space,
the other server threads' user space (evserve's job threads: the body, the model, the answer) and
anything else that ran there. With the core full, a request costs 1 / (requests/s) of it, and each
part is its share of the samples times that.

    bench/.venv-peers/bin/python bench/profile_concurrency.py [--evserve PATH] [--seconds 20] [--top 12]
    (`make bench-profile-concurrency`; needs perf, Debian's linux-perf)

Writes bench/results/<date>-concurrency-profile.txt (BENCH_QUICK=1 or --quick: its quick.tmp/). One
round per server: a profile shows where the time goes, not which server is faster (that is
`make bench-concurrency`'s medians).
"""
from __future__ import annotations

import argparse
import datetime
import platform
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

from harness import environment, oracle
from harness.limits import raise_fd_limit
from harness.paths import EVSERVE, QUICK_FROM_ENVIRONMENT, results_folder
from harness.servers import started
from harness.wrk import run_wrk
from run_concurrency import CLIENT_CPU, server_specs

SERVER_CPU = 1
SAMPLES_PER_SECOND = 2000
RAMP_SECONDS = 2.0   # not sampled: wrk is still opening its connections
PARTS = ("kernel", "event loop, user space", "other server threads, user space", "other processes", "idle")


def record(seconds: float, output: Path) -> subprocess.Popen:
    return subprocess.Popen(["perf", "record", "-q", "-o", str(output), "-C", str(SERVER_CPU), "-e", "cpu-clock",
                             "-F", str(SAMPLES_PER_SECOND), "-g", "--", "sleep", f"{seconds:g}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def samples(data: Path) -> list[tuple[float, int, str, str, str]]:
    """(percent, tid, comm, dso, symbol) for every distinct row of the recording."""
    text = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "pid,dso,sym", "-q",
                           "--stdio", "-g", "none", "--percent-limit", "0", "-t", "|"],
                          capture_output=True, text=True, check=True).stdout
    rows = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) != 4 or not fields[0].endswith("%"):
            continue
        tid, _, comm = fields[1].partition(":")
        symbol = fields[3].split("] ", 1)[-1]  # without perf's "[k] " or "[.] "
        rows.append((float(fields[0].rstrip("%")), int(tid), comm, fields[2], symbol))
    return rows


def demangled(symbols: list[str]) -> dict[str, str]:
    """Swift symbols as `swift demangle --simplified` writes them; the rest (and all, without it) as they are."""
    swift = [name for name in symbols if name.startswith("$s")]
    try:
        out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(swift),
                             capture_output=True, text=True, timeout=60).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        out = []
    names = dict(zip(swift, out)) if len(out) == len(swift) else {}
    return {name: names.get(name, name) for name in symbols}


def part(tid: int, comm: str, dso: str, loop_tids: set[int], server_tids: set[int]) -> str:
    if tid == 0:
        return "idle"
    if dso == "[kernel.kallsyms]" and (tid in server_tids or comm.startswith("ksoftirqd")):
        return "kernel"
    if tid in loop_tids:
        return "event loop, user space"
    if tid in server_tids:
        return "other server threads, user space"
    return "other processes"


def profile(spec, connections: int, seconds: float, scratch: Path) -> dict:
    print(f"== {spec.name}: {connections} connections, {seconds:g} s", flush=True)
    data = scratch / f"{spec.name}.data"
    with started(spec, str(SERVER_CPU)) as server:
        if spec.serves_model:
            oracle.check_predictions(server.url)
        # The server's threads: its event loops are those named as their process (evserve's loop, nginx's
        # workers); sampled during the load, when evserve's job threads exist.
        threads: dict[int, str] = {}

        def note_threads() -> None:
            for process in server.tree.processes():
                for thread in process.threads():
                    try:
                        threads[thread.id] = Path(f"/proc/{process.pid}/task/{thread.id}/comm").read_text().strip()
                    except OSError:
                        pass

        perf: list[subprocess.Popen] = []
        recorder = threading.Timer(RAMP_SECONDS, lambda: perf.append(record(seconds - 2 * RAMP_SECONDS, data)))
        recorder.start()
        sampler = threading.Timer(seconds / 2, note_threads)
        sampler.start()
        load = run_wrk(server.url, "predict.lua", connections, seconds, str(CLIENT_CPU))
        recorder.join()
        sampler.join()
        perf[0].wait()
        names = {p.name() for p in server.tree.processes()}
    loop_tids = {tid for tid, comm in threads.items() if comm in names}
    server_tids = set(threads)
    rows = samples(data)
    us_per_request = 1e6 / load.rps
    parts: dict[str, float] = defaultdict(float)
    symbols: dict[tuple[str, tuple[str, str]], float] = defaultdict(float)
    for percent, tid, comm, dso, symbol in rows:
        where = part(tid, comm, dso, loop_tids, server_tids)
        parts[where] += percent
        if where.endswith("user space"):
            symbols[(where.split(",")[0], (Path(dso).name, symbol))] += percent
    print(f"   {load.rps:,.0f} req/s; " + ", ".join(f"{p} {parts[p] / 100 * us_per_request:.2f} µs" for p in PARTS), flush=True)
    return {"name": spec.name, "rps": load.rps, "us_per_request": us_per_request, "parts": dict(parts),
            "symbols": dict(symbols)}


def report(results: list[dict], connections: int, seconds: float, top: int) -> str:
    lines = [f"make bench-profile-concurrency (bench/profile_concurrency.py), "
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
             f"CPU: {environment.machine()}; Linux {platform.release()}; evserve commit {environment.evserve_commit()}",
             f"{connections:,} keep-alive connections posting /predict (bench/wrk/predict.lua), {seconds:g} s, one round "
             f"each; server on core {SERVER_CPU}, wrk on core {CLIENT_CPU}; perf record -C {SERVER_CPU} -e cpu-clock "
             f"-F {SAMPLES_PER_SECOND} for all but the first and last {RAMP_SECONDS:g} s.",
             "Per request: its share of the server core's samples x 1 / (requests/s), in µs.", ""]
    width = max(len(p) for p in PARTS) + 2
    lines.append(f"{'':{width}}" + "".join(f"{r['name']:>16}" for r in results))
    lines.append(f"{'requests/s':{width}}" + "".join(f"{r['rps']:>16,.0f}" for r in results))
    lines.append(f"{'core 1 per request':{width}}" + "".join(f"{r['us_per_request']:>14.2f} µs" for r in results))
    for p in PARTS:
        lines.append(f"{p:{width}}" + "".join(f"{r['parts'].get(p, 0) / 100 * r['us_per_request']:>14.2f} µs" for r in results))
    for r in results:
        lines += ["", f"{r['name']}: the top user-space symbols, ns per request"]
        ranked = sorted(r["symbols"].items(), key=lambda item: -item[1])[:top]
        names = demangled([symbol for (_, (_, symbol)), _ in ranked])
        for (where, (dso, symbol)), percent in ranked:
            lines.append(f"  {percent / 100 * r['us_per_request'] * 1000:7.0f}  {where:22s}  {dso}  {names[symbol]}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evserve", type=Path, default=EVSERVE)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--quick", action="store_true", default=QUICK_FROM_ENVIRONMENT)
    args = parser.parse_args()
    raise_fd_limit(args.connections + 4096)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        results = [profile(spec, args.connections, args.seconds, Path(tmp))
                   for spec in server_specs(args.evserve.resolve(), args.connections)]
    text = report(results, args.connections, args.seconds, args.top)
    folder = results_folder(args.quick)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{datetime.date.today():%Y-%m-%d}-concurrency-profile.txt"
    out.write_text(text)
    print(text + f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
