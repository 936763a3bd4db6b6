"""The model kinds `make bench-inference` times, one fitted estimator each, and the rows they predict.

Shallow models train on data sets that ship inside scikit-learn; the deep forests (fully grown trees)
on 10,000 generated rows, so that their trees are as deep as real ones (depth 20 to 30). Each kind's
4096 prediction rows are its held-out rows repeated, in a fixed order; one kind adds missing values
(a fifth of the values NaN) to time the path for rows that hold them.
"""
import numpy as np
from sklearn import datasets, ensemble, tree

ROWS = 4096


def _shipped(name):
    loader = {"diabetes": datasets.load_diabetes, "cancer": datasets.load_breast_cancer,
              "wine": datasets.load_wine, "digits": datasets.load_digits}[name]
    return loader(return_X_y=True)


def _generated(kind, classes=2):
    if kind == "regression":
        return datasets.make_regression(n_samples=10_000, n_features=20, n_informative=12, noise=5.0, random_state=0)
    return datasets.make_classification(n_samples=10_000, n_features=20, n_informative=12, n_classes=classes,
                                        n_clusters_per_class=2, random_state=0)


def _split(X, y, seed=0):
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order], y[order]
    cut = int(len(y) * 0.7)
    return X[:cut], y[:cut], X[cut:]


# (label, estimator, data, NaN share in the prediction rows)
KINDS = [
    ("DecisionTreeRegressor (deep)", lambda: tree.DecisionTreeRegressor(random_state=0), ("generated", "regression"), 0),
    ("ExtraTreeRegressor (deep)", lambda: tree.ExtraTreeRegressor(random_state=0), ("generated", "regression"), 0),
    ("RandomForestRegressor (100, deep)", lambda: ensemble.RandomForestRegressor(n_estimators=100, random_state=0),
     ("generated", "regression"), 0),
    ("ExtraTreesRegressor (100, deep)", lambda: ensemble.ExtraTreesRegressor(n_estimators=100, random_state=0),
     ("generated", "regression"), 0),
    ("RandomForestRegressor (100, depth 8)", lambda: ensemble.RandomForestRegressor(n_estimators=100, max_depth=8, random_state=0),
     ("shipped", "diabetes"), 0),
    ("GradientBoostingRegressor (300, depth 6)", lambda: ensemble.GradientBoostingRegressor(
        n_estimators=300, max_depth=6, random_state=0), ("shipped", "diabetes"), 0),
    ("HistGradientBoostingRegressor (200)", lambda: ensemble.HistGradientBoostingRegressor(max_iter=200, random_state=0),
     ("generated", "regression"), 0),
    ("HistGradientBoostingRegressor, NaN rows", lambda: ensemble.HistGradientBoostingRegressor(max_iter=200, random_state=0),
     ("generated", "regression"), 0.2),
    ("DecisionTreeClassifier (deep)", lambda: tree.DecisionTreeClassifier(random_state=0), ("generated", "classification3"), 0),
    ("ExtraTreeClassifier (deep)", lambda: tree.ExtraTreeClassifier(random_state=0), ("generated", "classification3"), 0),
    ("RandomForestClassifier (100, deep)", lambda: ensemble.RandomForestClassifier(n_estimators=100, random_state=0),
     ("generated", "classification3"), 0),
    ("ExtraTreesClassifier (100, digits)", lambda: ensemble.ExtraTreesClassifier(n_estimators=100, random_state=0),
     ("shipped", "digits"), 0),
    ("GradientBoostingClassifier (binary, 200)", lambda: ensemble.GradientBoostingClassifier(n_estimators=200, random_state=0),
     ("shipped", "cancer"), 0),
    ("GradientBoostingClassifier (3 classes, 100)", lambda: ensemble.GradientBoostingClassifier(n_estimators=100, random_state=0),
     ("shipped", "wine"), 0),
    ("HistGradientBoostingClassifier (binary, 200)", lambda: ensemble.HistGradientBoostingClassifier(max_iter=200, random_state=0),
     ("generated", "classification2"), 0),
    ("HistGradientBoostingClassifier (10 classes, 100)", lambda: ensemble.HistGradientBoostingClassifier(
        max_iter=100, random_state=0), ("shipped", "digits"), 0),
]


def fitted(make, source, nan_share):
    """The fitted estimator and its 4096 prediction rows (float64, C order)."""
    origin, name = source
    if origin == "shipped":
        X, y = _shipped(name)
    elif name == "regression":
        X, y = _generated("regression")
    else:
        X, y = _generated("classification", classes=int(name[-1]))
    X_train, y_train, held_out = _split(X, y)
    estimator = make().fit(X_train, y_train)
    rows = np.ascontiguousarray(np.resize(held_out, (ROWS, X.shape[1])), dtype=np.float64)
    if nan_share:
        rows[np.random.default_rng(1).random(rows.shape) < nan_share] = np.nan
    return estimator, rows
