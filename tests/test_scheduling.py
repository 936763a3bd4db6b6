"""The event loops get the shortest scheduler slice Linux grants; the job queue's threads keep the default.

A loop does microseconds of work per wake-up; model work runs for milliseconds on Dispatch threads. With
equal slices, a loop that wakes for a health check while a heavy batch runs on its CPU waits out the
batch thread's slice (EEVDF's custom slices, Linux 6.12: a shorter slice may preempt on wake-up). The
loops ask for 0.1 ms with reset-on-fork, so the Dispatch threads they start keep the default: read
live from /proc/<pid>/task/<tid>/sched while the server runs, after a burst of concurrent requests
(which makes Dispatch start threads from the loops).
"""
from __future__ import annotations

import json
import os
import pathlib
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from evserve_server import running_evserve

LOOP_SLICE_NS = 100_000
ROW = [0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98]


def kernel_has_custom_slices() -> bool:
    major, minor = (int(part) for part in os.uname().release.split(".")[:2])
    return (major, minor) >= (6, 12)


def sched_field(pid: int, field: str) -> dict[int, tuple[str, int]]:
    """Each thread of `pid`: its name and the integer `field` of its /proc/<pid>/task/<tid>/sched."""
    found = {}
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            line = next(line for line in (task / "sched").read_text().splitlines() if line.startswith(field))
        except (FileNotFoundError, StopIteration):
            continue  # a thread that ended meanwhile
        found[int(task.name)] = (name, int(line.split(":")[1]))
    return found


def threads(pid: int) -> dict[int, tuple[str, int]]:
    """Each thread of `pid`: its name and its scheduler slice in nanoseconds."""
    return sched_field(pid, "se.slice")


def answer_a_burst(url: str) -> None:
    """200 /predict requests from 32 threads at once: the loops start Dispatch's threads, which run them."""
    body = json.dumps({"X": [ROW]})
    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda _: requests.post(url + "/predict", data=body, timeout=30).status_code,
                                range(200)))
    assert answers == [200] * 200


@pytest.mark.skipif(not kernel_has_custom_slices(), reason="custom scheduler slices need Linux 6.12 or later")
def test_loops_have_the_short_slice_and_job_threads_the_default():
    with running_evserve("--workers", "2") as (url, proc):
        answer_a_burst(url)
        found = threads(proc.pid)
        short = {tid: name for tid, (name, nanoseconds) in found.items() if nanoseconds == LOOP_SLICE_NS}
        # The two loops: the main thread (which runs loop 0) and one more, neither of them Dispatch's.
        assert len(short) == 2, found
        assert proc.pid in short
        assert all(name == found[proc.pid][0] for name in short.values()), found
        # Every other thread, the job queue's included, kept the default (longer) slice.
        others = [nanoseconds for tid, (_, nanoseconds) in found.items() if tid not in short]
        assert others and all(nanoseconds > LOOP_SLICE_NS for nanoseconds in others), found


def test_a_long_model_call_runs_as_sched_batch_and_returns_to_normal():
    """A job thread turns SCHED_BATCH for a model call of many tree evaluations (here the reference
    model's 500 trees over 20,000 rows), so the loop it woke can wait in epoll and preempt it for each
    request (evserve's JobThread); between calls every thread is SCHED_OTHER again. Read from
    /proc/<pid>/task/<tid>/sched while such requests run, until one is seen (a bounded number of them)."""
    body = json.dumps({"X": [ROW] * 20_000})
    with running_evserve("--max-body-size", str(8 << 20)) as (url, proc):
        seen_batch = False
        with ThreadPoolExecutor(1) as pool:
            for _ in range(30):
                answer = pool.submit(requests.post, url + "/predict", data=body, timeout=60)
                while not answer.done() and not seen_batch:
                    seen_batch = any(policy == 3 for _, policy in sched_field(proc.pid, "policy").values())
                assert answer.result().status_code == 200
                if seen_batch:
                    break
        assert seen_batch, "no thread was seen in SCHED_BATCH during 30 long calls"
        # The call is over: its thread is back to SCHED_OTHER (0), as are all the others.
        assert all(policy == 0 for _, policy in sched_field(proc.pid, "policy").values())
