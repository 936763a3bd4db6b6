"""One server under load: the phases run against it and what each cost the server."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from . import core_usage
from .locust_run import run_locust
from .servers import RunningServer
from .wrk import LoadResult, run_wrk


@dataclass(frozen=True)
class Durations:
    warmup: float
    wrk: float
    # Each wrk load runs this many times and the median run (by requests/s) is reported: other work on
    # a shared 2-core machine comes and goes, and one disturbed run should not stand for the server.
    wrk_repeats: int
    locust: int
    settle: float  # pause between runs, so one run's closing connections do not leak into the next

    @staticmethod
    def for_mode(quick: bool) -> "Durations":
        return Durations(1, 3, 1, 10, 0.5) if quick else Durations(3, 5, 3, 30, 0.5)


@dataclass
class Phase:
    name: str
    title: str
    run: Callable[[str, Durations, str | None], LoadResult]
    repeated: bool = True


PREDICT_64 = Phase("predict-64", "POST /predict, 64 connections",
                   lambda url, d, cpus: run_wrk(url, "predict.lua", 64, d.wrk, cpus))
PREDICT_512 = Phase("predict-512", "POST /predict, 512 connections",
                    lambda url, d, cpus: run_wrk(url, "predict.lua", 512, d.wrk, cpus))
INDEX_64 = Phase("index-64", "GET /, 64 connections",
                 lambda url, d, cpus: run_wrk(url, "index.lua", 64, d.wrk, cpus))
LOCUST = Phase("locust", "locust: 200 users, 50-200 ms wait, POST /predict",
               lambda url, d, cpus: run_locust(url, d.locust, cpus), repeated=False)
ALL_PHASES = [PREDICT_64, PREDICT_512, INDEX_64, LOCUST]
WRK_PHASES = [PREDICT_64, PREDICT_512, INDEX_64]


@dataclass
class PhaseResult:
    load: LoadResult  # the median run
    server_cpu_seconds: float  # the rest covers all runs of the phase
    peak_rss_bytes: int
    core_busy: dict[str, float]  # core -> share of the runs' time it was busy, whoever used it
    runs_rps: list[float] = field(default_factory=list)
    measured_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    requests_total: int = 0  # over all runs, the denominator of the server's CPU per request

    @property
    def server_cpu_us_per_request(self) -> float | None:
        # Results written before requests_total was kept: runs of equal length, so mean rate × time.
        requests = self.requests_total or (sum(self.runs_rps) / len(self.runs_rps) * self.measured_seconds
                                           if self.runs_rps else 0)
        return self.server_cpu_seconds / requests * 1e6 if requests else None

    def shares(self) -> tuple[float, float]:
        """Client's and server's CPU time as shares of one core over the measured time."""
        seconds = self.measured_seconds or self.load.seconds or 1.0
        client = self.client_cpu_seconds or self.load.client_cpu_seconds
        return client / seconds, self.server_cpu_seconds / seconds


@dataclass
class ServerResult:
    name: str
    pinned: bool
    max_prediction_error: float | None = None
    failure: str | None = None
    phases: dict[str, PhaseResult] = field(default_factory=dict)

    @staticmethod
    def from_json(d: dict) -> "ServerResult":
        phases = {name: PhaseResult(**(p | {"load": LoadResult(**p["load"])})) for name, p in d["phases"].items()}
        return ServerResult(d["name"], d["pinned"], d["max_prediction_error"], d["failure"], phases)


def warm_up(server: RunningServer, durations: Durations, client_cpus: str | None, script: str = "predict.lua") -> None:
    """Unrecorded load first, so lazy set-up (imports, caches, page faults) is not measured."""
    run_wrk(server.url, script, 64, durations.warmup, client_cpus)


class PhaseRuns:
    """One phase's runs against one server, added one at a time, and what they cost the server."""

    def __init__(self, server: RunningServer, phase: Phase) -> None:
        self.server, self.phase = server, phase
        self.runs: list[LoadResult] = []
        self.server_cpu = 0.0
        self.busy_jiffies: dict[str, tuple[int, int]] = {}
        server.tree.reset_peak_rss()

    def run_once(self, durations: Durations, client_cpus: str | None) -> None:
        time.sleep(durations.settle)
        cpu_before, cores_before = self.server.tree.cpu_seconds(), core_usage.snapshot()
        self.runs.append(self.phase.run(self.server.url, durations, client_cpus))
        self.server_cpu += self.server.tree.cpu_seconds() - cpu_before
        for core, (busy, total) in core_usage.delta(cores_before, core_usage.snapshot()).items():
            b, t = self.busy_jiffies.get(core, (0, 0))
            self.busy_jiffies[core] = (b + busy, t + total)

    def result(self) -> PhaseResult:
        runs = self.runs
        median = sorted(runs, key=lambda r: r.rps)[len(runs) // 2]
        return PhaseResult(
            load=median, server_cpu_seconds=self.server_cpu, peak_rss_bytes=self.server.tree.peak_rss_bytes(),
            core_busy={c: (b / t if t else 0.0) for c, (b, t) in self.busy_jiffies.items()},
            runs_rps=[r.rps for r in runs], measured_seconds=sum(r.seconds for r in runs),
            client_cpu_seconds=sum(r.client_cpu_seconds for r in runs), requests_total=sum(r.requests for r in runs))


def run_phase_in_turns(servers: list[RunningServer], phase: Phase, durations: Durations,
                       client_cpus: str | None) -> list[PhaseResult]:
    """The phase's runs against `servers`, the servers taking turns: the first run of each, then the second
    of each, and so on (one server: its runs in a row). This machine has slow phases, some 20 % slower for
    every server, that last from seconds to minutes; one server's runs in a row could all fall in one, and
    its peer's all outside it."""
    all_runs = [PhaseRuns(server, phase) for server in servers]
    for _ in range(durations.wrk_repeats if phase.repeated else 1):
        for runs in all_runs:
            runs.run_once(durations, client_cpus)
    return [runs.result() for runs in all_runs]
