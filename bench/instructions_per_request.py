"""User-space instructions per POST /predict (or, with `--route v2`, per v2 inference request), whole
process (loop and job threads), counted by valgrind's callgrind: a count, not a timing, so it repeats
within about 1 % on a busy machine and tells two builds apart where requests/s scatter by ±15 % (this
machine's wrk runs do).

Each build runs under callgrind (its debug info stripped first: valgrind 3.19 cannot read the DWARF
Swift 6.3 writes). CONNS keep-alive connections each write PIPE pipelined 2×13 /predict requests per
round, all before any answer is read, so a loop iteration hands its jobs off in batches much as a
loaded server does; after WARMUP rounds the counters are zeroed, ROUNDS rounds run, and the dump's
total is divided by the requests sent. Every answer must be a 200.

It also counts the atomic reference counts per request, loop thread and job threads apart: how
often the `lock cmpxchg` of libswiftCore's `swift_retain`, `swift_release` and their `_n` forms ran
(their addresses read from the library with objdump). Each is tens of cycles on the loop's core,
which instructions alone do not show.

Caveat: valgrind's CPU has no AVX-512, so the model runs its AVX2 or scalar paths here; the figure
is for comparing changes to the request path (HTTP, JSON, hand-off), not the tree kernels (those
have `make bench-inference`).

Usage: python3 bench/instructions_per_request.py --evserve BIN [--evserve BIN ...] [--rounds 50] [--route v2]
(`make bench-instructions` builds the release binary and runs this; `INSTR_ROUTE=v2` passes `--route v2`.)
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
# What each route is sent: `make bench`'s bodies (bench/wrk/predict.lua and v2_infer.lua), the same rows.
BODIES = {
    "predict": ("/predict", {"X": ROWS}),
    "v2": ("/v2/models/reference/infer",
           {"inputs": [{"name": "input-0", "shape": [2, 13], "datatype": "FP64", "data": ROWS[0] + ROWS[1]}]}),
}


def request_bytes(route: str) -> bytes:
    path, body = BODIES[route]
    data = json.dumps(body).encode()
    return (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (path.encode(), len(data), data))


REQUEST = request_bytes("predict")
CONNS, PIPE, WARMUP = 8, 16, 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drive(port: int, rounds: int) -> int:
    """Sends `rounds` rounds of pipelined requests on CONNS new connections; returns how many were answered 200."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=120) for _ in range(CONNS)]
    try:
        return exchange(socks, rounds, PIPE)
    finally:
        for s in socks:
            s.close()


def exchange(socks: list[socket.socket], rounds: int, pipe: int) -> int:
    """Each round: `pipe` pipelined requests written on every connection, then every answer read (each
    must be a 200). Returns how many were answered."""
    answered = 0
    for _ in range(rounds):
        for s in socks:
            s.sendall(REQUEST * pipe)
        for s in socks:
            got = b""
            while got.count(b"HTTP/1.1 ") < pipe or not got.endswith(b"]}"):
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("connection closed before every answer came")
                got += chunk
            if got.count(b"HTTP/1.1 200 OK\r\n") != pipe:
                raise RuntimeError(f"an answer was not a 200: {got[:300]!r}")
            answered += pipe
    return answered


REFCOUNT_FUNCTIONS = ("swift_retain", "swift_release", "swift_retain_n", "swift_release_n")


def refcount_locks(binary: Path) -> dict[str, set[int]]:
    """The addresses of the `lock cmpxchg` in each reference-count function of the libswiftCore
    `binary` loads (file addresses, as callgrind reports them for a shared object)."""
    library = next((line.split("=>")[1].split()[0] for line in
                    subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout.splitlines()
                    if "libswiftCore.so" in line), None)
    if library is None:
        raise RuntimeError("the binary does not load libswiftCore.so")
    locks: dict[str, set[int]] = {}
    for function in REFCOUNT_FUNCTIONS:
        listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={function}", library],
                                 capture_output=True, text=True, check=True).stdout
        locks[function] = {int(line.split(":")[0], 16) for line in listing.splitlines()
                           if "lock cmpxchg" in line and line.strip().split(":")[0].strip()}
    return locks


def thread_costs(dump: Path, locks: dict[str, set[int]]) -> tuple[int, int]:
    """A thread's dump (--dump-instr=yes, uncompressed names and positions): its total instructions,
    and how many times the reference-count locks ran."""
    total, atomics = 0, 0
    function, after_call = None, False
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith(("totals:", "summary:")):
            total = int(line.split()[1])
        elif line.startswith("fn="):
            function, after_call = line[3:].strip(), False
        elif line.startswith("calls="):
            after_call = True  # the next line is the call's inclusive cost, not an instruction's own
        elif line.startswith("0x"):
            if after_call:
                after_call = False
            elif function in locks:
                fields = line.split()
                if int(fields[0], 16) in locks[function]:
                    atomics += int(fields[-1])
    return total, atomics


def wait_ready(port: int, proc: subprocess.Popen) -> None:
    """Waits until evserve under valgrind (`proc`) answers /readyz with 200 (at most 300 s)."""
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"evserve under valgrind exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("evserve under valgrind did not become ready in 300 s")
        time.sleep(0.5)


def costs_per_request(binary: Path, rounds: int) -> tuple[float, float, float]:
    """Instructions, loop-thread atomic reference counts and job-thread ones, per request."""
    locks = refcount_locks(binary)
    with tempfile.TemporaryDirectory(prefix="bench-instr-") as tmp:
        stripped = Path(tmp) / "evserve"
        subprocess.run(["strip", "--strip-debug", "-o", str(stripped), str(binary)], check=True)
        out = Path(tmp) / "callgrind.out"
        port = free_port()
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                 "--separate-threads=yes", "--dump-instr=yes", "--compress-pos=no",
                                 "--compress-strings=no",
                                 str(stripped), "--host", "127.0.0.1", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port, proc)
            drive(port, WARMUP)
            subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, capture_output=True)
            answered = drive(port, rounds)
            before = set(Path(tmp).glob("callgrind.out*"))
            subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, capture_output=True)
            # The dump just asked for (not the one valgrind writes at exit) holds exactly the measured
            # rounds, one file per thread (`-01` is the main thread: the loop).
            dumps = sorted(set(Path(tmp).glob("callgrind.out*")) - before)
            if not dumps:
                raise RuntimeError("no callgrind dump found")
            instructions, loop_atomics, job_atomics = 0, 0, 0
            for dump in dumps:
                total, atomics = thread_costs(dump, locks)
                instructions += total
                if dump.name.endswith("-01"):
                    loop_atomics += atomics
                else:
                    job_atomics += atomics
            return instructions / answered, loop_atomics / answered, job_atomics / answered
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evserve", type=Path, action="append", required=True, help="a build; give several to compare")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--route", choices=sorted(BODIES), default="predict",
                        help="what each request is: POST /predict, or a v2 inference request to the built-in model")
    args = parser.parse_args()
    global REQUEST
    REQUEST = request_bytes(args.route)
    for tool in ("valgrind", "callgrind_control", "strip", "objdump", "ldd"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (Debian: apt install valgrind binutils)")
    print(f"user-space instructions per {BODIES[args.route][0]} request (2x13), callgrind, {CONNS} connections x {PIPE} pipelined x "
          f"{args.rounds} rounds; atomic reference counts per request (retain/release locks), loop and job threads")
    for binary in args.evserve:
        instructions, loop_atomics, job_atomics = costs_per_request(binary, args.rounds)
        print(f"{binary}: {instructions:,.0f} instructions; atomic reference counts: loop {loop_atomics:.1f}, "
              f"job threads {job_atomics:.1f}", flush=True)


if __name__ == "__main__":
    main()
