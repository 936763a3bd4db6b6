"""One server under load: the phases run against it and what each cost the server."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from . import core_usage
from .locust_run import run_locust
from .servers import RunningServer
from .wrk import LoadResult, run_wrk


@dataclass(frozen=True)
class Durations:
    warmup: float
    wrk: float
    locust: int
    settle: float  # pause between phases, so one phase's closing connections do not leak into the next

    @staticmethod
    def for_mode(quick: bool) -> "Durations":
        return Durations(1, 3, 10, 0.5) if quick else Durations(3, 10, 30, 1)


@dataclass
class Phase:
    name: str
    title: str
    run: Callable[[str, Durations, str | None], LoadResult]


PREDICT_64 = Phase("predict-64", "POST /predict, 64 connections",
                   lambda url, d, cpus: run_wrk(url, "predict.lua", 64, d.wrk, cpus))
PREDICT_512 = Phase("predict-512", "POST /predict, 512 connections",
                    lambda url, d, cpus: run_wrk(url, "predict.lua", 512, d.wrk, cpus))
INDEX_64 = Phase("index-64", "GET /, 64 connections",
                 lambda url, d, cpus: run_wrk(url, "index.lua", 64, d.wrk, cpus))
LOCUST = Phase("locust", "locust: 200 users, 50-200 ms wait, POST /predict",
               lambda url, d, cpus: run_locust(url, d.locust, cpus))
ALL_PHASES = [PREDICT_64, PREDICT_512, INDEX_64, LOCUST]
WRK_PHASES = [PREDICT_64, PREDICT_512, INDEX_64]


@dataclass
class PhaseResult:
    load: LoadResult
    server_cpu_seconds: float
    peak_rss_bytes: int
    core_busy: dict[str, float]  # core -> share of the run it was busy, whoever used it

    def to_json(self) -> dict:
        return asdict(self) | {"rps": self.load.rps}


@dataclass
class ServerResult:
    name: str
    pinned: bool
    max_prediction_error: float | None = None
    failure: str | None = None
    phases: dict[str, PhaseResult] = field(default_factory=dict)

    @staticmethod
    def from_json(d: dict) -> "ServerResult":
        phases = {name: PhaseResult(LoadResult(**p["load"]), p["server_cpu_seconds"], p["peak_rss_bytes"],
                                    p["core_busy"]) for name, p in d["phases"].items()}
        return ServerResult(d["name"], d["pinned"], d["max_prediction_error"], d["failure"], phases)


def warm_up(server: RunningServer, durations: Durations, client_cpus: str | None) -> None:
    """Unrecorded load first, so lazy set-up (imports, caches, page faults) is not measured."""
    run_wrk(server.url, "predict.lua", 64, durations.warmup, client_cpus)


def run_phase(server: RunningServer, phase: Phase, durations: Durations, client_cpus: str | None) -> PhaseResult:
    time.sleep(durations.settle)
    server.tree.reset_peak_rss()
    cpu_before, cores_before = server.tree.cpu_seconds(), core_usage.snapshot()
    load = phase.run(server.url, durations, client_cpus)
    cores = core_usage.busy_fractions(cores_before, core_usage.snapshot())
    return PhaseResult(load, server.tree.cpu_seconds() - cpu_before, server.tree.peak_rss_bytes(), cores)
