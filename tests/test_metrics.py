"""GET /metrics: Prometheus text that prometheus_client's own parser reads, and whose numbers move
by exactly what the test sent between two scrapes.

Expected values come from the test's own requests (counted before and after) and, for the
process_* metrics, from Linux's /proc files for the server's pid and the test's own clock.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from evserve_server import evserve_binary, running_evserve

FAMILIES = {
    "evserve_http_requests": "counter",
    "evserve_http_request_duration_seconds": "histogram",
    "evserve_inference_duration_seconds": "histogram",
    "evserve_predicted_rows": "counter",
    "evserve_open_connections": "gauge",
    "evserve_requests_in_flight": "gauge",
    "evserve_model_info": "gauge",
    "process_resident_memory_bytes": "gauge",
    "process_cpu_seconds": "counter",
    "process_open_fds": "gauge",
    "process_start_time_seconds": "gauge",
}


class Scrape:
    """One parsed /metrics answer: families by name, and sample values by (name, labels)."""

    def __init__(self, text: str):
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.values = {(s.name, frozenset(s.labels.items())): s.value
                       for f in self.families.values() for s in f.samples}

    def get(self, name: str, **labels) -> float:
        return self.values.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def server():
    started = time.time()
    with running_evserve() as (url, proc):
        yield url, proc, started, time.time()


def scrape(url: str) -> Scrape:
    response = requests.get(url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return Scrape(response.text)


def n_features(url: str) -> int:
    spec = requests.get(url + "/openapi.json", timeout=10).json()
    return spec["components"]["schemas"]["Observation"]["properties"]["X"]["items"]["maxItems"]


def test_every_family_is_exported_with_its_type(server):
    """All evserve and process families are present, with the Prometheus type each should have."""
    url, _, _, _ = server
    families = scrape(url).families
    for name, kind in FAMILIES.items():
        assert name in families, f"missing {name}"
        assert families[name].type == kind, f"{name} is {families[name].type}"


def test_counts_move_by_what_was_sent(server):
    """Between two scrapes, request, latency, inference and row counts rise by exactly our requests."""
    url, _, _, _ = server
    n = n_features(url)
    before = scrape(url)
    with requests.Session() as session:
        for rows in (1, 2, 3, 4, 5):
            assert session.post(url + "/predict", json={"X": [[0.5] * n] * rows}, timeout=10).status_code == 200
        for body in ({"X": []}, {"X": [[1.0] * (n + 1)]}, {"nope": 1}):
            assert session.post(url + "/predict", json=body, timeout=10).status_code == 422
        for _ in range(2):
            assert session.get(url + "/healthz", timeout=10).status_code == 200
        assert session.get(url + "/no/such/route", timeout=10).status_code == 404
    after = scrape(url)

    def delta(name, **labels):
        return after.get(name, **labels) - before.get(name, **labels)

    assert delta("evserve_http_requests_total", route="/predict", method="POST", status="200") == 5
    assert delta("evserve_http_requests_total", route="/predict", method="POST", status="422") == 3
    assert delta("evserve_http_requests_total", route="/healthz", method="GET", status="200") == 2
    assert delta("evserve_http_requests_total", route="unmatched", method="GET", status="404") == 1
    # The first scrape was answered (and so counted) before the second one was rendered.
    assert delta("evserve_http_requests_total", route="/metrics", method="GET", status="200") >= 1
    assert delta("evserve_http_request_duration_seconds_count", route="/predict") == 8
    assert delta("evserve_http_request_duration_seconds_bucket", route="/predict", le="+Inf") == 8
    assert delta("evserve_http_request_duration_seconds_sum", route="/predict") > 0
    # Only the accepted bodies reach the model: 5 batches, 1+2+3+4+5 rows.
    assert delta("evserve_inference_duration_seconds_count") == 5
    assert delta("evserve_predicted_rows_total") == 15
    # Nothing is left in flight but the scrape being answered, which is counted before it is formatted.
    assert after.get("evserve_requests_in_flight") == 1


def test_a_scrape_always_counts_itself_in_flight():
    """The scrape asking is in the in-flight gauge every time: the loop reports a request before its job
    can run. On one core the woken job thread used to format the answer before the loop had reported
    the request, so an idle server's gauge read 0 or 1 by turns."""
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})  # evserve inherits the one core
    try:
        with running_evserve() as (url, _):
            gauges = [scrape(url).get("evserve_requests_in_flight") for _ in range(30)]
    finally:
        os.sched_setaffinity(0, saved)
    assert gauges == [1] * 30


def test_histograms_are_cumulative(server):
    """Every histogram's buckets never decrease with `le`, and `+Inf` equals `_count`."""
    url, _, _, _ = server
    requests.post(url + "/predict", json={"X": [[1.0] * n_features(url)]}, timeout=10)
    metrics = scrape(url)
    for name in ("evserve_http_request_duration_seconds", "evserve_inference_duration_seconds"):
        series: dict = {}
        for sample in metrics.families[name].samples:
            if sample.name.endswith("_bucket"):
                key = frozenset((k, v) for k, v in sample.labels.items() if k != "le")
                series.setdefault(key, []).append((float(sample.labels["le"]), sample.value))
        assert series, name
        for key, buckets in series.items():
            counts = [count for _, count in sorted(buckets)]
            assert counts == sorted(counts), (name, key)
            assert counts[-1] == metrics.get(name + "_count", **dict(key)), (name, key)
        assert metrics.get(name + "_count", **({"route": "/predict"} if "http" in name else {})) >= 1


def test_open_connections_follow_clients(server):
    """Idle keep-alive clients show up as open connections and leave when they close."""
    url, _, _, _ = server
    host, port = url.removeprefix("http://").split(":")
    baseline = scrape(url).get("evserve_open_connections")
    clients = [socket.create_connection((host, int(port)), timeout=5) for _ in range(4)]
    try:
        assert wait_until(lambda: scrape(url).get("evserve_open_connections") >= baseline + 4)
    finally:
        for client in clients:
            client.close()
    assert wait_until(lambda: scrape(url).get("evserve_open_connections") <= baseline)


def wait_until(condition, timeout: float = 5.0) -> bool:
    """Polls `condition` (bounded in time): the server notices opens and closes asynchronously."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_model_info_names_the_served_model(server):
    """evserve_model_info is 1, labelled with the estimator GET / names and the feature count it checks."""
    url, _, _, _ = server
    family = scrape(url).families["evserve_model_info"]
    assert len(family.samples) == 1
    sample = family.samples[0]
    assert sample.value == 1
    assert sample.labels["estimator"] in requests.get(url + "/", timeout=10).json()
    assert int(sample.labels["features"]) == n_features(url)
    assert int(sample.labels["trees"]) > 0


def test_process_metrics_match_proc(server):
    """process_* values agree with /proc/<pid> as read by the test, and with the test's clock."""
    url, proc, started, listening = server
    metrics = scrape(url)
    with open(f"/proc/{proc.pid}/status") as status:
        rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    rss = metrics.get("process_resident_memory_bytes")
    assert 0.5 * rss_kib * 1024 <= rss <= 2 * rss_kib * 1024
    # The scrape's own connection and the listener come and go around our read: allow a few.
    assert abs(metrics.get("process_open_fds") - len(os.listdir(f"/proc/{proc.pid}/fd"))) <= 4
    assert started - 1 <= metrics.get("process_start_time_seconds") <= listening + 1
    cpu = metrics.get("process_cpu_seconds_total")
    assert 0 <= cpu <= (time.time() - started) * os.cpu_count() + 0.1
    assert scrape(url).get("process_cpu_seconds_total") >= cpu


# --- per model version: a repository of several models ------------------------------------------

@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """alpha (versions 1 and 2) and beta (version 1), each the reference model as evserve saves it."""
    root = tmp_path_factory.mktemp("repository")
    saved = root / "reference.json"
    subprocess.run([evserve_binary(), "--save-model", str(saved)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for model, version in (("alpha", 1), ("alpha", 2), ("beta", 1)):
        (root / "models" / model / str(version)).mkdir(parents=True)
        shutil.copy(saved, root / "models" / model / str(version) / "model.json")
    return root / "models"


def v2_infer(url: str, path: str, rows: int) -> int:
    body = {"inputs": [{"name": "input-0", "shape": [rows, 13], "datatype": "FP32", "data": [0.5] * (13 * rows)}]}
    return requests.post(url + path, json=body, timeout=10).status_code


def test_request_duration_histogram_per_model_and_version(repository):
    """Each model version has its own request-duration histogram: v2 inferences and /predict count
    under the version that answered them, a rejected body under none, and buckets are cumulative."""
    with running_evserve("--model-repository", str(repository), "--default-model", "beta") as (url, _):
        before = scrape(url)
        assert before.families["evserve_model_request_duration_seconds"].type == "histogram"
        for _ in range(3):
            assert v2_infer(url, "/v2/models/alpha/infer", 2) == 200  # the highest version: 2
        for _ in range(2):
            assert v2_infer(url, "/v2/models/alpha/versions/1/infer", 1) == 200
        assert requests.post(url + "/predict", json={"X": [[0.5] * 13]}, timeout=10).status_code == 200
        mismatched = {"inputs": [{"name": "input-0", "shape": [2, 13], "datatype": "FP32", "data": [0.5] * 13}]}
        assert requests.post(url + "/v2/models/beta/infer", json=mismatched, timeout=10).status_code == 400
        after = scrape(url)

    def delta(name, **labels):
        return after.get(name, **labels) - before.get(name, **labels)

    name = "evserve_model_request_duration_seconds"
    assert delta(name + "_count", model="alpha", version="2") == 3
    assert delta(name + "_count", model="alpha", version="1") == 2
    assert delta(name + "_count", model="beta", version="1") == 1
    assert delta(name + "_sum", model="alpha", version="2") > 0
    for model, version, count in (("alpha", "2", 3), ("alpha", "1", 2), ("beta", "1", 1)):
        buckets = sorted((float(s.labels["le"]), s.value) for s in after.families[name].samples
                         if s.name == name + "_bucket" and s.labels["model"] == model and s.labels["version"] == version)
        assert len(buckets) == 17  # 16 bounds from 100 µs to 10 s, and +Inf
        assert buckets[0][0] == 0.0001 and buckets[-1][0] == float("inf")
        counts = [value for _, value in buckets]
        assert counts == sorted(counts) and counts[-1] == count
