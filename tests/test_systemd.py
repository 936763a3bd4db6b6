"""evserve under systemd, without systemd as PID 1.

- The unit files pass `systemd-analyze verify` and its offline security review.
- Socket activation: `systemd-socket-activate` binds the port and execs evserve with LISTEN_FDS; evserve
  must serve that socket, including a connection that was made before evserve had started.
- Notification: a Unix datagram socket stands in for the service manager's NOTIFY_SOCKET; evserve must send
  READY=1 (with STATUS=) once it serves, WATCHDOG=1 every half WATCHDOG_USEC, and STOPPING=1 on SIGTERM.
"""
from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
import yaml  # tests/requirements-deploy.txt

from evserve_server import REPO, evserve_binary, running_evserve

UNITS = REPO / "deploy" / "systemd"
# Two Boston housing rows (the data set's first two, features in the usual order CRIM ... LSTAT).
ROWS = [
    [0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98],
    [0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14],
]
START_TIMEOUT = 60.0  # a debug build trains the model at start-up


class NotifyListener:
    """A Unix datagram socket standing in for systemd's NOTIFY_SOCKET.

    A thread drains it continuously and records (monotonic time, message): the kernel queues only
    net.unix.max_dgram_qlen (10 by default) datagrams, and evserve's non-blocking sends drop the rest.
    """

    def __init__(self, abstract: bool = False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"evserve-test-{os.getpid()}-{id(self)}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
            self._dir = None
        else:
            # A short folder: sun_path holds 108 bytes, pytest's tmp_path can be longer.
            self._dir = tempfile.TemporaryDirectory(prefix="evn-")
            self.address = os.path.join(self._dir.name, "notify")
            self.sock.bind(self.address)
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, str]] = []
        self._lock = threading.Condition()
        self._running = True
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while self._running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.messages.append((time.monotonic(), data.decode()))
                self._lock.notify_all()

    def wait_for(self, field: str, timeout: float) -> tuple[float, str]:
        """The first message with the line `field` (e.g. "READY=1"), waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for stamp, message in self.messages:
                    if field in message.split("\n"):
                        return stamp, message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {field} within {timeout} s; got {self.messages!r}")
                self._lock.wait(remaining)

    def count(self, field: str, since: float = 0.0, until: float = float("inf")) -> int:
        with self._lock:
            return sum(1 for stamp, m in self.messages if since <= stamp <= until and field in m.split("\n"))

    def close(self) -> None:
        self._running = False
        self._thread.join(2)
        self.sock.close()
        if self._dir:
            self._dir.cleanup()


@pytest.fixture
def notify_listener():
    listener = NotifyListener()
    yield listener
    listener.close()


def predict(base_url: str) -> list[float]:
    response = requests.post(f"{base_url}/predict", json={"X": ROWS}, timeout=10)
    assert response.status_code == 200, response.text
    y = response.json()["y"]
    assert len(y) == len(ROWS) and all(isinstance(v, float) for v in y)
    return y


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("evserve did not exit after SIGTERM")


# --- Unit files --------------------------------------------------------------------------------------------

def unit_copies(folder: Path) -> tuple[Path, Path]:
    """The shipped units, with ExecStart pointing at the binary under test (verify needs it to exist)."""
    service = (UNITS / "evserve.service").read_text()
    assert "ExecStart=/usr/local/bin/evserve " in service
    service = service.replace("ExecStart=/usr/local/bin/evserve ", f"ExecStart={evserve_binary()} ")
    (folder / "evserve.service").write_text(service)
    (folder / "evserve.socket").write_text((UNITS / "evserve.socket").read_text())
    return folder / "evserve.socket", folder / "evserve.service"


def unit_value(path: Path, key: str) -> str:
    values = re.findall(rf"^{key}=(.*)$", path.read_text(), re.M)
    assert len(values) == 1, f"{key} in {path.name}: {values}"
    return values[0].strip()


def test_units_pass_systemd_analyze_verify(tmp_path):
    """systemd-analyze verify accepts both units without a single warning."""
    sock, service = unit_copies(tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", str(sock), str(service)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_service_hardening_is_rated_ok(tmp_path):
    """The offline security review rates the service's exposure at most 2.0 of 10 ("OK")."""
    _, service = unit_copies(tmp_path)
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(service)],
                            capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for evserve.service: ([0-9.]+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.0, result.stdout


def test_units_agree_with_the_server():
    """The service is a notify service with a watchdog, its stop timeout outlasts the drain it asks for,
    and the socket serves the port the container exposes."""
    service, sock = UNITS / "evserve.service", UNITS / "evserve.socket"
    assert unit_value(service, "Type") == "notify"
    assert unit_value(service, "WatchdogSec").endswith("s")
    exec_args = shlex.split(unit_value(service, "ExecStart"))
    graceful = float(exec_args[exec_args.index("--graceful-timeout") + 1])
    assert float(unit_value(service, "TimeoutStopSec").rstrip("s")) > graceful
    assert unit_value(sock, "ListenStream").endswith(":8000")
    assert "EXPOSE 8000" in (REPO / "Dockerfile").read_text()


# --- Socket activation -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def open_descriptors(pid: int) -> dict[int, str]:
    """What each open descriptor of a live process refers to (readlink of /proc/PID/fd/N).

    The process opens and closes descriptors while we read (a connection ends, a file is read): one listed
    by os.listdir can be gone by the time we read its link, so a vanished descriptor is skipped, not an error.
    """
    links = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):
            links[int(name)] = os.readlink(f"/proc/{pid}/fd/{name}")
    return links


def listening_socket_inode(port: int) -> str | None:
    """The inode of the socket listening on 127.0.0.1:PORT, from /proc/net/tcp (hex address, state 0A)."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[1] == wanted and fields[3] == "0A":
                return fields[9]
    return None


def listens_on(pid: int, port: int) -> bool:
    """Whether the socket listening on 127.0.0.1:PORT is one of the process's own descriptors."""
    inode = listening_socket_inode(port)
    return inode is not None and f"socket:[{inode}]" in open_descriptors(pid).values()


def unit_exec_args() -> list[str]:
    """ExecStart's flags from the shipped unit, with its public address swapped for loopback.

    Under socket activation --host/--port must be ignored; pointing them at 127.0.0.1:0 means a server
    that bound its own socket anyway would not be found on the activated port, and the test fails.
    """
    args = shlex.split(unit_value(UNITS / "evserve.service", "ExecStart"))[1:]
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = "0"
    return args


@contextlib.contextmanager
def socket_activated(extra_env: dict | None = None):
    """Yield (port, process): systemd-socket-activate listening on a loopback port, exec'ing evserve on
    the first connection (it keeps its pid, so the process is evserve once a client has connected)."""
    for _ in range(5):
        port = free_port()
        env_flags = [f"-E{k}={v}" for k, v in (extra_env or {}).items()]
        proc = subprocess.Popen(
            ["systemd-socket-activate", "-l", f"127.0.0.1:{port}", *env_flags, evserve_binary(), *unit_exec_args()],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Bound once the port's listening socket is this process's (not another program's that took the
        # port between free_port() and the bind: then systemd-socket-activate exits and we try another).
        # No connection is made here, so the test's own first connection is the one that starts evserve.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                if listens_on(proc.pid, port):
                    break
            time.sleep(0.05)
        else:
            proc.kill()
            proc.wait()
            continue  # the port was taken meanwhile; try another
        try:
            yield port, proc
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        return
    raise RuntimeError("systemd-socket-activate could not listen on a free port")


def test_socket_activation_serves_the_inherited_socket():
    """Started by systemd-socket-activate, evserve answers /healthz, /readyz and /predict on the passed
    socket, over several connections, and exits 0 on SIGTERM."""
    with socket_activated() as (port, proc):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                response = requests.get(f"{base}/readyz", timeout=START_TIMEOUT)
                if response.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "never ready on the activated socket"
            time.sleep(0.1)
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        with requests.Session() as session:  # keep-alive, then fresh connections
            for _ in range(3):
                assert session.get(f"{base}/healthz", timeout=10).status_code == 200
        first, second = predict(base), predict(base)
        assert first == second
        # The inherited socket is descriptor 3 (SD_LISTEN_FDS_START), and it is the one listening on the port.
        fds = open_descriptors(proc.pid)
        assert fds.get(3, "").startswith("socket:"), fds
        assert listens_on(proc.pid, port), fds
        assert stop(proc) == 0


def test_connection_made_before_start_is_answered():
    """A request sent before evserve is up waits in the socket's backlog and is answered, not refused:
    the point of socket activation (a restart loses no connections)."""
    with socket_activated() as (port, proc):
        # Socket-activated, evserve trains the built-in model before it serves: this request waits in the
        # backlog through the exec, the start-up and the training.
        response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=START_TIMEOUT)
        assert response.status_code == 200, response.text
        assert stop(proc) == 0


def test_socket_activated_server_reports_ready(notify_listener):
    """Socket-activated and notified together, as under systemd: READY=1 arrives and the port serves."""
    with socket_activated({"NOTIFY_SOCKET": notify_listener.address}) as (port, proc):
        with contextlib.suppress(requests.RequestException):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=START_TIMEOUT)  # the first connection starts it
        notify_listener.wait_for("READY=1", START_TIMEOUT)
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
        assert stop(proc) == 0
        notify_listener.wait_for("STOPPING=1", 5)


# --- sd_notify: READY, STATUS, WATCHDOG, STOPPING ----------------------------------------------------------

def test_ready_after_serving_then_watchdog_then_stopping(notify_listener):
    """READY=1 with a STATUS= line comes once, when /readyz and /predict already answer; WATCHDOG=1 follows
    every half WATCHDOG_USEC; SIGTERM brings STOPPING=1 and a clean exit."""
    env = {"NOTIFY_SOCKET": notify_listener.address, "WATCHDOG_USEC": "200000"}
    with running_evserve(env=env, timeout=START_TIMEOUT) as (base, proc):
        ready_at, ready = notify_listener.wait_for("READY=1", START_TIMEOUT)
        status = [line for line in ready.split("\n") if line.startswith("STATUS=")]
        assert len(status) == 1 and len(status[0]) > len("STATUS="), ready
        assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
        predict(base)

        # WATCHDOG_USEC=200000 means a ping every 0.1 s: about 10 in a second. Wide bounds for a busy machine,
        # tight enough that a missing timer (0) or a ping per loop turn (hundreds) fails.
        window_start = ready_at + 0.25
        window_end = window_start + 1.0
        time.sleep(max(0.0, window_end + 0.1 - time.monotonic()))  # count once the window is over
        pings = notify_listener.count("WATCHDOG=1", since=window_start, until=window_end)
        assert 4 <= pings <= 25, notify_listener.messages

        assert stop(proc) == 0
        notify_listener.wait_for("STOPPING=1", 5)
    assert notify_listener.count("READY=1") == 1
    for _, message in notify_listener.messages:
        assert all(re.fullmatch(r"[A-Z_]+=.*", line) for line in message.split("\n")), message


def test_abstract_notify_socket():
    """An '@' NOTIFY_SOCKET names an abstract socket, and READY=1 reaches it."""
    listener = NotifyListener(abstract=True)
    try:
        with running_evserve(env={"NOTIFY_SOCKET": listener.address}, timeout=START_TIMEOUT) as (base, proc):
            listener.wait_for("READY=1", START_TIMEOUT)
            assert stop(proc) == 0
            listener.wait_for("STOPPING=1", 5)
    finally:
        listener.close()


@pytest.mark.parametrize("watchdog_env", [{}, {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"}],
                         ids=["no WATCHDOG_USEC", "WATCHDOG_PID of another process"])
def test_no_watchdog_unless_asked(notify_listener, watchdog_env):
    """Without WATCHDOG_USEC, or when WATCHDOG_PID names another process, evserve sends no WATCHDOG=1."""
    env = {"NOTIFY_SOCKET": notify_listener.address, **watchdog_env}
    with running_evserve(env=env, timeout=START_TIMEOUT) as (base, proc):
        notify_listener.wait_for("READY=1", START_TIMEOUT)
        time.sleep(1.0)  # ten pings' worth, had the watchdog been on
        assert notify_listener.count("WATCHDOG=1") == 0, notify_listener.messages
        assert stop(proc) == 0


# --- The other deployment files agree with the server ------------------------------------------------------

def help_default(flag: str) -> float:
    """A flag's default as the binary's --help states it (swift-argument-parser's "(default: X)")."""
    text = subprocess.run([evserve_binary(), "--help"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(rf"--{flag} <[^>]+>\s+.*?\(default: ([0-9.]+)\)", text, re.S)
    assert match, text
    return float(match.group(1))


def flag_value(args: list[str], flag: str) -> float:
    for i, arg in enumerate(args):
        if arg.startswith(f"--{flag}="):
            return float(arg.split("=", 1)[1])
        if arg == f"--{flag}":
            return float(args[i + 1])
    raise AssertionError(f"--{flag} not in {args}")


def test_nginx_closes_idle_upstream_connections_before_evserve():
    """nginx's upstream idle timeout is below evserve's default --keep-alive-timeout, so nginx never reuses
    a connection evserve is closing; retries include POST, which is safe because /predict has no side effects."""
    conf = (REPO / "deploy" / "nginx" / "evserve.conf").read_text()
    upstream = re.search(r"upstream evserve \{(.*?)\n\}", conf, re.S).group(1)
    nginx_idle = float(re.search(r"^\s*keepalive_timeout\s+([0-9.]+)s;", upstream, re.M).group(1))
    assert nginx_idle < help_default("keep-alive-timeout")
    assert re.search(r"^\s*keepalive\s+\d+;", upstream, re.M)
    assert re.search(r"^\s*proxy_http_version 1.1;", conf, re.M)
    assert re.search(r'^\s*proxy_set_header Connection "";', conf, re.M)
    assert re.search(r"^\s*proxy_next_upstream [^;]*\berror\b[^;]*\bnon_idempotent\b", conf, re.M)


def test_kubernetes_manifests_fit_the_server():
    """The Deployment probes /readyz and /healthz on the served port, gives the drain its full time before
    SIGKILL, keeps idle connections longer than a 60 s balancer, and runs as the image's user."""
    deployment = yaml.safe_load((REPO / "deploy" / "k8s" / "deployment.yaml").read_text())
    service = yaml.safe_load((REPO / "deploy" / "k8s" / "service.yaml").read_text())
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    args = container["args"]
    (port,) = container["ports"]
    assert flag_value(args, "port") == port["containerPort"] == 8000
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    assert service["spec"]["ports"][0]["targetPort"] == port["name"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > float(pre_stop[1]) + flag_value(args, "graceful-timeout")
    assert flag_value(args, "keep-alive-timeout") > 60
    user = re.search(r"^USER (\d+):(\d+)$", (REPO / "Dockerfile").read_text(), re.M)
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == tuple(map(int, user.groups()))


def test_kubernetes_args_start_a_server_whose_probes_answer():
    """The Deployment's flags are accepted by the real binary, and both probe paths answer 200 once ready."""
    pod = yaml.safe_load((REPO / "deploy" / "k8s" / "deployment.yaml").read_text())["spec"]["template"]["spec"]
    # Everything but the address, which running_evserve sets to a free loopback port.
    args = [a for a in pod["containers"][0]["args"] if not a.startswith(("--host", "--port"))]
    with running_evserve(*args, timeout=START_TIMEOUT) as (base, proc):
        deadline = time.monotonic() + START_TIMEOUT
        while requests.get(f"{base}/readyz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "never ready"
            time.sleep(0.1)
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        assert stop(proc) == 0
