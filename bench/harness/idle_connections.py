"""Memory per idle connection: the server's RSS holding N idle keep-alive connections, minus its RSS
holding none, over N.

Each connection first makes one GET / and reads the whole answer, so the server has set up whatever
a served connection keeps (buffers, parser state), then stays open and silent. The server must keep
idle connections longer than it takes to open them all (evserve: --keep-alive-timeout).
"""
from __future__ import annotations

import contextlib
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from .process_tree import ProcessTree


@dataclass
class IdleMemory:
    connections: int
    rss_idle_bytes: int  # no client connection
    rss_held_bytes: int  # with the connections open and idle
    fds_idle: int
    fds_held: int  # the server's descriptors while they were held: proof they were still open

    @property
    def bytes_per_connection(self) -> float:
        return (self.rss_held_bytes - self.rss_idle_bytes) / self.connections if self.connections else 0.0


def rss_bytes(tree: ProcessTree) -> int:
    """VmRSS summed over the server's processes (now, not the peak)."""
    total = 0
    for p in tree.processes():
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def one_get(host: str, port: int, timeout: float) -> socket.socket:
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before answering")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-answer")
        body += chunk
    return s


def measure_idle_memory(tree: ProcessTree, host: str, port: int, connections: int,
                        deadline_seconds: float = 120.0, settle_seconds: float = 1.0) -> IdleMemory:
    time.sleep(settle_seconds)
    rss_idle, fds_idle = rss_bytes(tree), tree.open_fds()
    held: list[socket.socket] = []
    deadline = time.monotonic() + deadline_seconds
    try:
        for _ in range(connections):
            if time.monotonic() > deadline:
                raise TimeoutError(f"opened only {len(held)} of {connections} connections in {deadline_seconds:g} s")
            held.append(one_get(host, port, timeout=10))
        time.sleep(settle_seconds)
        return IdleMemory(connections, rss_idle, rss_bytes(tree), fds_idle, tree.open_fds())
    finally:
        for s in held:
            s.close()
        # Wait (bounded) until the server has let the connections go, so the next run starts clean.
        until = time.monotonic() + 15
        while time.monotonic() < until and tree.open_fds() > fds_idle + 16:
            time.sleep(0.2)
