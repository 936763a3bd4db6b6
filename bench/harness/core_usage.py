"""How busy each core was during a run, from /proc/stat, whoever kept it busy.

Set beside the client's and the server's own CPU time, a core that is busy with time that is not
theirs shows other work on the machine (other builds, ksoftirqd) competing with the run.
"""
from __future__ import annotations

from pathlib import Path

Snapshot = dict[str, tuple[int, int]]  # core -> (busy jiffies, total jiffies)


def snapshot() -> Snapshot:
    cores: Snapshot = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name != "cpu":
            values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
            idle = values[3] + values[4]
            cores[name[3:]] = (sum(values) - idle, sum(values))
    return cores


def delta(before: Snapshot, after: Snapshot) -> Snapshot:
    """Per core, the busy and total jiffies between two snapshots."""
    return {core: (busy1 - before.get(core, (0, 0))[0], total1 - before.get(core, (0, 0))[1])
            for core, (busy1, total1) in after.items()}


def busy_fractions(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """Per core, the share of the interval it was not idle (0..1)."""
    return {core: (busy / total if total > 0 else 0.0) for core, (busy, total) in delta(before, after).items()}


def background_busy(seconds: float = 2.0) -> dict[str, float]:
    """Core use before a run starts: anything well above 0 is other work skewing the numbers."""
    import time

    before = snapshot()
    time.sleep(seconds)
    return busy_fractions(before, snapshot())
