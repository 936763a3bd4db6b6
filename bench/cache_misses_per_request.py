"""Cache misses per POST /predict at many connections, counted by valgrind's cache simulation: how
much of a connection's state each request finds out of the cache, which is what per-request cost
grows with at 10 000 connections (a count, so it tells builds apart where wrk's figures scatter).

Each build runs under callgrind with `--cache-sim=yes` and a last-level cache of 1 MiB, 16-way
(a Zen 4 core's L2; Sapphire Rapids has 2 MiB): a miss there is a trip to the shared L3 or to
memory. CONNS keep-alive connections (default 10 000) each send one 2x13 /predict per round, all
before any answer is read; after two rounds the counters are zeroed and ROUNDS more are counted.
Reported per request and per thread (the loop, and the job threads together): instructions, and
last-level read and write misses of data. The kernel's work (recv, send, epoll) is not simulated.

Usage: python3 bench/cache_misses_per_request.py --evserve BIN [--evserve BIN ...] [--connections 10000]
       [--rounds 3]   (`make bench-cache`)
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instructions_per_request import exchange, free_port, wait_ready  # noqa: E402  (the same requests, port and wait)

LAST_LEVEL = "--LL=1048576,16,64"


def totals(dump: Path) -> dict[str, int]:
    """A thread's dump: its event totals by name (Ir, DLmr, DLmw, ...)."""
    events: list[str] = []
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith(("totals:", "summary:")):
            return dict(zip(events, (int(v) for v in line.split()[1:])))
    raise RuntimeError(f"no totals in {dump}")


def costs(binary: Path, connections: int, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Per request: the loop thread's and the job threads' instructions and last-level misses."""
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        stripped = Path(tmp) / "evserve"
        subprocess.run(["strip", "--strip-debug", "-o", str(stripped), str(binary)], check=True)
        out = Path(tmp) / "callgrind.out"
        port = free_port()
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--cache-sim=yes", LAST_LEVEL,
                                 f"--callgrind-out-file={out}", "--separate-threads=yes",
                                 str(stripped), "--host", "127.0.0.1", "--port", str(port),
                                 "--max-connections", str(connections + 100),
                                 # Under valgrind a round takes minutes: no connection may idle out.
                                 "--keep-alive-timeout", "3600"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sockets: list[socket.socket] = []
        try:
            wait_ready(port, proc)
            sockets = [socket.create_connection(("127.0.0.1", port), timeout=600) for _ in range(connections)]
            exchange(sockets, 2, 1)
            subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, capture_output=True)
            answered = exchange(sockets, rounds, 1)
            before = set(Path(tmp).glob("callgrind.out*"))
            subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, capture_output=True)
            dumps = sorted(set(Path(tmp).glob("callgrind.out*")) - before)
            if not dumps:
                raise RuntimeError("no callgrind dump found")
            loop: dict[str, float] = {}
            jobs: dict[str, float] = {}
            for dump in dumps:
                # `-01` is the main thread: the loop.
                into = loop if dump.name.endswith("-01") else jobs
                for name, value in totals(dump).items():
                    into[name] = into.get(name, 0) + value / answered
            return loop, jobs
        finally:
            for s in sockets:
                s.close()
            proc.terminate()
            proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evserve", type=Path, action="append", required=True, help="a build; give several to compare")
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"per POST /predict (2x13), callgrind cache simulation (last level 1 MiB, 16-way), {args.connections} "
          f"connections x 1 request x {args.rounds} rounds: instructions, last-level data misses (read + write)")
    for binary in args.evserve:
        loop, jobs = costs(binary, args.connections, args.rounds)
        def line(t: dict[str, float]) -> str:
            return f"{t.get('Ir', 0):,.0f} instructions, {t.get('DLmr', 0):.1f} + {t.get('DLmw', 0):.1f} misses"
        print(f"{binary}: loop {line(loop)}; job threads {line(jobs)}", flush=True)


if __name__ == "__main__":
    main()
