"""Load test for the /predict route, as in the seed, for locust 2.x.

Each simulated user posts `{"X": <2x13 standard-normal floats>}` and waits 50-200 ms between requests
(the seed's settings). Capacity runs drop the wait: select them with `--tags capacity`.

    locust -f load_testing/locustfile.py --host=http://127.0.0.1:8000
    locust -f load_testing/locustfile.py --host=http://127.0.0.1:8000 --headless -u 200 -r 100 -t 30s
    locust -f load_testing/locustfile.py --host=http://127.0.0.1:8000 --headless -u 200 -r 100 -t 30s \
        --tags capacity

An answer counts as a failure unless it is 200 with one number in "y" per row posted.
"""
from __future__ import annotations

import random

import numpy
from locust import FastHttpUser, tag, task

ROWS = 2
FEATURES = 13
THINK_TIME = (0.05, 0.2)  # seconds, the seed's wait between requests


class PredictUser(FastHttpUser):
    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.capacity_run = "capacity" in (getattr(options, "tags", None) or [])

    def wait_time(self) -> float:
        # Capacity runs measure the server, not the users: no think time.
        return 0.0 if self.capacity_run else random.uniform(*THINK_TIME)

    def post_predict(self) -> None:
        payload = {"X": numpy.random.randn(ROWS, FEATURES).tolist()}
        with self.client.post("/predict", json=payload, name="/predict", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            y = response.json().get("y")
            if not isinstance(y, list) or len(y) != ROWS:
                response.failure(f"bad answer: {response.text[:80]}")

    @tag("seed")
    @task
    def predict(self) -> None:
        self.post_predict()

    @tag("capacity")
    @task
    def predict_without_wait(self) -> None:
        self.post_predict()
