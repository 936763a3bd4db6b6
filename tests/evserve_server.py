"""Start the real evserve binary on a free loopback port, for the live Python suites.

The server logs `listening on http://HOST:PORT` once its socket is served; we read the port from
there, so tests never race for a port number.
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"listening on http://([0-9.]+):([0-9]+)")
ADMIN = re.compile(r"admin routes \(repository, metrics\) at http://([0-9.]+):([0-9]+)")


def evserve_binary() -> str:
    """The binary under test: $EVSERVE_BIN, else the debug build."""
    return os.environ.get("EVSERVE_BIN", str(REPO / ".build" / "debug" / "evserve"))


@contextlib.contextmanager
def running_evserve(*args: str, env: dict | None = None, timeout: float = 60.0, wait_ready: bool = True):
    """Yield (base_url, process) for an evserve started with `--port 0` plus `args`.

    With `wait_ready` (the default) it first waits until GET /readyz answers 200, i.e. the model is
    trained or loaded (the built-in model trains after the socket is up; a debug build takes ~2 s).
    """
    with started_evserve(*args, env=env, timeout=timeout, wait_ready=wait_ready) as server:
        yield server.url, server.proc


class StartedEvserve:
    """A running evserve: its URL, its admin listener's URL (with `admin`), its process, and its log
    so far (stderr lines, kept growing by a thread)."""

    def __init__(self, proc: subprocess.Popen, url: str, admin: str | None, log: list[str]):
        self.proc, self.url, self.admin, self.log = proc, url, admin, log


@contextlib.contextmanager
def started_evserve(*args: str, admin: bool = False, env: dict | None = None, timeout: float = 60.0,
                    wait_ready: bool = True):
    """Yield a `StartedEvserve` for an evserve started with `--port 0` plus `args` (and `--admin-port 0`
    with `admin`); stopped with SIGTERM (then SIGKILL) however the block ends."""
    command = [evserve_binary(), "--host", "127.0.0.1", "--port", "0", *args]
    if admin:
        command += ["--admin-port", "0"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    found: dict = {}
    ready = threading.Event()
    log: list[str] = []

    def pump() -> None:
        # Keep draining stderr so the server never blocks on a full pipe.
        for line in proc.stderr:
            log.append(line)
            if m := LISTENING.search(line):
                found.setdefault("url", f"http://{m.group(1)}:{m.group(2)}")
            if m := ADMIN.search(line):
                found["admin"] = f"http://{m.group(1)}:{m.group(2)}"
            if "url" in found and (not admin or "admin" in found):
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    # From here on the process is stopped however this ends: a failed start, a failed wait, a failed test.
    try:
        ready.wait(timeout)
        if "url" not in found:
            raise RuntimeError("evserve did not start: " + "".join(log))
        if wait_ready:
            _wait_until_ready(found["url"], proc, timeout)
        yield StartedEvserve(proc, found["url"], found.get("admin"), log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass  # 503 until the model is in (HTTPError); on a loaded machine a slow answer (timeout)
        time.sleep(0.05)
    raise RuntimeError("evserve did not become ready" if proc.poll() is None else
                       f"evserve exited with status {proc.returncode} before it was ready")
