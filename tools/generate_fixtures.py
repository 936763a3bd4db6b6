#!/usr/bin/env python3
"""Writes the Inference test fixtures in Tests/InferenceTests/Fixtures/ with the pinned scikit-learn.

- reference_training_predictions.txt: the issue's reference GradientBoostingRegressor (500 stages,
  depth 4, learning rate 0.01, squared error) fitted on the shuffled Boston rows (X cast to float32);
  one prediction per training row, in training (shuffled) order, written with repr().
- gbr_boston.json, forest_boston.json, tree_boston.json: that GBR (random_state=0), a small
  RandomForestRegressor and a depth-6 DecisionTreeRegressor, exported by tools/export_sklearn.py.
- check_rows.csv: rows to predict (the 506 training rows, 200 random rows spread past each feature's
  range, 100 rows with one feature set at or next to a split threshold) and each model's
  scikit-learn prediction, all written with repr() so they read back exactly.

Usage: python3 tools/generate_fixtures.py   (pip install -r tools/requirements.txt)
"""
import csv
import pathlib
import sys
import warnings

import numpy as np
import sklearn
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import shuffle

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from export_sklearn import export_model  # noqa: E402
from generate_dataset_swift import read_csv  # noqa: E402

# loss="ls" is the spelling; 1.1.3 warns at fit time that it is renamed squared_error.
warnings.filterwarnings("ignore", category=FutureWarning, message="The loss 'ls' was deprecated")

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "InferenceTests" / "Fixtures"
PINNED = "1.1.3"


def reference_gbr(random_state):
    return GradientBoostingRegressor(n_estimators=500, max_depth=4, min_samples_split=2,
                                     learning_rate=0.01, loss="ls", random_state=random_state)


def check_rows(X, model, rng):
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    random_rows = rng.uniform(lo - 0.1 * span, hi + 0.1 * span, size=(200, X.shape[1]))
    edge_rows = []
    internal = [(tree[0].tree_, i) for tree in model.estimators_
                for i in np.flatnonzero(tree[0].tree_.children_left >= 0)]
    for _ in range(100):
        row = X[rng.randint(len(X))].copy()
        tree, node = internal[rng.randint(len(internal))]
        threshold = float(tree.threshold[node])
        nearest = float(np.float32(threshold))
        candidates = [threshold, nearest,
                      float(np.nextafter(np.float32(nearest), np.float32(np.inf))),
                      float(np.nextafter(np.float32(nearest), np.float32(-np.inf)))]
        row[tree.feature[node]] = candidates[rng.randint(len(candidates))]
        edge_rows.append(row)
    return np.vstack([X, random_rows, np.array(edge_rows)])


def main():
    if sklearn.__version__ != PINNED:
        raise SystemExit(f"scikit-learn {sklearn.__version__} installed; fixtures need {PINNED}")
    names, _, X, y = read_csv()
    X, y = shuffle(X, y, random_state=13)
    X32 = X.astype(np.float32)
    FIXTURES.mkdir(parents=True, exist_ok=True)

    gbr = reference_gbr(0).fit(X32, y)
    other = reference_gbr(1).fit(X32, y)
    spread = np.max(np.abs(gbr.predict(X32) - other.predict(X32)))
    print(f"training rows: random_state 0 vs 1 differ by at most {spread:.3g}")
    with (FIXTURES / "reference_training_predictions.txt").open("w") as f:
        for value in gbr.predict(X32):
            f.write(repr(float(value)) + "\n")

    forest = RandomForestRegressor(n_estimators=5, min_samples_leaf=2, random_state=0).fit(X32, y)
    tree = DecisionTreeRegressor(max_depth=6, random_state=0).fit(X32, y)
    export_model(gbr, FIXTURES / "gbr_boston.json")
    export_model(forest, FIXTURES / "forest_boston.json")
    export_model(tree, FIXTURES / "tree_boston.json")

    rows = check_rows(X, gbr, np.random.RandomState(2024))
    predictions = [model.predict(rows) for model in (gbr, forest, tree)]
    with (FIXTURES / "check_rows.csv").open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(list(names) + ["gbr", "forest", "tree"])
        for i, row in enumerate(rows):
            writer.writerow([repr(float(v)) for v in row] + [repr(float(p[i])) for p in predictions])
    print(f"wrote {len(rows)} check rows and 3 models to {FIXTURES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
