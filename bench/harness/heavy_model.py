"""The heavy model of the loop-freedom row: 2000 trees of depth 8, and the 1000-row body posted to it.

Trained at bench time (scikit-learn's GradientBoostingRegressor on a synthetic regression of 13
standard-normal features, so the trees grow to full depth), exported with tools/export_sklearn.py for
evserve and pickled for the Python peer, both into bench/.build-models/ (ignored by git; the JSON
file is tens of MB). A folder per shape, so a second run reuses the first's files.
"""
from __future__ import annotations

import json
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .paths import BENCH, REPO

MODELS = BENCH / ".build-models"
FEATURES = 13
TRAINING_ROWS = 2000
SEED = 0


@dataclass(frozen=True)
class HeavyModel:
    trees: int
    depth: int
    model_file: Path  # evserve.trees JSON
    pickle_file: Path  # the fitted estimator, for the Python peer
    body_file: Path  # {"X": rows} as Python's json.dumps writes it
    rows: int


def body_json(rows: np.ndarray) -> str:
    return json.dumps({"X": rows.tolist()})


def body_rows(count: int) -> np.ndarray:
    return np.random.default_rng(SEED + 1).standard_normal((count, FEATURES))


def body_file(count: int) -> Path:
    """A {"X": ...} body of `count` standard-normal rows (about 270 bytes a row), written once."""
    path = MODELS / f"body-{count}x{FEATURES}.json"
    if not path.exists():
        MODELS.mkdir(parents=True, exist_ok=True)
        path.write_text(body_json(body_rows(count)))
    return path


def v2_body_file(count: int) -> Path:
    """The same rows as body_file(count), as one Open Inference Protocol FP64 tensor (for MLServer)."""
    path = MODELS / f"v2-body-{count}x{FEATURES}.json"
    if not path.exists():
        MODELS.mkdir(parents=True, exist_ok=True)
        rows = body_rows(count)
        path.write_text(json.dumps({"inputs": [{"name": "input-0", "shape": list(rows.shape), "datatype": "FP64",
                                                "data": rows.reshape(-1).tolist()}]}))
    return path


def heavy_model(trees: int = 2000, depth: int = 8, rows: int = 1000) -> HeavyModel:
    folder = MODELS / f"gbr-{trees}x{depth}"
    model_file, pickle_file = folder / f"heavy{trees}x{depth}.json", folder / "model.pkl"
    if not model_file.exists() or not pickle_file.exists():
        from sklearn.datasets import make_regression
        from sklearn.ensemble import GradientBoostingRegressor

        sys.path.insert(0, str(REPO / "tools"))
        from export_sklearn import export_model

        print(f"   training the heavy model ({trees} trees of depth {depth}, once; cached in {folder})", flush=True)
        X, y = make_regression(n_samples=TRAINING_ROWS, n_features=FEATURES, noise=10.0, random_state=SEED)
        estimator = GradientBoostingRegressor(n_estimators=trees, max_depth=depth, learning_rate=0.05,
                                              random_state=SEED).fit(X, y)
        folder.mkdir(parents=True, exist_ok=True)
        export_model(estimator, model_file.with_suffix(".tmp"))
        model_file.with_suffix(".tmp").rename(model_file)
        pickle_file.write_bytes(pickle.dumps(estimator))
    return HeavyModel(trees, depth, model_file, pickle_file, body_file(rows), rows)
