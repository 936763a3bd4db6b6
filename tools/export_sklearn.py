#!/usr/bin/env python3
"""Writes a fitted scikit-learn tree estimator as an evserve model file (docs/model-format.md, version 2).

Supported (single output, numeric inputs), on scikit-learn 1.1 to 1.9:
  regressors  DecisionTreeRegressor, ExtraTreeRegressor, RandomForestRegressor, ExtraTreesRegressor,
              GradientBoostingRegressor (any loss; init "zero" or the default DummyRegressor),
              HistGradientBoostingRegressor (any loss)
  classifiers DecisionTreeClassifier, ExtraTreeClassifier, RandomForestClassifier, ExtraTreesClassifier,
              GradientBoostingClassifier (binary and multiclass), HistGradientBoostingClassifier
              (binary and multiclass); classes_ of numbers, strings or booleans
Refused, with the reason: pipelines and other estimators, multi-output models, a gradient boosting
`init` estimator other than the default, and HistGradientBoosting with categorical features.

The file writes down the arithmetic scikit-learn's predict and predict_proba do in the installed
version (which changed between releases: class fractions in tree_.value since 1.4, gradient
boosting's and histogram boosting's decision rules since 1.4 and 1.5), so evserve reproduces it.
Floats are written with Python's repr, the shortest text that reads back to the same double.

Usage:
    python3 tools/export_sklearn.py MODEL.pkl OUT.json     # MODEL.pkl: pickle/joblib dump of a fitted estimator
or, from Python:
    from export_sklearn import export_model; export_model(estimator, "model.json")
"""
import json
import math
import pickle
import re
import sys
import warnings

import numpy as np
import sklearn

FORMAT = "evserve.trees"
VERSION = 2
SKLEARN_VERSION = tuple(int(part) for part in re.match(r"(\d+)\.(\d+)", sklearn.__version__).groups())
LARGEST_FLOAT = sys.float_info.max

SINGLE_TREES = {"DecisionTreeRegressor", "ExtraTreeRegressor", "DecisionTreeClassifier", "ExtraTreeClassifier"}
FORESTS = {"RandomForestRegressor", "ExtraTreesRegressor", "RandomForestClassifier", "ExtraTreesClassifier"}
BOOSTING = {"GradientBoostingRegressor", "GradientBoostingClassifier"}
HISTOGRAM = {"HistGradientBoostingRegressor", "HistGradientBoostingClassifier"}
SUPPORTED = sorted(SINGLE_TREES | FORESTS | BOOSTING | HISTOGRAM)


class UnsupportedModel(ValueError):
    """The estimator cannot be exported; the message says why and what is supported."""


def _refuse(reason):
    raise UnsupportedModel(f"{reason}. evserve serves fitted single-output {', '.join(SUPPORTED)} "
                           "with numeric inputs (see docs/model-format.md).")


def _floats(values):
    return [float(v) for v in values]


def _accepts_missing(estimator):
    """Whether estimator.predict takes NaN in this scikit-learn: asked of scikit-learn itself."""
    row = np.full((1, estimator.n_features_in_), np.nan)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.predict(row)
    except ValueError:
        return False
    return True


def _sklearn_tree(tree, classifier):
    """One fitted tree_ in the file's layout. A classifier tree's values are its predict_proba per node,
    computed with numpy as scikit-learn computes them (normalized per row before 1.4)."""
    t = tree.tree_
    if t.n_outputs != 1:
        _refuse("multi-output models are not supported")
    node = {"children_left": [int(v) for v in t.children_left],
            "children_right": [int(v) for v in t.children_right],
            "feature": [int(v) for v in t.feature],
            "threshold": _floats(t.threshold)}
    missing = getattr(t, "missing_go_to_left", None)
    if missing is not None and np.any(missing):
        node["missing_left"] = [bool(v) for v in missing]
    if classifier:
        raw = t.value[:, 0, :]
        proba = raw[:, :tree.n_classes_].copy()
        if SKLEARN_VERSION < (1, 4):
            normalizer = proba.sum(axis=1)[:, np.newaxis]
            normalizer[normalizer == 0.0] = 1.0
            proba /= normalizer
        node["value"] = _floats(proba.reshape(-1))
        node["_argmax_raw"] = np.argmax(raw, axis=1)
        node["_argmax_proba"] = np.argmax(proba, axis=1)
    else:
        node["value"] = _floats(t.value[:, 0, 0])
    return node


def _histogram_tree(predictor):
    nodes = predictor.nodes
    if "is_categorical" in nodes.dtype.names and np.any(nodes["is_categorical"]):
        _refuse("HistGradientBoosting with categorical features (bitset splits) is not supported yet")
    leaf = nodes["is_leaf"].astype(bool)
    threshold = [(-2.0 if is_leaf else (LARGEST_FLOAT if t == math.inf else float(t)))
                 for t, is_leaf in zip(nodes["num_threshold"], leaf)]
    return {"children_left": [-1 if is_leaf else int(v) for v, is_leaf in zip(nodes["left"], leaf)],
            "children_right": [-1 if is_leaf else int(v) for v, is_leaf in zip(nodes["right"], leaf)],
            "feature": [-2 if is_leaf else int(v) for v, is_leaf in zip(nodes["feature_idx"], leaf)],
            "threshold": threshold,
            "missing_left": [bool(v) for v in nodes["missing_go_to_left"]],
            "value": _floats(nodes["value"])}


def _classes(estimator):
    labels = np.asarray(estimator.classes_)
    if labels.dtype.kind not in "biufUO":
        _refuse(f"class labels of dtype {labels.dtype} are not supported")
    values = labels.tolist()
    kinds = {bool if isinstance(v, bool) else (str if isinstance(v, str) else (float if isinstance(v, (int, float)) else None))
             for v in values}
    if len(kinds) != 1 or None in kinds:
        _refuse("class labels must be all numbers, all strings or all booleans")
    return values


def _boosting_init(estimator):
    """The raw scores before any tree, as scikit-learn computes them (one per output)."""
    init = estimator.init_
    if not (isinstance(init, str) and init == "zero") and type(init).__name__ not in ("DummyRegressor", "DummyClassifier"):
        _refuse(f"the init estimator {type(init).__name__} gives each row its own start; only the default "
                "(DummyRegressor / DummyClassifier) or init='zero' can be exported")
    row = np.zeros((1, estimator.n_features_in_), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = estimator._raw_predict_init(row)
    return _floats(np.asarray(start, dtype=np.float64).reshape(-1))


def model_dict(estimator):
    """The model file's JSON object for a fitted estimator."""
    name = type(estimator).__name__
    if name not in SUPPORTED:
        _refuse(f"{name} is not supported" + (" (export the final estimator of a pipeline, and do its "
                                              "preprocessing before calling evserve)" if hasattr(estimator, "steps") else ""))
    if getattr(estimator, "n_outputs_", 1) != 1:
        _refuse("multi-output models are not supported")
    classifier = name.endswith("Classifier")
    document = {"format": FORMAT, "version": VERSION, "estimator": name,
                "n_features": int(estimator.n_features_in_)}
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        document["feature_names"] = [str(n) for n in names]
    document["input"] = "float64" if name in HISTOGRAM else "float32"
    document["missing_values"] = _accepts_missing(estimator)
    classes = _classes(estimator) if classifier else None
    count = len(classes) if classifier else 0

    if name in SINGLE_TREES or name in FORESTS:
        members = [estimator] if name in SINGLE_TREES else list(estimator.estimators_)
        trees = [_sklearn_tree(tree, classifier) for tree in members]
        width = count if classifier else 1
        # A lone tree's value is returned as is: -0.0 + v is v for every v (0.0 + -0.0 would not be).
        document.update(n_outputs=width, values_per_node=width,
                        base=[-0.0 if name in SINGLE_TREES else 0.0] * width,
                        average=name in FORESTS, link="probabilities" if classifier else "identity")
        if classifier:
            document["decision"] = "argmax_probability"
            if name in SINGLE_TREES:
                # DecisionTreeClassifier.predict takes the argmax of tree_.value, predict_proba normalizes it.
                leaves = np.asarray(trees[0]["children_left"]) == -1
                if np.any((trees[0]["_argmax_raw"] != trees[0]["_argmax_proba"]) & leaves):
                    _refuse("a leaf's largest class weight and largest probability differ (a tie made by rounding)")
        for tree in trees:
            tree.pop("_argmax_raw", None)
            tree.pop("_argmax_proba", None)
    elif name in BOOSTING:
        stages = estimator.estimators_
        outputs = stages.shape[1]
        document.update(n_outputs=outputs, base=_boosting_init(estimator),
                        leaf_scale=float(estimator.learning_rate), average=False)
        trees = [_sklearn_tree(stages[i, k], False) for i in range(stages.shape[0]) for k in range(outputs)]
        document["tree_outputs"] = [k for _ in range(stages.shape[0]) for k in range(outputs)]
        if classifier:
            loss = getattr(estimator, "loss", "log_loss")
            if loss == "exponential":
                document.update(link="expit_2x", decision="raw_at_least_zero")
            elif outputs == 1:
                document.update(link="expit", decision="raw_at_least_zero" if SKLEARN_VERSION >= (1, 4) else "argmax_probability")
            elif SKLEARN_VERSION >= (1, 4):
                document.update(link="softmax", decision="argmax_raw", sum_order="pairwise")
            else:
                document.update(link="softmax_logsumexp", decision="argmax_probability", sum_order="pairwise")
        else:
            document["link"] = "identity"
    else:
        if getattr(estimator, "is_categorical_", None) is not None and np.any(estimator.is_categorical_):
            _refuse("HistGradientBoosting with categorical features (bitset splits) is not supported yet")
        predictors = estimator._predictors
        outputs = len(predictors[0])
        baseline = np.asarray(estimator._baseline_prediction, dtype=np.float64).reshape(-1)
        # scikit-learn starts from zeros and adds the baseline: 0.0 + b (which turns -0.0 into 0.0).
        document.update(n_outputs=outputs, base=_floats(np.float64(0.0) + baseline), average=False)
        trees = [_histogram_tree(p) for iteration in predictors for p in iteration]
        document["tree_outputs"] = [k for iteration in predictors for k in range(len(iteration))]
        link = type(estimator._loss.link).__name__
        if classifier:
            new_rule = SKLEARN_VERSION >= (1, 5)
            if outputs == 1:
                document.update(link="expit", decision="raw_above_zero" if new_rule else "argmax_probability")
            else:
                document.update(link="softmax", decision="argmax_raw" if new_rule else "argmax_probability",
                                sum_order="sequential")
        elif link == "IdentityLink":
            document["link"] = "identity"
        elif link == "LogLink":
            document["link"] = "exp"
        else:
            _refuse(f"the link {link} of this HistGradientBoostingRegressor is not supported")
    if classifier:
        document["classes"] = classes
    if not any(document.get("tree_outputs", [0])):
        document.pop("tree_outputs", None)
    document["trees"] = trees
    for value in _all_floats(document):
        if not math.isfinite(value):
            _refuse("the estimator holds a non-finite number")
    return document


def _all_floats(document):
    yield from document["base"]
    yield document.get("leaf_scale", 0.0)
    for tree in document["trees"]:
        yield from tree["threshold"]
        yield from tree["value"]


def export_model(estimator, path):
    """Writes the model file for `estimator` to `path` (compact JSON, one line)."""
    document = model_dict(estimator)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
        f.write("\n")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        estimator = pickle.load(f)
    try:
        export_model(estimator, argv[2])
    except UnsupportedModel as error:
        print(f"export_sklearn: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
