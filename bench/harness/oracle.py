"""Is a server's /predict answer right? Compare its y with scikit-learn's predictions for the same rows.

The oracle is the peers' own model module (bench/peers/model.py), trained here once. Two bodies are
checked: the two rows wrk posts, and all 506 rows of the data set.

Only rows of the data set are compared. Off the data (locust's standard-normal rows, say) the answer
depends on how training broke ties between features that split the training rows identically; that
is random (random_state) in scikit-learn and differs between its versions, so two faithful fits of
this model disagree there (by ~0.5 on such rows), while on the data they agree to ~1e-14.
"""
from __future__ import annotations

import json
import urllib.request
from functools import cache

import numpy as np

from . import paths  # noqa: F401  (puts bench/peers on sys.path)
import model  # bench/peers/model.py

TOLERANCE = 1e-9


@cache
def trained():
    return model.train()


def wrk_rows() -> np.ndarray:
    """Rows 1 and 2 of the CSV, the body of bench/wrk/predict.lua."""
    X, _ = model.load_boston()
    return X[:2]


def bodies() -> list[np.ndarray]:
    X, _ = model.load_boston()
    return [wrk_rows(), X]


def post_predict(url: str, rows: np.ndarray) -> list[float]:
    body = json.dumps({"X": rows.tolist()}).encode()
    req = urllib.request.Request(url + "/predict", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["y"]


def check_predictions(url: str) -> float:
    """Largest |y_server - y_sklearn| over the checked rows; raises when it exceeds TOLERANCE."""
    worst = 0.0
    for rows in bodies():
        got = np.asarray(post_predict(url, rows), dtype=np.float64)
        want = trained().predict(rows)
        if got.shape != want.shape:
            raise AssertionError(f"{url}: {got.shape[0]} predictions for {want.shape[0]} rows")
        worst = max(worst, float(np.max(np.abs(got - want))))
    if worst > TOLERANCE:
        raise AssertionError(f"{url}: predictions differ from scikit-learn's by up to {worst:.3g}")
    return worst
