#!/usr/bin/env python3
"""Times scikit-learn on the reference model and prints it beside evserve's InferenceBench, same run.

The reference model is GradientBoostingRegressor(n_estimators=500, max_depth=4, learning_rate=0.01,
loss="ls") on the shuffled Boston rows (X as float32), as Sources/Inference trains it. Prediction rows are
the training rows in training order, repeated to 4096, for both sides. Each figure is the best round
of repeated calls over ~0.4 s, single thread (scikit-learn's tree prediction does not use threads).

Usage: python3 bench/inference_sklearn.py --swift .build/release/InferenceBench
"""
import argparse
import os
import pathlib
import subprocess
import sys
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.ensemble import GradientBoostingRegressor  # noqa: E402
from sklearn.utils import shuffle  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from generate_dataset_swift import read_csv  # noqa: E402

warnings.filterwarnings("ignore", category=FutureWarning, message="The loss 'ls' was deprecated")
BATCHES = (1, 2, 64, 4096)


def best_time_per_call(call, budget=0.4):
    iterations = 1
    while True:
        start = time.perf_counter()
        for _ in range(iterations):
            call()
        if time.perf_counter() - start >= 0.01:
            break
        iterations *= 2
    best = float("inf")
    end = time.perf_counter() + budget
    while time.perf_counter() < end:
        start = time.perf_counter()
        for _ in range(iterations):
            call()
        best = min(best, (time.perf_counter() - start) / iterations)
    return best


def measure_sklearn():
    _, _, X, y = read_csv()
    X, y = shuffle(X, y, random_state=13)
    X32 = X.astype(np.float32)
    results = {}
    best_fit = float("inf")
    for _ in range(3):
        model = GradientBoostingRegressor(n_estimators=500, max_depth=4, min_samples_split=2,
                                          learning_rate=0.01, loss="ls")
        start = time.perf_counter()
        model.fit(X32, y)
        best_fit = min(best_fit, time.perf_counter() - start)
    results["train_seconds"] = best_fit
    rows = np.resize(X, (4096, X.shape[1]))  # float64, as a JSON request body arrives
    for batch in BATCHES:
        part = np.ascontiguousarray(rows[:batch])
        results[f"predict_ns_per_row_{batch}"] = best_time_per_call(lambda: model.predict(part)) * 1e9 / batch
    return results


def measure_swift(binary):
    output = subprocess.run([binary], check=True, capture_output=True, text=True).stdout
    return {key: float(value) for key, value in
            (line.split() for line in output.splitlines()) if key.startswith(("train", "predict"))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swift", required=True, help="path to the release InferenceBench binary")
    args = parser.parse_args()
    swift = measure_swift(args.swift)
    python = measure_sklearn()
    print(f"reference GBR (500 trees, depth 4), one thread; scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    print(f"{'':26}{'evserve':>14}{'scikit-learn':>16}{'sklearn/evserve':>18}")
    rows = [("train (s)", "train_seconds", "{:.4f}")]
    rows += [(f"predict {b} row{'s' if b > 1 else ''} (ns/row)", f"predict_ns_per_row_{b}", "{:.0f}") for b in BATCHES]
    for label, key, fmt in rows:
        ours, theirs = swift[key], python[key]
        print(f"{label:26}{fmt.format(ours):>14}{fmt.format(theirs):>16}{theirs / ours:>17.1f}x")
    print(f"(scikit-learn per call at 2 rows: {python['predict_ns_per_row_2'] * 2 / 1000:.1f} us; "
          f"evserve: {swift['predict_ns_per_row_2'] * 2 / 1000:.2f} us)")


if __name__ == "__main__":
    main()
