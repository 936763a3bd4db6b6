#!/usr/bin/env python3
"""Times scikit-learn beside evserve's InferenceBench, same run: the reference model, then every model kind.

The reference model is GradientBoostingRegressor(n_estimators=500, max_depth=4, learning_rate=0.01,
squared error) on the shuffled Boston rows (X as float32), as Sources/Inference trains it. Prediction
rows are the training rows in training order, repeated to 4096, for both sides.

Then each kind of bench/inference_kinds.py is fitted, exported with tools/export_sklearn.py, and
timed on the same 4096 rows by scikit-learn (`predict`, and `predict_proba` for classifiers) and by
InferenceBench --model (what the server calls: labels, probabilities or values, arrays in and out),
each call of 1, 2 or 4096 rows on both sides predicting the next rows of the 4096, as a server's
requests bring different rows (until stop 33 every call predicted the first rows).
Each figure is the best round of repeated calls over the budget, single thread (OMP_NUM_THREADS=1;
scikit-learn's forests predict with n_jobs=None, one thread).

Usage: python3 bench/inference_sklearn.py --swift .build/release/InferenceBench [--only WORD] [--budget S]
       [--reference-only] [--keep]
`make bench` runs the reference model's part alone (`--reference-only`) and keeps its figures (`--keep`)
as bench/results/<date>-inference.json for bench/targets.py (under results/quick.tmp/ with BENCH_QUICK=1,
as the other scripts).
"""
import argparse
import datetime
import itertools
import json
import os
import pathlib
import subprocess
import sys
import tempfile
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
from export_sklearn import export_model  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from inference_kinds import KINDS, fitted  # noqa: E402
from harness.environment import evserve_commit, machine  # noqa: E402
from harness.paths import QUICK_FROM_ENVIRONMENT, results_folder  # noqa: E402

BATCHES = (1, 2, 64, 4096)
KIND_BATCHES = (1, 2, 4096)
# The targets: evserve at least this many times faster than scikit-learn.
TARGET_FEW_ROWS = 100
TARGET_4096_ROWS = 8


def best_time_per_call(call, budget=0.4):
    """The best round's seconds per call: rounds of `iterations` calls (at least 10 ms each) for `budget` s."""
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
                                          learning_rate=0.01, loss="squared_error")
        start = time.perf_counter()
        model.fit(X32, y)
        best_fit = min(best_fit, time.perf_counter() - start)
    results["train_seconds"] = best_fit
    rows = np.resize(X, (4096, X.shape[1]))  # float64, as a JSON request body arrives
    for batch in BATCHES:
        part = np.ascontiguousarray(rows[:batch])
        results[f"predict_ns_per_row_{batch}"] = best_time_per_call(lambda: model.predict(part)) * 1e9 / batch
    return results


def measure_swift(binary, *arguments):
    output = subprocess.run([binary, *arguments], check=True, capture_output=True, text=True).stdout
    return {key: float(value) for key, value in
            (line.split() for line in output.splitlines()) if key.startswith(("train", "predict", "proba"))}


def measure_kind(binary, label, make, source, nan_share, budget, scratch):
    """One kind's ns per row, scikit-learn's and evserve's, per method and batch size."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator, rows = fitted(make, source, nan_share)
    model_file, rows_file = scratch / "model.json", scratch / "rows.f64"
    export_model(estimator, model_file)
    rows.astype("<f8").tofile(rows_file)
    ours = measure_swift(binary, "--model", str(model_file), "--rows", str(rows_file), "--budget", str(budget))
    theirs = {}
    methods = [("predict", estimator.predict)]
    if hasattr(estimator, "predict_proba"):
        methods.append(("proba", estimator.predict_proba))
    for name, method in methods:
        for batch in KIND_BATCHES:
            # Each call the next rows, as InferenceBench's calls (and a server's requests) take them.
            parts = itertools.cycle([np.ascontiguousarray(rows[start:start + batch])
                                     for start in range(0, len(rows) - batch + 1, batch)])
            theirs[f"{name}_ns_per_row_{batch}"] = best_time_per_call(lambda: method(next(parts)), budget) * 1e9 / batch
    return ours, theirs, [name for name, _ in methods], deepest_tree(estimator)


def deepest_tree(estimator):
    if hasattr(estimator, "_predictors"):
        return int(max(p.nodes["depth"].max() for iteration in estimator._predictors for p in iteration))
    members = np.asarray(getattr(estimator, "estimators_", [estimator]), dtype=object).ravel()
    return int(max(member.tree_.max_depth for member in members))


def kinds_table(binary, only, budget):
    print()
    print(f"every kind, ns per row, one thread; x = scikit-learn / evserve "
          f"(targets: >= {TARGET_FEW_ROWS}x at 1-2 rows, >= {TARGET_4096_ROWS}x at 4096)")
    header = f"{'kind':50}{'method':>8}{'depth':>6}" + "".join(
        f"{f'{b} row' + ('s' if b > 1 else ''):>26}" for b in KIND_BATCHES)
    print(header)
    print(f"{'':64}" + "".join(f"{'evserve':>9}{'sklearn':>10}{'x':>7}" for _ in KIND_BATCHES))
    misses = []
    with tempfile.TemporaryDirectory() as directory:
        for label, make, source, nan_share in KINDS:
            if only and only.lower() not in label.lower():
                continue
            ours, theirs, methods, depth = measure_kind(binary, label, make, source, nan_share, budget, pathlib.Path(directory))
            for method in methods:
                cells = ""
                for batch in KIND_BATCHES:
                    key = f"{method}_ns_per_row_{batch}"
                    ratio = theirs[key] / ours[key]
                    target = TARGET_FEW_ROWS if batch <= 2 else TARGET_4096_ROWS
                    mark = "" if ratio >= target else "!"
                    if mark:
                        misses.append(f"{label} {method} at {batch}: {ratio:.1f}x")
                    cells += f"{ours[key]:>9.0f}{theirs[key]:>10.0f}{ratio:>6.0f}{mark or ' '}"
                print(f"{label:50}{method:>8}{depth:>6}{cells}", flush=True)
    print("(! = below the target)" if misses else "(every figure meets the target)")
    for miss in misses:
        print("  below target:", miss)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swift", required=True, help="path to the release InferenceBench binary")
    parser.add_argument("--only", help="time only the kinds whose label contains this text (skips the reference model)")
    parser.add_argument("--budget", type=float, default=0.25, help="seconds per figure for the kinds (default 0.25)")
    parser.add_argument("--reference-only", action="store_true", help="time the reference model only, not every kind")
    parser.add_argument("--keep", action="store_true",
                        help="also write the reference model's figures to bench/results/<date>-inference.json")
    args = parser.parse_args()
    started_at = datetime.datetime.now(datetime.timezone.utc)
    print(f"CPU: {machine()}")
    if args.only:
        kinds_table(args.swift, args.only, args.budget)
        return
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
    if args.keep:
        out_dir = results_folder(QUICK_FROM_ENVIRONMENT)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{started_at:%Y-%m-%d}-inference.json").write_text(json.dumps({
            "started_at": started_at.isoformat(),
            "environment": {"cpu": machine(), "evserve commit": evserve_commit()},
            "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
            "evserve": swift, "scikit-learn": python}, indent=1) + "\n")
    if not args.reference_only:
        kinds_table(args.swift, None, args.budget)


if __name__ == "__main__":
    main()
