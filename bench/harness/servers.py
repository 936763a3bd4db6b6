"""The servers under comparison: how to start each one, wait until it answers, and stop it.

Every server listens on a loopback port chosen by the kernel and logs into a temporary folder.
`cpus` ("1", or None for unpinned) goes to `taskset -c`, which forked children (gunicorn's worker,
nginx's worker) inherit.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .paths import EVSERVE, PEERS, PEERS_VENV
from .process_tree import ProcessTree

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ServerSpec:
    name: str
    # (port, scratch folder) -> argv
    argv: Callable[[int, Path], list[str]]
    serves_model: bool = True
    # A GET path answering 200 once the server is ready, for servers without /predict (v2 servers).
    ready_path: str | None = None


def gunicorn(app: str, worker: str) -> Callable[[int, Path], list[str]]:
    def argv(port: int, scratch: Path) -> list[str]:
        return [str(PEERS_VENV / "bin" / "gunicorn"), "--chdir", str(PEERS), "--workers", "1",
                "--worker-class", worker, "--bind", f"{HOST}:{port}", "--graceful-timeout", "3", app]
    return argv


def nginx(worker_connections: int = 4096) -> Callable[[int, Path], list[str]]:
    def argv(port: int, scratch: Path) -> list[str]:
        conf = (PEERS / "nginx.conf.in").read_text()
        for key, value in {"PREFIX": scratch, "HOST": HOST, "PORT": port,
                           "WORKER_CONNECTIONS": worker_connections}.items():
            conf = conf.replace(f"@{key}@", str(value))
        (scratch / "nginx.conf").write_text(conf)
        return ["nginx", "-p", str(scratch), "-e", str(scratch / "error.log"), "-c", str(scratch / "nginx.conf"),
                "-g", "daemon off;"]
    return argv


def evserve(binary: Path = EVSERVE, workers: int = 1) -> Callable[[int, Path], list[str]]:
    def argv(port: int, scratch: Path) -> list[str]:
        return [str(binary), "--host", HOST, "--port", str(port), "--workers", str(workers)]
    return argv


FAST_WORKER = "fast_worker.UvloopHttptoolsWorker"
PEER_SPECS = [
    ServerSpec("flask", gunicorn("flask_app:app", "sync")),
    ServerSpec("fastapi", gunicorn("fastapi_app:app", FAST_WORKER)),
    ServerSpec("starlette", gunicorn("starlette_app:app", FAST_WORKER)),
    ServerSpec("nginx-static", nginx(), serves_model=False),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class RunningServer:
    def __init__(self, spec: ServerSpec, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.spec, self.proc, self.port, self.log = spec, proc, port, log
        self.tree = ProcessTree(proc.pid)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


# Readiness probe for servers with a model: a model still loading may answer GET / but 503 on /predict.
PROBE_BODY = b'{"X": [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98]]}'


def answers(server: RunningServer) -> bool:
    if server.spec.ready_path:
        request = urllib.request.Request(server.url + server.spec.ready_path)
    elif server.spec.serves_model:
        request = urllib.request.Request(server.url + "/predict", data=PROBE_BODY,
                                         headers={"Content-Type": "application/json"})
    else:
        request = urllib.request.Request(server.url + "/")
    with contextlib.suppress(OSError):  # refused, reset, or an HTTPError such as 503
        with urllib.request.urlopen(request, timeout=2) as r:
            return r.status == 200
    return False


def wait_until_answering(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.spec.name} exited with {server.proc.returncode}:\n{server.log_tail()}")
        if answers(server):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{server.spec.name} did not answer within {timeout:.0f} s:\n{server.log_tail()}")


@contextlib.contextmanager
def started(spec: ServerSpec, cpus: str | None, timeout: float = 90.0):
    """Yield a RunningServer that answers (POST /predict, or GET / for nginx); stop it (SIGTERM, then SIGKILL) on the way out."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{spec.name}-") as tmp:
        scratch = Path(tmp)
        port = free_port()
        argv = spec.argv(port, scratch)
        if cpus is not None:
            argv = ["taskset", "-c", cpus, *argv]
        log = scratch / "server.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        server = RunningServer(spec, proc, port, log)
        try:
            wait_until_answering(server, timeout)
            yield server
        finally:
            stop(server)


def stop(server: RunningServer) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    # Whatever survived (a stuck worker), in this server's own process group only.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
