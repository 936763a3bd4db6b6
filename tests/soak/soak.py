#!/usr/bin/env python3
"""Soak evserve with faults: a bounded mixed load on loopback for a given time, with model reloads,
SIGHUP storms, a full disk, exhausted descriptors, a killed instance behind nginx and SIGTERM during a
reload; then a summary, printed and written as JSON. Exit status 0 only when every check passed.

    tests/.venv/bin/python tests/soak/soak.py --duration 2m [--evserve PATH] [--summary FILE]

(`make soak DURATION=2m` builds the release binary, makes the venv and runs this.) What it checks:
0 crashes; every 200 byte for byte the answer of the model version that served it; every error the one
expected for its input; no answer slower than a second; RSS, descriptors and the in-flight gauge back to
their baseline after the load (the baseline is taken after a first spell of the same load); the faults'
own checks (faults.py, reloads.py).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # tests/evserve_server.py: the one way to start evserve

import faults  # noqa: E402
import traffic  # noqa: E402
from catalog import BOSTON_LATEST, BOSTON_V1, IRIS, templates as all_templates  # noqa: E402
from expected import ask_quiet_server  # noqa: E402
from models import REPO, install, make_model_files  # noqa: E402
from process import Sampler, snapshot  # noqa: E402
from reloads import Reloader  # noqa: E402
from tally import Checker, Tally  # noqa: E402
from timeline import Timeline  # noqa: E402
from wire import Connection  # noqa: E402

REQUEST_TIMEOUT = 3.0        # --request-timeout of the soaked server: slowloris gets its 408 after this
# Above the baseline after the load: allocator slack stays within ~4 MiB (+2.6 MiB after 1 min, +3.5 in CI
# after 2, with the job queue one thread larger than at the baseline); a loaded boston model is ~1.3 MiB,
# so a handful kept alive exceeds it, and so did the untrimmed heap before model updates called
# malloc_trim (+24 MiB in a minute).
RSS_TOLERANCE_MIB = 8.0
FD_TOLERANCE = 0             # after the load evserve holds exactly the descriptors it held before
SETTLE_SECONDS = 30.0        # how long RSS, descriptors and the gauge get to come back
# The load before the baseline is taken (`load`): long enough for the job queue to reach its usual number
# of threads (the soaks on record had 5 or 6 within 11 s of the load starting, and kept them).
WARM_SECONDS = 15.0
# No checked answer may take longer (slow clients aside: they are not timed). Answers take < 0.2 s here
# under the whole load; before SIGHUP storms were folded, a storm's queued rescans held the job queue's
# threads and answers waited up to 2.9 s.
SLOWEST_ANSWER_S = 1.0
REPOSITORY_DISK = "8m"       # the repository's tmpfs: room for the models and little more
# Threads per kind of traffic.
THREADS = {"valid": 3, "invalid": 1, "large": 1, "pipelined": 1, "slowloris": 2, "reset": 1}


def parse_duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def mount_repository(path: Path) -> str | None:
    """A small tmpfs for the repository, so the disk can be filled; returns why not when it cannot be."""
    path.mkdir(parents=True)
    if os.geteuid() != 0:
        return "not root: cannot mount a tmpfs for the repository"
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={REPOSITORY_DISK}", "soak-repository", str(path)],
                            capture_output=True, text=True)
    return None if result.returncode == 0 else f"mount -t tmpfs failed: {result.stderr.strip()}"


def settle(pid: int, admin: str, baseline: dict) -> tuple[dict, bool]:
    """Waits (bounded) for RSS, descriptors and the in-flight gauge to be back at their baseline."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        now = snapshot(pid, admin)
        back = (now["fds"] <= baseline["fds"] + FD_TOLERANCE
                and now["rss_mib"] <= baseline["rss_mib"] + RSS_TOLERANCE_MIB
                and now["in_flight"] <= baseline["in_flight"])
        if back or time.monotonic() > deadline:
            return now, back
        time.sleep(0.25)


def quiet_snapshot(pid: int, admin: str) -> dict:
    """The baseline: once the warm-up's connections are closed (descriptors unchanged for a second)."""
    last, since, deadline = snapshot(pid, admin), time.monotonic(), time.monotonic() + 15
    while time.monotonic() - since < 1.0 and time.monotonic() < deadline:
        time.sleep(0.2)
        now = snapshot(pid, admin)
        if now["fds"] != last["fds"]:
            since = time.monotonic()
        last = now
    return last


def warm_up(port: int, templates, reloader: Reloader) -> None:
    """Every template a few times and every variant loaded once, so the baseline has pools in use."""
    connection = Connection(port)
    for _ in range(5):
        for template in templates:
            if not connection.open:
                connection = Connection(port)
            connection.exchange(template.data)
    connection.close()
    for variant in ("boston-B", "boston-C", "boston-A"):
        for key in (BOSTON_V1, BOSTON_LATEST):
            reloader.put(key, variant)
        reloader.load_by_api()


def load(context: traffic.Context, reloader: Reloader, others: list[threading.Thread], tally: Tally) -> None:
    """Every kind of traffic (THREADS) and the reloader, with `others`, until the context's deadline."""
    threads = [threading.Thread(target=getattr(traffic, kind), args=(context,), name=f"{kind}-{i}", daemon=True)
               for kind, count in THREADS.items() for i in range(count)]
    threads.append(threading.Thread(target=reloader.run, args=(context.deadline, 2.0), name="reloader", daemon=True))
    threads += others
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1.0, context.deadline - time.monotonic() + 240))
        if thread.is_alive():
            tally.note("soak", f"thread {thread.name} still running 4 minutes after the deadline")


def run(duration: float, evserve: str, summary_path: Path) -> bool:
    os.environ["EVSERVE_BIN"] = evserve
    from evserve_server import started_evserve

    started_at = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="evserve-soak-"))
    repository = work / "repository"
    tally, timeline = Tally(), Timeline()
    summary: dict = {"duration_s": duration, "evserve": evserve}
    try:
        disk_full_skipped = mount_repository(repository)
        files = make_model_files(work / "models", evserve)
        templates = all_templates()
        expected, errors = ask_quiet_server(files, templates, work, started_evserve)
        for version in (1, 2):
            install(repository, "boston", version, files["boston-A"])
        install(repository, "iris", 1, files["iris"])
        for key, variant in ((BOSTON_V1, "boston-A"), (BOSTON_LATEST, "boston-A"), (IRIS, "iris")):
            timeline.finish([timeline.start(key, variant, at=0.0)], 0.0)
        checker = Checker(expected, errors, timeline, tally)
        summary["setup_s"] = round(time.monotonic() - started_at, 1)

        with started_evserve("--model-repository", str(repository), "--default-model", "boston",
                             "--model-control", "explicit", "--request-timeout", str(REQUEST_TIMEOUT),
                             admin=True) as server:
            pid, port = server.proc.pid, int(server.url.rsplit(":", 1)[1])
            reloader = Reloader(repository=repository, files=files, pid=pid, admin=server.admin, port=port,
                                timeline=timeline, checker=checker, tally=tally, templates=templates,
                                disk_full_possible=disk_full_skipped)
            warm_up(port, templates, reloader)
            # The baseline comes after a spell of the load itself, so that it holds what any burst leaves
            # for good: the job queue's threads at their usual number, each with its malloc arena and the
            # free memory glibc keeps there. Taken after the one-connection warm-up alone, it had one such
            # thread; the load added one or two and, with them, 4-10 MiB that no leak explains (an 8-minute
            # soak ended at the RSS of a 1-minute one), which now and then went past RSS_TOLERANCE_MIB.
            warm_deadline = time.monotonic() + WARM_SECONDS
            load(traffic.Context(port=port, deadline=warm_deadline, templates=templates, checker=checker,
                                 tally=tally, request_timeout=REQUEST_TIMEOUT), reloader, [], tally)
            baseline = quiet_snapshot(pid, server.admin)
            summary["baseline"] = baseline

            deadline = time.monotonic() + duration
            context = traffic.Context(port=port, deadline=deadline, templates=templates, checker=checker,
                                      tally=tally, request_timeout=REQUEST_TIMEOUT)
            sampler = Sampler(pid, server.admin).start()
            fault_reports: dict = {}

            def run_faults() -> None:
                try:
                    fault_reports["descriptors"] = faults.descriptors(
                        started_evserve, work / "models" / "boston-A.json", templates[0],
                        expected[templates[0].name]["boston-A"], tally)
                except Exception as error:
                    tally.note("descriptors", f"{type(error).__name__}: {error}")
                try:
                    fault_reports["failover"] = faults.failover(evserve, tally)
                except Exception as error:
                    tally.note("failover", f"{type(error).__name__}: {error}")

            load(context, reloader, [threading.Thread(target=run_faults, name="faults", daemon=True)], tally)
            sampler.stop()
            summary["load_s"] = round(time.monotonic() - (deadline - duration), 1)
            alive = server.proc.poll() is None
            if not alive:
                tally.note("crash", f"evserve exited with {server.proc.returncode} during the load: "
                                    + "".join(server.log[-20:]))

            after, back = settle(pid, server.admin, baseline) if alive else ({}, False)
            summary["after"] = after
            summary["peak"] = {name: sampler.peak(name) for name in ("rss_mib", "fds", "threads", "in_flight")}
            summary["samples"] = sampler.samples
            if alive and not back:
                tally.note("resources", f"not back to the baseline within {SETTLE_SECONDS:.0f} s: {after} vs {baseline}")
            for kind, seconds in tally.slowest.items():
                if seconds > SLOWEST_ANSWER_S:
                    tally.note("latency", f"a {kind} answer took {seconds:.2f} s (limit {SLOWEST_ANSWER_S} s)")
            summary["reloads"] = reloader.report
            summary["faults"] = fault_reports

            if alive:
                for key in (BOSTON_V1, BOSTON_LATEST):
                    reloader.put(key, reloader.next_variant(key))
                log_offset = len(server.log)
                summary["faults"]["sigterm_during_reload"] = faults.sigterm_during_reload(
                    server, port, server.admin + "/v2/repository/models/boston/load",
                    templates, checker, tally, log_offset)
            summary["server_log_errors"] = sum(1 for line in server.log if " error " in line)
    finally:
        subprocess.run(["umount", str(repository)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    summary["sent"] = dict(sorted(tally.sent.items()))
    summary["outcomes"] = dict(sorted(tally.outcomes.items()))
    summary["slowest_answer_s"] = dict(sorted(tally.slowest.items()))
    summary["failures"] = tally.failure_count
    summary["failure_examples"] = tally.failures
    summary["tolerances"] = {"rss_mib": RSS_TOLERANCE_MIB, "fds": FD_TOLERANCE, "settle_s": SETTLE_SECONDS,
                             "slowest_answer_s": SLOWEST_ANSWER_S}
    summary["total_s"] = round(time.monotonic() - started_at, 1)
    summary["passed"] = tally.failure_count == 0
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    print_summary(summary, summary_path)
    return summary["passed"]


def print_summary(s: dict, path: Path) -> None:
    print(f"soak: {s['duration_s']:.0f} s of load, {s['total_s']:.0f} s in all; {sum(s['sent'].values())} requests and events")
    for outcome, count in s["outcomes"].items():
        print(f"  {count:8d}  {outcome}")
    print(f"  slowest answers (s): {s['slowest_answer_s']}")
    for name in ("baseline", "peak", "after"):
        print(f"  {name:8s}  {s.get(name)}")
    for storm in s.get("reloads", {}).get("storms", [])[:3]:
        print(f"  storm     {storm}")
    for name, report in s.get("faults", {}).items():
        print(f"  {name}: {report}")
    for failure in s["failure_examples"]:
        print(f"  FAILED  {failure}")
    print(f"soak: {'PASS' if s['passed'] else 'FAIL'} ({s['failures']} failures); summary in {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", default="2m", help="load time: 90, 90s, 2m (default 2m)")
    parser.add_argument("--evserve", default=os.environ.get("EVSERVE_BIN", str(REPO / ".build/release/evserve")))
    parser.add_argument("--summary", default=str(REPO / ".build-soak/summary.json"))
    args = parser.parse_args()
    duration = parse_duration(args.duration)
    if not 10 <= duration <= 3600:
        parser.error("--duration must be between 10 s and 1 h")
    return 0 if run(duration, os.path.abspath(args.evserve), Path(args.summary)) else 1


if __name__ == "__main__":
    sys.exit(main())
