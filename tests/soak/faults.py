"""Faults that need an evserve of their own, run beside the main load, and the last one on the main server.

- descriptors: an evserve whose RLIMIT_NOFILE is lowered (prlimit) to a few more than it holds idle;
  clients open far more connections than it may accept. The connections it has keep being served, the
  ones over the limit are refused (closed at once, the listener's spare-descriptor trick), it does not
  spin while exhausted, and it serves new connections once some close.
- failover: deploy/failover.sh as it is (nginx with deploy/nginx/evserve.conf in front of two instances,
  wrk through nginx, one instance SIGKILLed mid-run: every request must still get its 200).
- SIGTERM in the middle of a reload: in-flight requests (1000-row bodies, pipelined) and a repository
  load are under way when SIGTERM arrives; every one is answered, and the process exits 0.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from catalog import Template
from models import REPO
from process import cpu_seconds, open_fds
from tally import Checker, Tally
from wire import Closed, Connection

HELD = 16      # connections the fd-limited server keeps serving
OVER = 80      # connections opened beyond what it may accept


def descriptors(started_evserve, model_file: Path, template: Template, expected_body: bytes, tally: Tally) -> dict:
    report: dict = {}
    with started_evserve("--model", str(model_file)) as server:
        pid, port = server.proc.pid, int(server.url.rsplit(":", 1)[1])
        idle = open_fds(pid)
        limit = idle + HELD + 4
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, limit))
        report.update({"fds_idle": idle, "nofile_limit": limit})

        def ask(connection: Connection, what: str) -> bool:
            try:
                response = connection.exchange(template.data)
            except (Closed, OSError) as error:
                tally.fail("descriptors", f"{what}: {error}")
                return False
            if response.status == 200 and response.body == expected_body:
                tally.count("descriptors", what)
                return True
            tally.fail("descriptors", f"{what}: {response.status} {response.body[:120]!r}")
            return False

        held = [Connection(port) for _ in range(HELD)]
        for connection in held:
            ask(connection, "held connection served")
        # Far more connections than descriptors left: each either gets a (correct) answer or is refused.
        over, refused, served_over = [], 0, 0
        for _ in range(OVER):
            try:
                connection = Connection(port, timeout=5)
                over.append(connection)
                response = connection.exchange(template.data)
                if response.status != 200 or response.body != expected_body:
                    tally.fail("descriptors", f"over the limit: {response.status} {response.body[:120]!r}")
                else:
                    served_over += 1
            except (Closed, OSError):
                refused += 1
        report.update({"over_limit_opened": OVER, "over_limit_refused": refused, "over_limit_served": served_over})
        if refused == 0:
            tally.note("descriptors", f"no connection was refused with the limit at {limit}: the limit did not bite")
        else:
            tally.count("descriptors", "over the limit refused", refused)
        # Exhausted and nothing new arriving: the loop must sleep, not spin on a ready listener.
        before = cpu_seconds(pid)
        time.sleep(2.0)
        spent = cpu_seconds(pid) - before
        report["cpu_seconds_in_2s_exhausted"] = round(spent, 3)
        if spent > 0.2:
            tally.note("descriptors", f"spins while out of descriptors: {spent:.2f} s of CPU in 2 s")
        for connection in held:
            ask(connection, "held connection served while exhausted")
        for connection in over:
            connection.close()
        # Recovery: once connections close, new ones are served again.
        deadline, recovered = time.monotonic() + 10, False
        while time.monotonic() < deadline and not recovered:
            try:
                connection = Connection(port, timeout=5)
                recovered = connection.exchange(template.data).body == expected_body
                connection.close()
            except (Closed, OSError):
                time.sleep(0.1)
        report["recovered"] = recovered
        if recovered:
            tally.count("descriptors", "new connection served after recovery")
        else:
            tally.note("descriptors", "no new connection served within 10 s of freeing descriptors")
        for connection in held:
            ask(connection, "held connection served after recovery")
            connection.close()
        report["alive"] = server.proc.poll() is None
        if not report["alive"]:
            tally.note("descriptors", f"the fd-limited evserve exited with {server.proc.returncode}")
    return report


def failover(evserve: str, tally: Tally) -> dict:
    missing = [tool for tool in ("nginx", "wrk", "curl") if shutil.which(tool) is None]
    if missing:
        return {"skipped": f"{', '.join(missing)} not installed (make soak installs them)"}
    env = {**os.environ, "EVSERVE_BIN": evserve, "FAILOVER_SECONDS": "8", "FAILOVER_KILL_AFTER": "3",
           "FAILOVER_CONNECTIONS": "16"}
    started = time.monotonic()
    result = subprocess.run(["bash", str(REPO / "deploy/failover.sh")], env=env, capture_output=True,
                            text=True, timeout=180)
    lines = [line for line in result.stdout.splitlines() + result.stderr.splitlines() if line.startswith(("requests ", "[failover]"))]
    report = {"exit_status": result.returncode, "seconds": round(time.monotonic() - started, 1), "output": lines[-4:]}
    if result.returncode == 0:
        tally.count("failover", "kill -9 of one of two instances: 0 failed requests")
    else:
        tally.note("failover", f"deploy/failover.sh failed ({result.returncode}): {(result.stdout + result.stderr)[-600:]}")
    return report


def sigterm_during_reload(server, port: int, load_url: str, templates: list[Template], checker: Checker,
                          tally: Tally, log_offset: int) -> dict:
    """SIGTERM while requests are in flight and a repository load is running; returns what happened."""
    batch = [t for t in templates if t.large] * 2
    connections, sent = [], time.monotonic()
    for _ in range(6):
        connection = Connection(port, timeout=30)
        connection.send(b"".join(t.data for t in batch))
        connections.append(connection)
    load: dict = {}

    def reload() -> None:
        request = urllib.request.Request(load_url, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                load["status"] = response.status
        except urllib.error.HTTPError as error:
            load["status"] = error.code
        except OSError as error:
            load["error"] = str(error)

    loader = threading.Thread(target=reload)
    loader.start()
    time.sleep(0.03)  # the load request is in; reading and compiling two versions takes ~100 ms
    server.proc.send_signal(signal.SIGTERM)
    answered = declined = 0
    for connection in connections:
        for template in batch:
            if not connection.open:
                # After a response with Connection: close, the rest of a pipeline may go unanswered
                # (RFC 9112 §9.3.2: the client retries them); evserve says so when it drains.
                declined += 1
                continue
            try:
                response = connection.read_response()
            except (Closed, OSError) as error:
                tally.fail("sigterm", f"in-flight {template.name} not answered: {error}")
                continue
            answered += checker.check("sigterm", template, response, sent, time.monotonic())
        connection.close()
    loader.join(60)
    try:
        status = server.proc.wait(40)
    except subprocess.TimeoutExpired:
        status = None
        tally.note("sigterm", "evserve still running 40 s after SIGTERM")
    log = "".join(server.log[log_offset:])
    term_at = log.find("received SIGTERM")
    loaded_after = term_at >= 0 and "loaded from" in log[term_at:]
    report = {"in_flight": len(batch) * len(connections), "answered_correctly": answered,
              "declined_after_connection_close": declined, "load": load,
              "exit_status": status, "load_finished_after_sigterm": loaded_after}
    if load.get("status") != 200:
        tally.note("sigterm", f"the load under way at SIGTERM got {load}")
    if status != 0:
        tally.note("sigterm", f"exit status {status} after SIGTERM, expected 0")
    else:
        tally.count("sigterm", "clean exit 0 with a reload under way")
    return report
