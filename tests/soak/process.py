"""What the soak watches of a running evserve: resident memory, open descriptors and threads from /proc,
CPU time, and the in-flight gauge from the admin listener's /metrics."""
from __future__ import annotations

import os
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field


def status_field(pid: int, name: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise KeyError(name)


def rss_kib(pid: int) -> int:
    return status_field(pid, "VmRSS")


def threads(pid: int) -> int:
    return status_field(pid, "Threads")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def metric(admin_url: str, name: str, labels: str = "") -> float | None:
    """One sample of /metrics (None when absent); `labels` as written, e.g. 'model="boston",result="success"'."""
    with urllib.request.urlopen(admin_url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    series = name + ("{" + labels + "}" if labels else "")
    m = re.search(r"^%s (\S+)$" % re.escape(series), text, re.M)
    return float(m.group(1)) if m else None


def snapshot(pid: int, admin_url: str) -> dict:
    """The four figures at one moment (the in-flight gauge counts the /metrics request asking it)."""
    return {"rss_mib": round(rss_kib(pid) / 1024, 1), "fds": open_fds(pid), "threads": threads(pid),
            "in_flight": metric(admin_url, "evserve_requests_in_flight")}


@dataclass
class Sampler:
    """Samples every `period` seconds on its own thread until stopped; keeps every sample."""
    pid: int
    admin_url: str
    period: float = 0.5
    samples: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self) -> "Sampler":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()

    def _run(self) -> None:
        start = time.monotonic()
        while not self.stopped.wait(self.period):
            try:
                self.samples.append({"t": round(time.monotonic() - start, 2), **snapshot(self.pid, self.admin_url)})
            except (OSError, KeyError) as error:
                self.errors.append(f"{time.monotonic() - start:.1f}s: {error}")

    def peak(self, name: str) -> float | None:
        values = [s[name] for s in self.samples if s.get(name) is not None]
        return max(values) if values else None
