#!/usr/bin/env python3
"""Times XGBoost and LightGBM model files: evserve beside the libraries and the compiled predictors, same run.

Four models, each fitted here (deterministic: one thread, fixed seeds) and saved as the library saves
it: a shallow one (500 trees of depth 4 on the Boston rows) and a deep one (200 trees, depth 8 for
XGBoost, depth 10 with up to 127 leaves for LightGBM, on 5,000 generated rows), for each library. On
the same file and the same 4096 float64 rows, at 1, 2, 100 and 4096 rows a call, one thread each:

- evserve: InferenceBench --gbm evserve, the server's predictor (TreeModel.predict) called in process;
- the library's own predict: xgboost Booster.predict(DMatrix) (nthread=1; building the DMatrix is part of
  it) and Booster.inplace_predict (what XGBRegressor.predict calls); lightgbm Booster.predict(num_threads=1);
- Treelite + TL2cgen: the file compiled to C (quantize=1) and a shared library, its `predict` called a row
  at a time from InferenceBench (--gbm tl2cgen), and through tl2cgen.Predictor(nthread=1) from Python;
- lleaves (LightGBM only): the file compiled by LLVM, `forest_root` called from InferenceBench
  (--gbm lleaves, the object file linked into a shared library), and Model.predict(n_jobs=1) from Python.

Each figure is the best round of repeated calls over the budget, each call predicting the next rows of the
4096 (1, 2 or 100 of them), as a server's requests bring different rows: one row predicted again and again
lets a branchy predictor (TL2cgen's and lleaves' compiled trees) learn its every branch, which no stream
of requests does (until stop 32 every call predicted the first rows). Each compile runs in a child process, bounded in time. The last column is the largest
|prediction − the library's| over the 4096 rows (XGBoost's predictions are float32). A predictor that
cannot be installed, load the file or compile says so in its row, with the reason. Compiled libraries
are kept in the venv (keyed by the model file's hash), so a second run does not compile again.

Usage: python3 bench/inference_gbm.py --swift .build/release/InferenceBench [--only WORD] [--budget S]
"""
import argparse
import hashlib
import itertools
from importlib import metadata
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import xgboost as xgb  # noqa: E402
import lightgbm as lgb  # noqa: E402
from sklearn import datasets  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))
from generate_dataset_swift import read_csv  # noqa: E402
from inference_sklearn import best_time_per_call  # noqa: E402
from harness.environment import machine  # noqa: E402

ROWS = 4096
BATCHES = (1, 2, 100, 4096)
# Compiled TL2cgen and lleaves libraries, by model file hash; inside the venv, so tied to its pinned versions.
CACHE = pathlib.Path(sys.prefix) / "compiled-models"
# Each compile runs in a child process given this long (lleaves' LLVM takes minutes on the deep model).
COMPILE_SECONDS = 600


def boston():
    _, _, X, y = read_csv()
    order = np.random.default_rng(13).permutation(len(y))
    return X[order], y[order]


def generated():
    return datasets.make_regression(n_samples=5000, n_features=20, n_informative=12, noise=5.0, random_state=0)


# (label, library, data, training parameters, rounds)
MODELS = [
    ("XGBoost shallow: 500 trees, depth 4, Boston", "xgboost", boston,
     {"max_depth": 4, "eta": 0.05, "tree_method": "hist", "nthread": 1, "seed": 0}, 500),
    ("XGBoost deep: 200 trees, depth 8, 5000 generated rows", "xgboost", generated,
     {"max_depth": 8, "eta": 0.1, "tree_method": "hist", "nthread": 1, "seed": 0}, 200),
    ("LightGBM shallow: 500 trees, depth 4, Boston", "lightgbm", boston,
     {"objective": "regression", "max_depth": 4, "num_leaves": 16, "min_data_in_leaf": 5, "learning_rate": 0.05,
      "num_threads": 1, "deterministic": True, "seed": 0, "verbose": -1}, 500),
    ("LightGBM deep: 200 trees, depth 10, 127 leaves, 5000 generated rows", "lightgbm", generated,
     {"objective": "regression", "max_depth": 10, "num_leaves": 127, "min_data_in_leaf": 5, "learning_rate": 0.1,
      "num_threads": 1, "deterministic": True, "seed": 0, "verbose": -1}, 200),
]


def fit(library, data, params, rounds, directory):
    """The saved model file, its booster, the 4096 prediction rows (the data's rows repeated) and its deepest tree."""
    X, y = data()
    rows = np.ascontiguousarray(np.resize(X, (ROWS, X.shape[1])), dtype=np.float64)
    if library == "xgboost":
        booster = xgb.train(params, xgb.DMatrix(X, y), rounds)
        path = directory / "model.json"
        booster.save_model(str(path))
        trees = json.loads(path.read_text())["learner"]["gradient_booster"]["model"]["trees"]
        depth = max(xgboost_depth(tree) for tree in trees)
    else:
        booster = lgb.train(params, lgb.Dataset(X, y), rounds)
        path = directory / "model.txt"
        booster.save_model(str(path))
        depth = max(lightgbm_depth(tree["tree_structure"]) for tree in booster.dump_model()["tree_info"])
    return path, booster, rows, depth


def xgboost_depth(tree):
    depth, frontier = 0, [(0, 0)]
    while frontier:
        node, level = frontier.pop()
        depth = max(depth, level)
        if tree["left_children"][node] != -1:
            frontier += [(tree["left_children"][node], level + 1), (tree["right_children"][node], level + 1)]
    return depth


def lightgbm_depth(node):
    if "leaf_value" in node:
        return 0
    return 1 + max(lightgbm_depth(node["left_child"]), lightgbm_depth(node["right_child"]))


def cached(path, suffix):
    CACHE.mkdir(exist_ok=True)
    return CACHE / (hashlib.sha256(path.read_bytes()).hexdigest()[:20] + suffix)


def compile_in_child(program, *arguments):
    """Runs a compile in a child Python, bounded by COMPILE_SECONDS; its last error line if it fails."""
    try:
        result = subprocess.run([sys.executable, "-c", program, *map(str, arguments)], capture_output=True,
                                text=True, timeout=COMPILE_SECONDS)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"compiling took over {COMPILE_SECONDS} s") from None
    if result.returncode != 0:
        raise RuntimeError((result.stderr.strip().splitlines() or ["compile failed"])[-1])


TL2CGEN_COMPILE = """
import os, sys, treelite, tl2cgen
path, library, out = sys.argv[1:]
load = treelite.frontend.load_xgboost_model if library == "xgboost" else treelite.frontend.load_lightgbm_model
jobs = os.cpu_count() or 1
tl2cgen.export_lib(load(path), toolchain="gcc", libpath=out, params={"quantize": 1, "parallel_comp": jobs}, nthread=jobs)
"""

LLEAVES_COMPILE = """
import sys, lleaves
lleaves.Model(model_file=sys.argv[1]).compile(cache=sys.argv[2])
"""


def tl2cgen_library(path, library):
    compiled = cached(path, ".tl2cgen.so")
    if not compiled.exists():
        compile_in_child(TL2CGEN_COMPILE, path, library, compiled)
    return compiled


def lleaves_library(path):
    """lleaves' object file (its own cache format) and that file linked into a shared library for the C call."""
    objects, shared = cached(path, ".lleaves.o"), cached(path, ".lleaves.so")
    if not objects.exists():
        compile_in_child(LLEAVES_COMPILE, path, objects)
    if not shared.exists():
        subprocess.run(["gcc", "-shared", "-o", str(shared), str(objects)], check=True, timeout=COMPILE_SECONDS)
    return objects, shared


def swift_figures(binary, kind, target_flag, target, rows_file, features, budget, scratch):
    """InferenceBench --gbm's ns per row by batch, and its predictions of every row."""
    out = scratch / f"{kind}.f64"
    output = subprocess.run([binary, "--gbm", kind, target_flag, str(target), "--rows", str(rows_file),
                             "--features", str(features), "--batches", ",".join(map(str, BATCHES)),
                             "--budget", str(budget), "--out", str(out)], capture_output=True, text=True, timeout=300)
    if output.returncode != 0:
        raise RuntimeError((output.stdout + output.stderr).strip().splitlines()[-1])
    figures = dict(line.split() for line in output.stdout.splitlines() if line.startswith("predict_ns_per_row_"))
    return {batch: float(figures[f"predict_ns_per_row_{batch}"]) for batch in BATCHES}, np.fromfile(out, dtype="<f8")


def python_figures(predict, rows, budget):
    figures = {}
    for batch in BATCHES:
        # Each call the next `batch` rows, as InferenceBench --gbm calls them (the module's docstring says why).
        parts = itertools.cycle([np.ascontiguousarray(rows[start:start + batch]) for start in range(0, ROWS - batch + 1, batch)])
        figures[batch] = best_time_per_call(lambda: predict(next(parts)), budget) * 1e9 / batch
    return figures, np.asarray(predict(rows), dtype=np.float64).ravel()


def predictors(library, path, booster, rows, binary, rows_file, budget, scratch):
    """(name, thunk) per predictor; a thunk returns (ns per row by batch, predictions of every row)."""
    features = rows.shape[1]
    found = [("evserve (in process)", lambda: swift_figures(binary, "evserve", "--model", path, rows_file, features, budget, scratch))]
    if library == "xgboost":
        booster.set_param({"nthread": 1})
        found += [("xgboost Booster.predict(DMatrix)", lambda: python_figures(lambda part: booster.predict(xgb.DMatrix(part, nthread=1)), rows, budget)),
                  ("xgboost Booster.inplace_predict", lambda: python_figures(booster.inplace_predict, rows, budget))]
    else:
        found += [("lightgbm Booster.predict", lambda: python_figures(lambda part: booster.predict(part, num_threads=1), rows, budget))]

    def tl2cgen_python():
        import tl2cgen
        predictor = tl2cgen.Predictor(str(tl2cgen_library(path, library)), nthread=1)
        return python_figures(lambda part: predictor.predict(tl2cgen.DMatrix(part, dtype="float64" if library == "lightgbm" else "float32")), rows, budget)

    found += [("TL2cgen C, quantize=1 (C call)", lambda: swift_figures(binary, "tl2cgen", "--library", tl2cgen_library(path, library), rows_file, features, budget, scratch)),
              ("TL2cgen C, tl2cgen.Predictor (Python)", tl2cgen_python)]
    if library == "lightgbm":
        def lleaves_python():
            import lleaves
            model = lleaves.Model(model_file=str(path))
            model.compile(cache=str(lleaves_library(path)[0]))  # loads the object file compiled before
            return python_figures(lambda part: model.predict(part, n_jobs=1), rows, budget)

        found += [("lleaves (C call)", lambda: swift_figures(binary, "lleaves", "--library", lleaves_library(path)[1], rows_file, features, budget, scratch)),
                  ("lleaves Model.predict (Python)", lleaves_python)]
    else:
        found += [("lleaves", None)]
    return found


def reason(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}"[:110]


def table(label, library, data, params, rounds, binary, budget, directory):
    path, booster, rows, depth = fit(library, data, params, rounds, directory)
    rows_file = directory / "rows.f64"
    rows.astype("<f8").tofile(rows_file)
    expected = (booster.predict(xgb.DMatrix(rows)) if library == "xgboost" else booster.predict(rows)).astype(np.float64)
    trees = rounds
    print()
    print(f"{label} (deepest tree {depth}), {rows.shape[1]} features; one thread")
    print(f"{'':40}{'ns per row':^36}{'ns per tree per row':^36}{'max |Δ|':>10}")
    print(f"{'predictor':40}" + "".join(f"{b:>9}" for b in BATCHES) * 2 + f"{'vs lib':>10}")
    for name, thunk in predictors(library, path, booster, rows, binary, rows_file, budget, directory):
        if thunk is None:
            print(f"{name:40}not applicable: LightGBM only")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                figures, predictions = thunk()
        except Exception as error:  # the row says why this predictor has no figures
            print(f"{name:40}unavailable: {reason(error)}", flush=True)
            continue
        gap = float(np.max(np.abs(predictions - expected))) if predictions.shape == expected.shape else float("nan")
        print(f"{name:40}" + "".join(f"{figures[b]:>9.0f}" for b in BATCHES)
              + "".join(f"{figures[b] / trees:>9.2f}" for b in BATCHES) + f"{gap:>10.1e}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swift", required=True, help="path to the release InferenceBench binary")
    parser.add_argument("--only", help="time only the models whose label contains this text")
    parser.add_argument("--budget", type=float, default=0.2, help="seconds per figure (default 0.2)")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"CPU: {machine()}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    versions = {"xgboost": xgb.__version__, "lightgbm": lgb.__version__}
    for name in ("treelite", "tl2cgen", "lleaves", "llvmlite"):
        try:
            __import__(name)
            versions[name] = metadata.version(name)
        except Exception as error:
            versions[name] = f"not importable ({reason(error)})"
    print("; ".join(f"{name} {version}" for name, version in versions.items()))
    for label, library, data, params, rounds in MODELS:
        if args.only and args.only.lower() not in label.lower():
            continue
        with tempfile.TemporaryDirectory() as directory:
            table(label, library, data, params, rounds, args.swift, args.budget, pathlib.Path(directory))


if __name__ == "__main__":
    main()
