"""User-space instructions per POST /predict, whole process (loop and job threads), counted by
valgrind's callgrind: a count, not a timing, so it repeats within about 1 % on a busy machine and
tells two builds apart where requests/s scatter by ±15 % (this machine's wrk runs do).

Each build runs under callgrind (its debug info stripped first: valgrind 3.19 cannot read the DWARF
Swift 6.3 writes). CONNS keep-alive connections each write PIPE pipelined 2×13 /predict requests per
round, all before any answer is read, so a loop iteration hands its jobs off in batches much as a
loaded server does; after WARMUP rounds the counters are zeroed, ROUNDS rounds run, and the dump's
total is divided by the requests sent. Every answer must be a 200.

Caveat: valgrind's CPU has no AVX-512, so the model runs its AVX2 or scalar paths here; the figure
is for comparing changes to the request path (HTTP, JSON, hand-off), not the tree kernels (those
have `make bench-inference`).

Usage: python3 bench/instructions_per_request.py --evserve BIN [--evserve BIN ...] [--rounds 50]
(`make bench-instructions` builds the release binary and runs this.)
"""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# Rows 1 and 2 of the Boston housing CSV, the body `make bench` sends (bench/wrk/predict.lua).
ROWS = [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98],
        [0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14]]
BODY = json.dumps({"X": ROWS}).encode()
REQUEST = (b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY))
CONNS, PIPE, WARMUP = 8, 16, 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drive(port: int, rounds: int) -> int:
    """Sends `rounds` rounds of pipelined requests; returns how many were answered 200."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=120) for _ in range(CONNS)]
    answered = 0
    try:
        for _ in range(rounds):
            for s in socks:
                s.sendall(REQUEST * PIPE)
            for s in socks:
                got = b""
                while got.count(b"HTTP/1.1 ") < PIPE or not got.endswith(b"]}"):
                    chunk = s.recv(65536)
                    if not chunk:
                        raise RuntimeError("connection closed before every answer came")
                    got += chunk
                if got.count(b"HTTP/1.1 200 OK\r\n") != PIPE:
                    raise RuntimeError(f"an answer was not a 200: {got[:300]!r}")
                answered += PIPE
    finally:
        for s in socks:
            s.close()
    return answered


def instructions_per_request(binary: Path, rounds: int) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-instr-") as tmp:
        stripped = Path(tmp) / "evserve"
        subprocess.run(["strip", "--strip-debug", "-o", str(stripped), str(binary)], check=True)
        out = Path(tmp) / "callgrind.out"
        port = free_port()
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                 str(stripped), "--host", "127.0.0.1", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"evserve under valgrind exited with {proc.returncode}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("evserve under valgrind did not become ready in 300 s")
                time.sleep(0.5)
            drive(port, WARMUP)
            subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, capture_output=True)
            answered = drive(port, rounds)
            before = set(Path(tmp).glob("callgrind.out*"))
            subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, capture_output=True)
            # The dump just asked for (not the one valgrind writes at exit) holds exactly the measured
            # rounds: its "totals:" (or "summary:") line.
            dumps = set(Path(tmp).glob("callgrind.out*")) - before
            for dump in dumps:
                for line in dump.read_text(errors="replace").splitlines():
                    if line.startswith(("totals:", "summary:")):
                        return int(line.split()[1]) / answered
            raise RuntimeError("no callgrind dump found")
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evserve", type=Path, action="append", required=True, help="a build; give several to compare")
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control", "strip"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (Debian: apt install valgrind binutils)")
    print(f"user-space instructions per POST /predict (2x13), callgrind, {CONNS} connections x {PIPE} pipelined x "
          f"{args.rounds} rounds")
    for binary in args.evserve:
        print(f"{binary}: {instructions_per_request(binary, args.rounds):,.0f}", flush=True)


if __name__ == "__main__":
    main()
