"""The model repository (`--model-repository DIR`, Triton's layout) and model updates, live.

Triton's own HTTP client drives the repository API (index, load, unload) and inference against the
real binary. Two models made from the reference model (A, and B = A with its base value moved) give
answers that differ, so every answer can be traced to the model that made it. The update test runs
50 reloads — valid and broken files, over the API and by SIGHUP — while a bounded pool of clients
sends requests, and requires every answer to be exactly A's or B's, none failed, and the server's
memory back near where it started.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from evserve_server import REPO, StartedEvserve, evserve_binary, started_evserve

FEATURES = 13


# --- models and repositories -------------------------------------------------------------------

@pytest.fixture(scope="module")
def model_a(tmp_path_factory) -> bytes:
    """The reference model's file, as evserve writes it."""
    path = tmp_path_factory.mktemp("models") / "a.json"
    subprocess.run([evserve_binary(), "--save-model", str(path)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path.read_bytes()


@pytest.fixture(scope="module")
def model_b(model_a) -> bytes:
    """Model A with its base value moved by 100: every prediction differs from A's."""
    document = json.loads(model_a)
    document["base"] = [document["base"][0] + 100.0]
    return json.dumps(document).encode()


BROKEN = [b'{"format": "evserve.trees", "version": 2', b"not a model at all", b""]


def write_version(repository: Path, model: str, version: int, content: bytes, name: str = "model.json") -> Path:
    """Puts `content` in place atomically (written beside, then renamed), as a deploy tool should:
    the server never reads half a file. The staging directory is hidden, so scans skip it."""
    directory = repository / model / str(version)
    directory.mkdir(parents=True, exist_ok=True)
    staging = repository / ".staging"
    staging.mkdir(exist_ok=True)
    temporary = staging / f"{model}-{version}"
    temporary.write_bytes(content)
    os.replace(temporary, directory / name)
    return directory / name


def rows(count: int = 3) -> list[list[float]]:
    lines = (REPO / "Sources/Inference/Data/boston_house_prices.csv").read_text().splitlines()[2:]
    return [[float(v) for v in line.split(",")[:FEATURES]] for line in lines[:count]]


# --- a server with its admin port --------------------------------------------------------------

class Evserve(StartedEvserve):
    """A running evserve (evserve_server.StartedEvserve) with what these tests ask of it."""

    def client(self, admin: bool = False) -> triton.InferenceServerClient:
        return triton.InferenceServerClient((self.admin if admin else self.url).removeprefix("http://"))

    def rss(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))

    def logged(self, pattern: str, timeout: float = 10.0) -> bool:
        return wait_until(lambda: any(re.search(pattern, line) for line in list(self.log)), timeout)


@contextlib.contextmanager
def evserve(*args: str, admin: bool = False, timeout: float = 60.0, env: dict | None = None):
    with started_evserve(*args, admin=admin, env=env, timeout=timeout) as started:
        yield Evserve(started.proc, started.url, started.admin, started.log)


def wait_until(condition, timeout: float = 10.0) -> bool:
    """Polls `condition` until it holds, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if condition():
                return True
        time.sleep(0.05)
    return condition()


def infer(url: str, model: str, data: list[list[float]], version: str | None = None) -> requests.Response:
    path = f"/v2/models/{model}" + (f"/versions/{version}" if version else "") + "/infer"
    body = {"inputs": [{"name": "input-0", "shape": [len(data), FEATURES], "datatype": "FP64",
                        "data": [v for row in data for v in row]}]}
    return requests.post(url + path, json=body, timeout=10)


def loads_total(admin_url: str, model: str, result: str) -> float:
    text = requests.get(admin_url + "/metrics", timeout=10).text
    m = re.search(r'^evserve_model_loads_total\{model="%s",result="%s"\} (\S+)$' % (re.escape(model), result), text, re.M)
    return float(m.group(1)) if m else 0.0


# --- layout, versions, default model ------------------------------------------------------------

def test_two_models_and_versions(tmp_path, model_a, model_b):
    """Each model answers by name, the highest version without one and any version by number; the
    index lists them READY; the FastAPI routes serve --default-model."""
    write_version(tmp_path, "alpha", 1, model_a)
    write_version(tmp_path, "beta", 1, model_a)
    write_version(tmp_path, "beta", 3, model_b)
    (tmp_path / "beta" / "notes").mkdir()            # not a version: skipped, as Triton does
    (tmp_path / "README.txt").write_text("skipped")  # not a model directory
    with evserve("--model-repository", str(tmp_path), "--default-model", "beta") as server:
        client = server.client()
        x = rows()
        a = infer(server.url, "alpha", x).json()["outputs"][0]["data"]
        b = infer(server.url, "beta", x).json()
        assert b["model_name"] == "beta" and b["model_version"] == "3"
        assert infer(server.url, "beta", x, version="1").json()["outputs"][0]["data"] == a
        assert b["outputs"][0]["data"] != a
        assert requests.post(server.url + "/predict", json={"X": x}, timeout=10).json()["y"] == b["outputs"][0]["data"]
        assert client.get_model_metadata("beta")["versions"] == ["1", "3"]
        assert client.is_model_ready("beta", "1") and client.is_model_ready("alpha")
        assert not client.is_model_ready("beta", "2")
        index = client.get_model_repository_index()
        assert [(m["name"], m["version"], m["state"]) for m in index] == [
            ("alpha", "1", "READY"), ("beta", "1", "READY"), ("beta", "3", "READY")]
        missing = infer(server.url, "gamma", x)
        assert missing.status_code == 404 and "unknown model 'gamma'" in missing.json()["error"]
        paths = requests.get(server.url + "/openapi.json", timeout=10).json()["paths"]
        for path in ("/v2/repository/index", "/v2/repository/models/{name}/load", "/v2/repository/models/{name}/unload"):
            assert "post" in paths[path]
        text = requests.get(server.url + "/metrics", timeout=10).text
        assert 'evserve_model_predicted_rows_total{model="beta",version="3"} 6' in text
        assert 'evserve_model_ready{model="alpha",version="1"} 1' in text


def test_start_refuses_a_broken_repository(tmp_path, model_a):
    """At start-up a model that cannot load is one clear error and exit status 1 (as --model)."""
    write_version(tmp_path, "alpha", 1, model_a)
    write_version(tmp_path, "beta", 1, BROKEN[0])
    result = subprocess.run([evserve_binary(), "--port", "0", "--model-repository", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "model 'beta' version 1" in result.stderr


# --- the repository API -------------------------------------------------------------------------

def test_load_and_unload_need_explicit_model_control(tmp_path, model_a):
    """Without --model-control explicit, load and unload answer 403 and say how to allow them; the
    index still answers."""
    write_version(tmp_path, "alpha", 1, model_a)
    with evserve("--model-repository", str(tmp_path)) as server:
        client = server.client()
        for call in (client.load_model, client.unload_model):
            with pytest.raises(InferenceServerException, match="--model-control explicit") as raised:
                call("alpha")
            assert raised.value.status() == "403"
        assert client.get_model_repository_index()[0]["state"] == "READY"


def test_index_body_is_empty_or_a_json_object(tmp_path, model_a):
    """No body lists every version; whitespace alone is not JSON and is refused with 400 (schemathesis
    found `\t` accepted as application/json)."""
    write_version(tmp_path, "alpha", 1, model_a)
    with evserve("--model-repository", str(tmp_path), "--model-control", "explicit", admin=True) as server:
        index = server.admin + "/v2/repository/index"
        assert requests.post(index, timeout=10).status_code == 200
        assert requests.post(index, data=b"{}", headers={"Content-Type": "application/json"}, timeout=10).status_code == 200
        for body in (b"\t", b" ", b"\r\n"):
            answer = requests.post(index, data=body, headers={"Content-Type": "application/json"}, timeout=10)
            assert answer.status_code == 400, body
            assert "JSON object" in answer.json()["error"]


def test_admin_listener_keeps_the_repository_api_and_metrics_off_the_public_port(tmp_path, model_a):
    """With --admin-port, /v2/repository/* and /metrics answer there only, on loopback."""
    write_version(tmp_path, "alpha", 1, model_a)
    with evserve("--model-repository", str(tmp_path), "--model-control", "explicit", admin=True) as server:
        assert server.admin.startswith("http://127.0.0.1:")
        assert requests.post(server.url + "/v2/repository/index", timeout=10).status_code == 404
        assert requests.get(server.url + "/metrics", timeout=10).status_code == 404
        assert requests.post(server.admin + "/v2/repository/index", timeout=10).status_code == 200
        assert "evserve_model_loads_total" in requests.get(server.admin + "/metrics", timeout=10).text
        assert "/v2/repository/index" not in requests.get(server.url + "/openapi.json", timeout=10).json()["paths"]
        server.client(admin=True).load_model("alpha")
        assert infer(server.url, "alpha", rows()).status_code == 200


def test_failed_load_keeps_the_served_version_and_says_why(tmp_path, model_a, model_b):
    """A broken file leaves the version serving what it served: the load answers 400 with the reason,
    the log and the index say it, the failure is counted, and answers stay the old model's."""
    write_version(tmp_path, "alpha", 1, model_a)
    with evserve("--model-repository", str(tmp_path), "--model-control", "explicit", admin=True) as server:
        admin = server.client(admin=True)
        x = rows()
        before = infer(server.url, "alpha", x).json()["outputs"][0]["data"]
        failures = loads_total(server.admin, "alpha", "failure")
        write_version(tmp_path, "alpha", 1, BROKEN[1])
        with pytest.raises(InferenceServerException, match="model 'alpha' version 1") as raised:
            admin.load_model("alpha")
        assert raised.value.status() == "400"
        assert server.logged(r"error .*model 'alpha' version 1: .*still serving the model loaded before")
        assert loads_total(server.admin, "alpha", "failure") == failures + 1
        [entry] = admin.get_model_repository_index()
        assert entry["state"] == "READY" and entry["reason"]
        ready = requests.get(server.url + "/v2/models/alpha/ready", timeout=10)
        assert ready.status_code == 200 and ready.json()["reason"] == entry["reason"]
        assert infer(server.url, "alpha", x).json()["outputs"][0]["data"] == before

        write_version(tmp_path, "alpha", 1, model_b)
        admin.load_model("alpha")
        after = infer(server.url, "alpha", x).json()["outputs"][0]["data"]
        assert after != before
        assert "reason" not in admin.get_model_repository_index()[0]


def test_unload_then_load(tmp_path, model_a):
    """An unloaded model answers 404 and shows UNAVAILABLE 'unloaded' in the index; loading it again
    serves it; /predict on an unloaded default model is 503."""
    write_version(tmp_path, "alpha", 1, model_a)
    with evserve("--model-repository", str(tmp_path), "--model-control", "explicit") as server:
        client = server.client()
        client.unload_model("alpha")
        assert infer(server.url, "alpha", rows()).status_code == 404
        assert requests.post(server.url + "/predict", json={"X": rows()}, timeout=10).status_code == 503
        assert client.get_model_repository_index() == [
            {"name": "alpha", "version": "1", "state": "UNAVAILABLE", "reason": "unloaded"}]
        with pytest.raises(InferenceServerException, match="not loaded"):
            client.unload_model("alpha")
        client.load_model("alpha")
        assert infer(server.url, "alpha", rows()).status_code == 200
        with pytest.raises(InferenceServerException, match="no model 'nothing'"):
            client.load_model("nothing")


def test_sighup_rescans_the_repository(tmp_path, model_a, model_b):
    """SIGHUP reads the whole repository again: a new version answers, a new model appears, a
    removed model is unloaded."""
    write_version(tmp_path, "alpha", 1, model_a)
    write_version(tmp_path, "old", 1, model_a)
    with evserve("--model-repository", str(tmp_path), "--default-model", "alpha") as server:
        x = rows()
        a = infer(server.url, "alpha", x).json()["outputs"][0]["data"]
        write_version(tmp_path, "alpha", 2, model_b)
        write_version(tmp_path, "gamma", 1, model_a)
        shutil.rmtree(tmp_path / "old")
        server.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: infer(server.url, "gamma", x).status_code == 200)
        assert wait_until(lambda: infer(server.url, "old", x).status_code == 404)
        newest = infer(server.url, "alpha", x).json()
        assert newest["model_version"] == "2" and newest["outputs"][0]["data"] != a
        assert requests.post(server.url + "/predict", json={"X": x}, timeout=10).json()["y"] == newest["outputs"][0]["data"]
        assert server.proc.poll() is None


def test_sighup_tells_systemd_reloading_then_ready(tmp_path, model_a):
    """Under systemd (NOTIFY_SOCKET), a reload is RELOADING=1 with MONOTONIC_USEC, then READY=1 once
    the models are read again, as `systemctl reload` (ExecReload= sends SIGHUP) expects."""
    write_version(tmp_path, "alpha", 1, model_a)
    # A short folder: sun_path holds 108 bytes, pytest's tmp_path can be longer.
    folder = tempfile.TemporaryDirectory(prefix="evn-")
    address = os.path.join(folder.name, "notify")
    with folder, socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(address)
        listener.settimeout(10)
        with evserve("--model-repository", str(tmp_path), env={"NOTIFY_SOCKET": address}) as server:
            assert listener.recv(4096).startswith(b"READY=1")
            before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
            server.proc.send_signal(signal.SIGHUP)
            reloading = dict(line.split("=", 1) for line in listener.recv(4096).decode().splitlines())
            assert reloading["RELOADING"] == "1"
            assert before <= int(reloading["MONOTONIC_USEC"]) <= time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
            assert listener.recv(4096).startswith(b"READY=1\nSTATUS=models reloaded")


# --- no failed request during updates -----------------------------------------------------------

RELOADS = 50
CLIENTS = 4
TIME_LIMIT = 90.0          # seconds for the whole run, whatever happens
REQUEST_LIMIT = 200_000    # requests, whatever happens


def test_reloads_under_load_fail_no_request(tmp_path, model_a, model_b):
    """50 reloads (A, B and broken files; over the API and by SIGHUP) while 4 clients send requests:
    every answer is exactly model A's or model B's, none fails, and RSS ends near its baseline."""
    write_version(tmp_path, "live", 1, model_a)
    with evserve("--model-repository", str(tmp_path), "--model-control", "explicit", admin=True) as server:
        admin = server.client(admin=True)
        x = rows(4)
        host, port = server.url.removeprefix("http://").split(":")
        infer_body = json.dumps({"inputs": [{"name": "input-0", "shape": [len(x), FEATURES], "datatype": "FP64",
                                             "data": [v for row in x for v in row]}]})
        predict_body = json.dumps({"X": x})

        def answer_now() -> list[float]:
            return infer(server.url, "live", x).json()["outputs"][0]["data"]

        expected_a = answer_now()
        write_version(tmp_path, "live", 1, model_b)
        admin.load_model("live")
        expected_b = answer_now()
        assert expected_a != expected_b
        # Warm up (both models loaded and freed once, allocator pools in use), then the baseline.
        write_version(tmp_path, "live", 1, model_a)
        admin.load_model("live")
        baseline = server.rss()

        stop = threading.Event()
        counts = {"a": 0, "b": 0}
        failures: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + TIME_LIMIT

        def client_loop(worker: int) -> None:
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            sent = 0
            while not stop.is_set() and time.monotonic() < deadline and sent < REQUEST_LIMIT // CLIENTS:
                use_v2 = (sent + worker) % 2 == 0
                try:
                    if use_v2:
                        connection.request("POST", "/v2/models/live/infer", infer_body, {"Content-Type": "application/json"})
                    else:
                        connection.request("POST", "/predict", predict_body, {"Content-Type": "application/json"})
                    response = connection.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as error:
                    with lock:
                        failures.append(f"{type(error).__name__}: {error}")
                    connection.close()
                    connection = http.client.HTTPConnection(host, int(port), timeout=10)
                    continue
                sent += 1
                if response.status != 200:
                    with lock:
                        failures.append(f"{response.status}: {body[:200]!r}")
                    continue
                document = json.loads(body)
                y = document["outputs"][0]["data"] if use_v2 else document["y"]
                with lock:
                    if y == expected_a:
                        counts["a"] += 1
                    elif y == expected_b:
                        counts["b"] += 1
                    else:
                        failures.append(f"wrong answer: {y}")
            connection.close()

        failed_loads = 0
        with ThreadPoolExecutor(CLIENTS) as pool:
            workers = [pool.submit(client_loop, i) for i in range(CLIENTS)]
            try:
                for i in range(RELOADS):
                    assert time.monotonic() < deadline, "reloads took longer than the time limit"
                    content = [model_a, model_b, BROKEN[i // 3 % len(BROKEN)]][i % 3]
                    write_version(tmp_path, "live", 1, content)
                    if i % 10 == 9:
                        # SIGHUP: asynchronous, so wait for its load to be counted.
                        total = loads_total(server.admin, "live", "success") + loads_total(server.admin, "live", "failure")
                        server.proc.send_signal(signal.SIGHUP)
                        assert wait_until(lambda: loads_total(server.admin, "live", "success")
                                          + loads_total(server.admin, "live", "failure") > total)
                        failed_loads += content not in (model_a, model_b)
                    else:
                        try:
                            admin.load_model("live")
                        except InferenceServerException:
                            failed_loads += 1
                            assert content not in (model_a, model_b)
            finally:
                stop.set()
                for worker in workers:
                    worker.result()

        assert failures == [], failures[:5]
        assert failed_loads == sum(1 for i in range(RELOADS) if i % 3 == 2)
        assert counts["a"] > 0 and counts["b"] > 0, counts
        # After the last request, only the served model remains: memory is back near the baseline
        # (one model of this size takes ~1.3 MiB once loaded, so keeping the 34 good loads alive would
        # exceed this bound by far; what remains is allocator slack).
        assert wait_until(lambda: server.rss() < baseline + 16 * 1024 * 1024, timeout=10), (baseline, server.rss())
        print(f"\n{RELOADS} reloads ({failed_loads} broken) under load: {counts['a']} answers from A, "
              f"{counts['b']} from B, 0 failed; RSS {baseline / 2**20:.1f} -> {server.rss() / 2**20:.1f} MiB")


def test_admin_listener_describes_its_own_routes(tmp_path, model_a):
    """The admin listener serves /openapi.json: a valid OpenAPI 3.1 document of exactly the routes it
    serves (repository index, load, unload, /metrics, itself), whose schemas the answers meet."""
    from jsonschema import Draft202012Validator
    from openapi_spec_validator import validate

    write_version(tmp_path, "alpha", 1, model_a)
    with evserve("--model-repository", str(tmp_path), "--model-control", "explicit", admin=True) as server:
        response = requests.get(server.admin + "/openapi.json", timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        spec = response.json()
        validate(spec)
        assert spec["info"]["title"] == "evserve admin"
        assert {(path, method) for path, methods in spec["paths"].items() for method in methods} == {
            ("/v2/repository/index", "post"), ("/v2/repository/models/{name}/load", "post"),
            ("/v2/repository/models/{name}/unload", "post"), ("/metrics", "get"), ("/openapi.json", "get")}
        # Every documented route answers on the admin port as documented.
        schemas = spec["components"]["schemas"]

        def check(body, name):  # the schema as the document names it, its $refs resolved in the document
            Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}).validate(body)

        index = requests.post(server.admin + "/v2/repository/index", timeout=10)
        assert index.status_code == 200
        check(index.json(), "V2RepositoryIndex")
        assert requests.post(server.admin + "/v2/repository/models/alpha/load", timeout=10).status_code == 200
        missing = requests.post(server.admin + "/v2/repository/models/nope/unload", timeout=10)
        assert missing.status_code == 404 and "404" in spec["paths"]["/v2/repository/models/{name}/unload"]["post"]["responses"]
        check(missing.json(), "V2Error")
        assert requests.get(server.admin + "/metrics", timeout=10).status_code == 200
        # The public port's document keeps to the public routes.
        public = requests.get(server.url + "/openapi.json", timeout=10).json()["paths"]
        assert not {"/metrics", "/v2/repository/index"} & set(public)
        assert "/v2/models/{name}/infer" in public
