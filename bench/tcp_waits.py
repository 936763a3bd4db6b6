"""`make bench-tcp-waits`: where a request's time goes at 10 000 connections, read from the packets.

While wrk (one thread on core 0, 10 000 keep-alive connections) posts to /predict on a server pinned to
core 1, tcpdump records the loopback packets of the connections whose client port falls in a window
(about 2 000 of the 28 000 ephemeral ports: some 700 connections) for a few seconds in the middle of the
run. For each connection the packets are followed in order, and the report gives:
- server time: from a request's segment to its answer's: the request's wait in the socket and in the
  server. Over the delayed-ACK time (40 ms at least) the request costs an ACK segment of its own.
- client time: from an answer to the connection's next request: wrk's turn.
- pure ACKs a request, by side and by how long after the data they acknowledge they left: < 1 ms (at
  once, on arrival), 1–39 ms (as the data was read, by a socket out of ping-pong mode) and ≥ 39 ms
  (the delayed-ACK timer).
Needs tcpdump (Debian: tcpdump) and the right to capture (root). Writes
bench/results/<date>-tcp-waits.txt.

    bench/.venv-peers/bin/python bench/tcp_waits.py [--evserve PATH] [--seconds S] [--only evserve,nginx-static]
"""
from __future__ import annotations

import argparse
import collections
import datetime
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import environment, oracle
from harness.background import Background
from harness.limits import raise_fd_limit
from harness.paths import EVSERVE, RESULTS
from harness.selection import Selection
from harness.servers import ServerSpec, started
from harness.wrk import LoadResult, run_wrk
from run_concurrency import server_specs  # the same two servers, set up the same way

SERVERS = ["evserve", "nginx-static"]
CONNECTIONS = 10_000
WINDOW = 2_000  # client ports captured
DELAYED_ACK = 0.039  # Linux's least delayed-ACK time is 40 ms; a jiffy early counts as the timer


@dataclass
class Packet:
    time: float
    from_client: bool
    client_port: int
    payload: int
    control: bool  # SYN, FIN or RST


@dataclass
class Waits:
    requests: int = 0
    answers: int = 0
    server_times: list[float] = field(default_factory=list)
    client_times: list[float] = field(default_factory=list)
    acks: collections.Counter = field(default_factory=collections.Counter)


def read_capture(pcap: Path, server_port: int) -> list[Packet]:
    """The capture's packets, in time order, from tcpdump's own reading of the file."""
    text = subprocess.run(["tcpdump", "-r", str(pcap), "-n", "-tt"], capture_output=True, text=True, check=True).stdout
    packets = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[1] != "IP" or "Flags [" not in line:
            continue
        source = int(parts[2].rsplit(".", 1)[1])
        destination = int(parts[4].rstrip(":").rsplit(".", 1)[1])
        flags = line.split("Flags [", 1)[1].split("]", 1)[0]
        payload = int(line.rsplit("length ", 1)[1].split()[0]) if "length " in line else 0
        from_client = destination == server_port
        packets.append(Packet(float(parts[0]), from_client, source if from_client else destination, payload,
                              any(f in flags for f in "SFR")))
    return packets


def waits(packets: list[Packet]) -> Waits:
    """Follows each connection's requests, answers and pure ACKs (see the module's docstring)."""
    result = Waits()
    last_data_to = {}  # (client port, receiving side is client) -> time data last reached that side
    last_request, last_answer = {}, {}
    for p in packets:
        if p.control:
            continue
        if p.payload > 0:
            last_data_to[(p.client_port, not p.from_client)] = p.time
            if p.from_client:
                result.requests += 1
                if p.client_port in last_answer:
                    result.client_times.append(p.time - last_answer.pop(p.client_port))
                last_request[p.client_port] = p.time
            else:
                result.answers += 1
                if p.client_port in last_request:
                    result.server_times.append(p.time - last_request.pop(p.client_port))
                last_answer[p.client_port] = p.time
            continue
        came = last_data_to.get((p.client_port, p.from_client))
        if came is None:
            continue  # acknowledges data sent before the capture began
        delay = p.time - came
        kind = "< 1 ms" if delay < 0.001 else "1-39 ms" if delay < DELAYED_ACK else ">= 39 ms"
        result.acks[("client" if p.from_client else "server", kind)] += 1
    return result


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    pick = lambda q: ordered[int(q * (len(ordered) - 1))] * 1000
    over = sum(v >= DELAYED_ACK for v in ordered) / len(ordered)
    return (f"p10 {pick(0.1):.1f}  p50 {pick(0.5):.1f}  p90 {pick(0.9):.1f}  p99 {pick(0.99):.1f} ms; "
            f"{over:.0%} at 39 ms or more ({len(ordered):,} measured)")


def measure(spec: ServerSpec, seconds: float, capture_seconds: float) -> tuple[Waits, LoadResult]:
    with started(spec, "1") as server:
        if spec.serves_model:
            oracle.check_predictions(server.url)
        low = 40_000 if not 40_000 <= server.port < 40_000 + WINDOW else 50_000
        load = Background(lambda: run_wrk(server.url, "predict.lua", CONNECTIONS, seconds, "0"))
        with tempfile.TemporaryDirectory() as scratch:
            pcap = Path(scratch) / "sample.pcap"
            # The middle of the run: the connections are all open and the servers in their stride.
            time.sleep((seconds - capture_seconds) / 2)
            dump = subprocess.Popen(["tcpdump", "-i", "lo", "-s", "68", "-B", "65536", "-w", str(pcap),
                                     f"tcp and port {server.port} and portrange {low}-{low + WINDOW - 1}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(capture_seconds)
            dump.terminate()
            report = dump.communicate()[1].decode()
            result = load.outcome()
            if "0 packets dropped by kernel" not in report:
                raise RuntimeError(f"tcpdump lost packets or failed:\n{report}")
            packets = read_capture(pcap, server.port)
    return waits(packets), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evserve", type=Path, default=EVSERVE)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--capture-seconds", type=float, default=5)
    parser.add_argument("--only", help=f"comma-separated servers ({','.join(SERVERS)}); default both")
    args, _ = parser.parse_known_args()
    if shutil.which("tcpdump") is None:
        print("error: needs tcpdump (apt-get install tcpdump)", file=sys.stderr)
        return 2
    raise_fd_limit()
    specs = server_specs(args.evserve, CONNECTIONS)
    only = Selection(args.only, SERVERS, [])
    started_at = datetime.datetime.now(datetime.timezone.utc)
    lines = [f"# Where a request's time goes at {CONNECTIONS:,} connections, from the packets "
             f"({started_at:%Y-%m-%d %H:%M} UTC)", "",
             f"`make bench-tcp-waits` (bench/tcp_waits.py): wrk -t1 -c{CONNECTIONS} on core 0 posting to /predict "
             f"for {args.seconds:g} s, the server on core 1; tcpdump records {args.capture_seconds:g} s in the "
             f"middle of the run for client ports in a window of {WINDOW:,}.",
             f"Machine: {environment.machine()}; Linux {platform.release()}; "
             f"evserve commit {environment.evserve_commit()}; {environment.first_line(['wrk', '-v']).split(' [')[0]}.", ""]
    for spec in specs:
        if not only.server(spec.name):
            continue
        print(f"== {spec.name}", flush=True)
        w, load = measure(spec, args.seconds, args.capture_seconds)
        lines += [f"## {spec.name}: {load.rps:,.0f} req/s over the run, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms",
                  "", f"- requests captured: {w.requests:,}; answers: {w.answers:,}",
                  f"- server time (request to answer): {spread(w.server_times)}",
                  f"- client time (answer to next request): {spread(w.client_times)}",
                  "- pure ACKs a request: " + ", ".join(
                      f"{side} {kind} {w.acks[(side, kind)] / max(w.requests, 1):.2f}"
                      for side in ("server", "client") for kind in ("< 1 ms", "1-39 ms", ">= 39 ms")), ""]
        print("\n".join(lines[-7:]), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started_at:%Y-%m-%d}-tcp-waits.txt"
    out.write_text("\n".join(lines))
    print(f"wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
