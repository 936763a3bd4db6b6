"""CPU time and peak memory of a server: its main process plus every process it forked.

Peak RSS is the kernel's own high-water mark (VmHWM), summed over the tree. Writing "5" to
/proc/PID/clear_refs resets that mark (Linux >= 4.0, needs root or the same user), so each load
phase gets its own peak instead of the peak of the server's whole life.
"""
from __future__ import annotations

from pathlib import Path

import psutil


class ProcessTree:
    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)

    def processes(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        """User plus system time, summed over the processes alive now."""
        total = 0.0
        for p in self.processes():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def reset_peak_rss(self) -> bool:
        """Start a new high-water mark; False when the kernel refused (then peaks are lifetime peaks)."""
        ok = True
        for p in self.processes():
            try:
                Path(f"/proc/{p.pid}/clear_refs").write_text("5")
            except OSError:
                ok = False
        return ok

    def peak_rss_bytes(self) -> int:
        """Sum of VmHWM over the tree, in bytes."""
        total = 0
        for p in self.processes():
            try:
                for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def open_fds(self) -> int:
        """Descriptors open in the tree: during a load run, about one per client connection."""
        total = 0
        for p in self.processes():
            try:
                total += p.num_fds()
            except psutil.NoSuchProcess:
                pass
        return total
