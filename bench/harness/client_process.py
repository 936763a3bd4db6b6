"""Run a load generator to completion and keep its own CPU time, to tell client-bound runs apart."""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass


@dataclass
class Finished:
    stdout: str
    stderr: str
    returncode: int
    wall_seconds: float
    cpu_seconds: float  # user + system of the client and its children


def run_client(argv: list[str], cpus: str | None, timeout: float, env: dict | None = None) -> Finished:
    if cpus is not None:
        argv = ["taskset", "-c", cpus, *argv]
    before = os.times()
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    wall = time.monotonic() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return Finished(proc.stdout, proc.stderr, proc.returncode, wall, cpu)
