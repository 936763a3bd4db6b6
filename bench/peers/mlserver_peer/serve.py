"""Start MLServer serving the seed's model as `reference` over the Open Inference Protocol (v2).

Runs in MLServer's own venv (bench/.venv-mlserver): trains the seed's GradientBoostingRegressor with
bench/peers/model.py (the same code and the same scikit-learn as the other peers and the oracle),
saves it with joblib as MLServer's scikit-learn runtime loads it, writes MLServer's settings into
the scratch folder, and becomes `mlserver start` (exec, so the bench's pid, pinning and stop signal
are MLServer's own).

    serve.py SCRATCH HTTP_PORT [--batching] [--model NAME=PICKLE]

One HTTP server process and one inference worker (`parallel_workers`, MLServer's default); gRPC on
another free loopback port (it cannot be turned off) and no metrics server. `--batching` turns on
MLServer's adaptive batching for the model (`max_batch_size`, `max_batch_time` below). `--model` serves a
pickled estimator (the heavy row's, pickled by the peers' venv with the same scikit-learn) as NAME instead.
"""
from __future__ import annotations

import json
import os
import pickle
import socket
import sys
from pathlib import Path

import joblib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/peers, for model.py
import model  # noqa: E402

MODEL_NAME = "reference"
PARALLEL_WORKERS = 1
# Adaptive batching: a batch closes at this many requests or after this long, whichever comes first.
MAX_BATCH_SIZE = 64
MAX_BATCH_TIME = 0.005


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_repository(root: Path, http_port: int, batching: bool, name: str, estimator) -> None:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(estimator, folder / "model.joblib")
    (folder / "model-settings.json").write_text(json.dumps({
        "name": name,
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "1"},
        "max_batch_size": MAX_BATCH_SIZE if batching else 0,
        "max_batch_time": MAX_BATCH_TIME if batching else 0,
    }))
    (root / "settings.json").write_text(json.dumps({
        "debug": False,  # MLServer's default (True) logs every request
        "host": "127.0.0.1",
        "http_port": http_port,
        "grpc_port": free_port(),
        "metrics_endpoint": None,
        "metrics_dir": str(root / ".metrics"),  # else MLServer makes .metrics/ in the current folder
        "parallel_workers": PARALLEL_WORKERS,
        "load_models_at_startup": True,
    }))


def main() -> None:
    scratch, port = Path(sys.argv[1]), int(sys.argv[2])
    options = sys.argv[3:]
    batching = "--batching" in options
    named = [o.split("=", 1) for o in options[options.index("--model") + 1:][:1]] if "--model" in options else []
    if named:
        name, estimator = named[0][0], pickle.loads(Path(named[0][1]).read_bytes())
    else:
        name, estimator = MODEL_NAME, model.train()
    root = scratch / "mlserver"
    write_repository(root, port, batching, name, estimator)
    mlserver = Path(sys.executable).with_name("mlserver")
    os.execv(mlserver, [str(mlserver), "start", str(root)])


if __name__ == "__main__":
    main()
