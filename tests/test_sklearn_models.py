"""scikit-learn's own models, exported and served: /predict and /predict_proba answer what
estimator.predict and estimator.predict_proba answer, bit for bit.

Each case fits an estimator on a data set that ships inside scikit-learn, exports it with
tools/export_sklearn.py, serves it with the real binary on loopback and compares on held-out rows,
rows with missing values (for models that take them), and edge values: the split thresholds
themselves, ±0, subnormals and values beyond float32's range.

Exact (`==` on float64) everywhere except where numpy's own `np.exp` is in the arithmetic (softmax
probabilities, HistGradientBoosting's log link): numpy uses SIMD exp kernels on this CPU class that
are not glibc's exp, so those values may differ by a few ulp (bound below); labels stay exact.
"""
import json
import pathlib
import sys
import urllib.error
import urllib.request
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn import datasets, ensemble, tree  # noqa: E402

from evserve_server import REPO, running_evserve  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tools"))
from export_sklearn import UnsupportedModel, export_model  # noqa: E402

# numpy's exp against glibc's (1 ulp apart on a few percent of inputs on AVX-512), then one division
# (softmax: measured 2 at most) or none (exp link: 1). scikit-learn < 1.4's multiclass gradient boosting
# also takes a log (logsumexp) of a numpy sum: 4. With NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL
# AVX512_SPR" numpy calls glibc's exp and every one of these is exact (docs/model-format.md).
ULP_BOUND = {"softmax": 2, "exp": 1, "softmax_logsumexp": 4}


def post(url, path, rows):
    body = json.dumps({"X": rows}).encode()
    request = urllib.request.Request(url + path, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def data(name, seed):
    loader = {"iris": datasets.load_iris, "wine": datasets.load_wine, "cancer": datasets.load_breast_cancer,
              "diabetes": datasets.load_diabetes, "digits": datasets.load_digits}[name]
    X, y = loader(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order], y[order]
    split = int(len(y) * 0.7)
    return X[:split], y[:split], X[split:]


def edge_rows(model_file, X):
    """Rows whose values sit exactly on split thresholds (as float32 and as float64), ±0,
    subnormals, and values past float32's range, each placed into a real row."""
    document = json.loads(model_file.read_text())
    rows = []
    base = X[0].tolist()
    for t in document["trees"][:3]:
        for feature, threshold in list(zip(t["feature"], t["threshold"]))[:40]:
            if feature < 0:
                continue
            for value in (threshold, float(np.float32(threshold)), float(np.nextafter(threshold, np.inf))):
                row = list(base)
                row[feature] = value
                rows.append(row)
    # scikit-learn's trees refuse values that overflow float32 (ValueError); float64 models take them.
    huge = (-3.4028234e38, 3.4028234e38) if document["input"] == "float32" else (-1e300, 1e300)
    for value in (0.0, -0.0, 5e-324, -5e-324, 1e-40, 1.4e-45, *huge):
        rows.append([value] * len(base))
    return rows


def ulps(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ia, ib = a.view(np.int64), b.view(np.int64)
    return np.abs(ia - ib).max(initial=0)


def uses_numpy_exp(document):
    return document["link"] in ("softmax", "softmax_logsumexp", "exp")


CASES = [
    ("DecisionTreeRegressor", lambda s: tree.DecisionTreeRegressor(max_depth=12, random_state=s), "diabetes"),
    ("ExtraTreeRegressor", lambda s: tree.ExtraTreeRegressor(random_state=s), "diabetes"),
    ("RandomForestRegressor", lambda s: ensemble.RandomForestRegressor(n_estimators=50, random_state=s), "diabetes"),
    ("ExtraTreesRegressor", lambda s: ensemble.ExtraTreesRegressor(n_estimators=30, max_depth=8, random_state=s), "diabetes"),
    ("GradientBoostingRegressor", lambda s: ensemble.GradientBoostingRegressor(n_estimators=200, random_state=s), "diabetes"),
    ("GradientBoostingRegressor-huber-subsample", lambda s: ensemble.GradientBoostingRegressor(
        loss="huber", subsample=0.7, n_estimators=100, max_depth=5, random_state=s), "diabetes"),
    ("GradientBoostingRegressor-quantile", lambda s: ensemble.GradientBoostingRegressor(
        loss="quantile", alpha=0.8, n_estimators=50, random_state=s), "diabetes"),
    ("HistGradientBoostingRegressor", lambda s: ensemble.HistGradientBoostingRegressor(max_iter=100, random_state=s), "diabetes"),
    ("HistGradientBoostingRegressor-poisson", lambda s: ensemble.HistGradientBoostingRegressor(
        loss="poisson", max_iter=50, random_state=s), "diabetes"),
    ("DecisionTreeClassifier", lambda s: tree.DecisionTreeClassifier(random_state=s), "wine"),
    ("ExtraTreeClassifier", lambda s: tree.ExtraTreeClassifier(random_state=s), "iris"),
    ("RandomForestClassifier", lambda s: ensemble.RandomForestClassifier(n_estimators=100, random_state=s), "cancer"),
    ("RandomForestClassifier-weighted", lambda s: ensemble.RandomForestClassifier(
        n_estimators=20, class_weight="balanced", max_depth=6, random_state=s), "wine"),
    ("ExtraTreesClassifier", lambda s: ensemble.ExtraTreesClassifier(n_estimators=40, random_state=s), "digits"),
    ("GradientBoostingClassifier-binary", lambda s: ensemble.GradientBoostingClassifier(n_estimators=100, random_state=s), "cancer"),
    ("GradientBoostingClassifier-exponential", lambda s: ensemble.GradientBoostingClassifier(
        loss="exponential", n_estimators=50, random_state=s), "cancer"),
    ("GradientBoostingClassifier-multiclass", lambda s: ensemble.GradientBoostingClassifier(n_estimators=30, random_state=s), "wine"),
    ("HistGradientBoostingClassifier-binary", lambda s: ensemble.HistGradientBoostingClassifier(max_iter=100, random_state=s), "cancer"),
    ("HistGradientBoostingClassifier-multiclass", lambda s: ensemble.HistGradientBoostingClassifier(max_iter=30, random_state=s), "iris"),
    ("GradientBoostingRegressor-1000-stumps", lambda s: ensemble.GradientBoostingRegressor(
        n_estimators=1000, max_depth=1, random_state=s), "diabetes"),
]


# (first row, row count) of the few-rows calls: one row, pairs, three, and 47 (the most the few-rows paths
# of trees 5–8 deep take: `ByteTrees.deepRowsBelow`).
FEW_ROWS = [(0, 1), (1, 1), (2, 2), (4, 2), (6, 3), (9, 47)]


@pytest.mark.parametrize("label,make,dataset", CASES, ids=[c[0] for c in CASES])
def test_served_model_equals_scikit_learn(tmp_path, label, make, dataset):
    seed = 7
    X, y, held_out = data(dataset, seed)
    if label.endswith("-labels"):
        y = np.array(["low", "mid", "high"])[y]
    estimator = make(seed).fit(X, y)
    model_file = tmp_path / "model.json"
    export_model(estimator, model_file)
    document = json.loads(model_file.read_text())
    rows = held_out.tolist() + edge_rows(model_file, X)
    missing = document["missing_values"]
    if missing:
        rng = np.random.default_rng(seed)
        holes = held_out[:40].copy()
        holes[rng.random(holes.shape) < 0.3] = np.nan
        rows += holes.tolist()
        rows.append([float("nan")] * X.shape[1])
    matrix = np.array(rows, dtype=np.float64)
    wire_rows = [[None if v != v else v for v in row] for row in rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = estimator.predict(matrix)
        expected_proba = estimator.predict_proba(matrix) if hasattr(estimator, "predict_proba") else None

    with running_evserve("--model", str(model_file)) as (url, _):
        status, answer = post(url, "/predict", wire_rows)
        assert status == 200, answer
        if expected_proba is None:
            y_served = np.array(answer["y"], dtype=np.float64)
            if uses_numpy_exp(document):
                assert ulps(y_served, expected) <= ULP_BOUND[document["link"]]
            else:
                assert np.array_equal(y_served, expected), np.flatnonzero(y_served != expected)[:10]
                assert [repr(v) for v in answer["y"]] == [repr(float(v)) for v in expected]
            status, _ = post(url, "/predict_proba", wire_rows[:1])
            assert status == 404
        else:
            assert answer["y"] == expected.tolist()
            status, answer = post(url, "/predict_proba", wire_rows)
            assert status == 200, answer
            proba = np.array(answer["y"], dtype=np.float64)
            assert proba.shape == expected_proba.shape
            if uses_numpy_exp(document):
                assert ulps(proba, expected_proba) <= ULP_BOUND[document["link"]]
            else:
                assert np.array_equal(proba, expected_proba), np.argwhere(proba != expected_proba)[:10]
        # A few rows at a time take the few-rows paths (32 trees at once on byte lanes for one or two rows,
        # or one row's trees walked together), which the call of every row above does not.
        for start, count in FEW_ROWS:
            status, answer = post(url, "/predict", wire_rows[start:start + count])
            assert status == 200, answer
            want = expected[start:start + count]
            if expected_proba is not None:
                assert answer["y"] == want.tolist(), (start, count)
            elif uses_numpy_exp(document):
                assert ulps(np.array(answer["y"], dtype=np.float64), want) <= ULP_BOUND[document["link"]], (start, count)
            else:
                assert answer["y"] == want.tolist(), (start, count)
        if not missing:
            status, answer = post(url, "/predict", [[None] * X.shape[1]])
            assert status == 422 and answer["detail"][0]["type"] == "float_type"
            assert answer["detail"][0]["msg"] == (f"Input should be a valid number; this model ({type(estimator).__name__}) "
                                                  "does not accept missing values (null)")


def test_string_and_boolean_labels_come_back_as_labels(tmp_path):
    X, y, held_out = data("iris", 3)
    for labels in (np.array(["setosa", "versicolor", "virginica"]), np.array([True, False, True])):
        estimator = ensemble.RandomForestClassifier(n_estimators=10, random_state=0).fit(X, labels[y])
        export_model(estimator, tmp_path / "model.json")
        with running_evserve("--model", str(tmp_path / "model.json")) as (url, _):
            status, answer = post(url, "/predict", held_out.tolist())
            assert status == 200 and answer["y"] == estimator.predict(held_out).tolist()


def test_pipelines_and_multi_output_are_refused(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X, y, _ = data("diabetes", 1)
    with pytest.raises(UnsupportedModel, match="not supported.*evserve serves"):
        export_model(make_pipeline(StandardScaler(), tree.DecisionTreeRegressor()).fit(X, y), tmp_path / "m.json")
    with pytest.raises(UnsupportedModel, match="multi-output"):
        export_model(tree.DecisionTreeRegressor().fit(X, np.c_[y, y]), tmp_path / "m.json")


def test_values_past_float32_are_refused_as_scikit_learn_refuses_them(tmp_path):
    X, y, held_out = data("diabetes", 2)
    for estimator in (tree.DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y),
                      ensemble.GradientBoostingRegressor(n_estimators=5, random_state=0).fit(X, y)):
        row = held_out[0].tolist()
        row[3] = 1e39
        with pytest.raises(ValueError, match="too large for dtype\\('float32'\\)"):
            estimator.predict(np.array([row]))
        export_model(estimator, tmp_path / "model.json")
        with running_evserve("--model", str(tmp_path / "model.json")) as (url, _):
            status, answer = post(url, "/predict", [held_out[1].tolist(), row])
            assert status == 422
            [issue] = answer["detail"]
            assert issue["type"] == "value_error" and issue["loc"] == ["body", "X", 1, 3] and issue["input"] == 1e39
            assert "too large for float32" in issue["msg"] and type(estimator).__name__ in issue["msg"]
            # The largest float32 itself, and values that round to it, are values.
            row[3] = 3.4028235e38
            status, answer = post(url, "/predict", [row])
            assert status == 200 and answer["y"] == estimator.predict(np.array([row])).tolist()
    # HistGradientBoosting compares float64 values: 1e300 is a value there.
    hgb = ensemble.HistGradientBoostingRegressor(max_iter=10, random_state=0).fit(X, y)
    export_model(hgb, tmp_path / "model.json")
    with running_evserve("--model", str(tmp_path / "model.json")) as (url, _):
        status, answer = post(url, "/predict", [[1e300] * X.shape[1]])
        assert status == 200 and answer["y"] == hgb.predict(np.full((1, X.shape[1]), 1e300)).tolist()


def test_rows_keyed_by_feature_name(tmp_path):
    """A model fitted on a DataFrame carries feature_names_in_ (written as feature_names): its rows may be
    objects keyed by those names (set on the file here; test_rows_as_objects_from_a_pandas_fit fits a DataFrame)."""
    X, y, held_out = data("wine", 4)
    estimator = ensemble.RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    document = model_dict_with_names(estimator, [f"f{i}" for i in range(X.shape[1])], tmp_path / "model.json")
    names = document["feature_names"]
    with running_evserve("--model", str(tmp_path / "model.json")) as (url, _):
        keyed = [dict(zip(names, row)) for row in held_out[:5].tolist()]
        keyed[1] = dict(reversed(list(keyed[1].items())))  # key order does not matter
        status, answer = post(url, "/predict", keyed)
        assert status == 200 and answer["y"] == estimator.predict(held_out[:5]).tolist()
        mixed = [held_out[0].tolist(), keyed[0]]
        status, answer = post(url, "/predict_proba", mixed)
        assert status == 200 and answer["y"] == estimator.predict_proba(held_out[:1].repeat(2, axis=0)).tolist()
        broken = dict(keyed[0])
        del broken["f2"]
        broken["colour"] = 3
        status, answer = post(url, "/predict", [keyed[0], broken])
        assert status == 422
        assert [(d["type"], d["loc"]) for d in answer["detail"]] == [
            ("missing", ["body", "X", 1, "f2"]), ("extra_forbidden", ["body", "X", 1, "colour"])]
        status, answer = post(url, "/predict", [dict(keyed[0], f5="x")])
        assert status == 422 and [(d["type"], d["loc"]) for d in answer["detail"]] == [("float_parsing", ["body", "X", 0, "f5"])]
        with urllib.request.urlopen(url + "/openapi.json", timeout=10) as response:
            schema = json.loads(response.read())["components"]["schemas"]["Observation"]["properties"]["X"]["items"]
        assert schema["anyOf"][1]["required"] == names


def boston_frame():
    """The Boston housing rows as a real pandas DataFrame (columns CRIM … LSTAT) and MEDV, shuffled."""
    pd = pytest.importorskip("pandas")
    csv = REPO / "Sources" / "Inference" / "Data" / "boston_house_prices.csv"
    frame = pd.read_csv(csv, skiprows=1)
    frame = frame.iloc[np.random.default_rng(6).permutation(len(frame))].reset_index(drop=True)
    return frame.drop(columns="MEDV"), frame["MEDV"]


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_rows_as_objects_from_a_pandas_fit(tmp_path, kind):
    """An estimator fitted on a pandas DataFrame is exported with its column names (feature_names_in_);
    rows posted as objects keyed by those names answer estimator.predict(df) (and predict_proba(df))
    exactly; a missing name is a 422 `missing` and an unknown one `extra_forbidden`, each at
    ["body", "X", row, name] with pydantic's messages, as docs/model-format.md says."""
    features, target = boston_frame()
    train, held_out = features.iloc[:350], features.iloc[350:]
    if kind == "classifier":
        labels = np.where(target.iloc[:350] > target.median(), "dear", "cheap")
        estimator = ensemble.RandomForestClassifier(n_estimators=30, max_depth=8, random_state=0).fit(train, labels)
    else:
        estimator = ensemble.GradientBoostingRegressor(n_estimators=100, max_depth=4, random_state=0).fit(train, target.iloc[:350])
    assert list(estimator.feature_names_in_) == list(features.columns)
    model_file = tmp_path / "model.json"
    export_model(estimator, model_file)
    assert json.loads(model_file.read_text())["feature_names"] == list(features.columns)
    rows = held_out.to_dict(orient="records")
    rows[1] = dict(reversed(list(rows[1].items())))  # key order does not matter
    with running_evserve("--model", str(model_file)) as (url, _):
        status, answer = post(url, "/predict", rows)
        assert status == 200, answer
        assert answer["y"] == estimator.predict(held_out).tolist()
        if kind == "classifier":
            status, answer = post(url, "/predict_proba", rows)
            assert status == 200 and answer["y"] == estimator.predict_proba(held_out).tolist()
        without_rm = {name: value for name, value in rows[0].items() if name != "RM"}
        status, answer = post(url, "/predict", [rows[0], without_rm])
        assert status == 422
        assert [(d["type"], d["loc"], d["msg"]) for d in answer["detail"]] == [("missing", ["body", "X", 1, "RM"], "Field required")]
        status, answer = post(url, "/predict", [dict(rows[0], MEDV=24.0)])
        assert status == 422
        assert [(d["type"], d["loc"], d["msg"]) for d in answer["detail"]] == [
            ("extra_forbidden", ["body", "X", 0, "MEDV"], "Extra inputs are not permitted")]


def model_dict_with_names(estimator, names, path):
    export_model(estimator, path)
    document = json.loads(path.read_text())
    document["feature_names"] = names
    path.write_text(json.dumps(document))
    return document
