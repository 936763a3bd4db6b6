#!/usr/bin/env python3
"""Writes a fitted scikit-learn tree ensemble as an evserve model file (docs/model-format.md).

Supported: GradientBoostingRegressor (with its default mean/median/quantile init, a DummyRegressor),
RandomForestRegressor and DecisionTreeRegressor, each with a single output. Floats are written with
Python's repr (json's default), the shortest text that reads back to the same double, so evserve's
predictions equal scikit-learn's bit for bit.

Usage:
    python3 tools/export_sklearn.py MODEL.pkl OUT.json     # MODEL.pkl: pickle/joblib dump of a fitted estimator
or, from Python:
    from export_sklearn import export_model; export_model(estimator, "model.json")
"""
import json
import math
import pickle
import sys

FORMAT = "evserve.trees"
VERSION = 1


def _tree_arrays(tree):
    """scikit-learn's tree_ arrays as plain lists; leaves keep children -1 (feature/threshold -2)."""
    t = tree.tree_
    if t.n_outputs != 1 or t.value.shape[2] != 1:
        raise ValueError("only single-output regression trees can be exported")
    return {
        "children_left": [int(v) for v in t.children_left],
        "children_right": [int(v) for v in t.children_right],
        "feature": [int(v) for v in t.feature],
        "threshold": [float(v) for v in t.threshold],
        "value": [float(v) for v in t.value[:, 0, 0]],
    }


def model_dict(estimator):
    """The model file's JSON object for a fitted estimator."""
    name = type(estimator).__name__
    document = {"format": FORMAT, "version": VERSION, "estimator": name,
                "n_features": int(estimator.n_features_in_)}
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        document["feature_names"] = [str(n) for n in names]
    if name == "GradientBoostingRegressor":
        init = estimator.init_
        if init == "zero":
            init_value = 0.0
        elif type(init).__name__ == "DummyRegressor":
            init_value = float(init.constant_.reshape(-1)[0])
        else:
            raise ValueError(f"init estimator {type(init).__name__} is not a constant; cannot export")
        document["init"] = init_value
        document["learning_rate"] = float(estimator.learning_rate)
        document["trees"] = [_tree_arrays(stage[0]) for stage in estimator.estimators_]
    elif name == "RandomForestRegressor":
        document["trees"] = [_tree_arrays(tree) for tree in estimator.estimators_]
    elif name == "DecisionTreeRegressor":
        document["trees"] = [_tree_arrays(estimator)]
    else:
        raise ValueError(f"{name} is not supported (GradientBoostingRegressor, "
                         "RandomForestRegressor, DecisionTreeRegressor are)")
    if getattr(estimator, "n_outputs_", 1) != 1:
        raise ValueError("only single-output estimators can be exported")
    for value in _floats(document):
        if not math.isfinite(value):
            raise ValueError("the estimator holds a non-finite number; cannot export")
    return document


def _floats(document):
    yield document.get("init", 0.0)
    yield document.get("learning_rate", 0.0)
    for tree in document["trees"]:
        yield from tree["threshold"]
        yield from tree["value"]


def export_model(estimator, path):
    """Writes the model file for `estimator` to `path` (compact JSON, one line)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(model_dict(estimator), f, separators=(",", ":"), allow_nan=False)
        f.write("\n")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        estimator = pickle.load(f)
    export_model(estimator, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
