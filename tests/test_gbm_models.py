"""XGBoost and LightGBM model files, read by evserve itself: /predict answers what the library's own
predict answers, bit for bit (`==` on float64).

Each case fits a model on a data set that ships inside scikit-learn (with missing values blown into
the training data), saves it as the library does (XGBoost: JSON and UBJSON; LightGBM: text), serves
the file with the real binary on loopback and compares on held-out rows, rows with missing values
(`null`), and edge values (split thresholds and their float neighbours, ±0, values within LightGBM's
zero margin, subnormals, huge values, negative and fractional categories).

XGBoost predicts float32: evserve answers the float32 value widened to float64 (what
`json.dumps(pred.tolist())` writes), so `np.float64(xgboost_prediction) == evserve` is the test.
"""
import json
import pathlib
import urllib.error
import urllib.request

import numpy as np
import pytest

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
from sklearn import datasets  # noqa: E402

from evserve_server import running_evserve  # noqa: E402


def post(url, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def as_json_rows(X):
    return [[None if np.isnan(v) else float(v) for v in row] for row in X]


def load(name, seed=0, missing=0.1):
    """A shuffled data set with `missing` of its training values set to NaN, and test rows: held-out
    rows, then the same rows with a third of their values missing."""
    loader = {"iris": datasets.load_iris, "wine": datasets.load_wine, "cancer": datasets.load_breast_cancer,
              "diabetes": datasets.load_diabetes}[name]
    X, y = loader(return_X_y=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    X, y = X[order].copy(), y[order]
    split = int(len(y) * 0.7)
    train = X[:split].copy()
    train[rng.random(train.shape) < missing] = np.nan
    held = X[split:]
    holes = held.copy()
    holes[rng.random(holes.shape) < 0.33] = np.nan
    return train, y[:split], np.vstack([held, holes])


def special_rows(X, thresholds, huge=()):
    """Rows with one value set to a split threshold (and its float32/float64 neighbours), then rows
    of one special value everywhere (`huge`: values past float32, which LightGBM takes and XGBoost's
    DMatrix refuses, as evserve then does with a 422)."""
    rows = []
    base = np.nan_to_num(X[0]).tolist()
    for feature, threshold in thresholds[:60]:
        t32 = np.float32(threshold)
        for value in (threshold, float(t32), float(np.nextafter(t32, np.float32(-np.inf))), float(np.nextafter(t32, np.float32(np.inf))),
                      float(np.nextafter(threshold, -np.inf)), float(np.nextafter(threshold, np.inf))):
            row = list(base)
            row[feature] = value
            rows.append(row)
    for value in (0.0, -0.0, 1e-36, -1e-36, 1.0000000180025095e-35, -1.0000000180025095e-35, 5e-324, -5e-324,
                  1.4e-45, -0.5, 0.5, 2.7, 3.4028234e38, -3.4028234e38, 1e30, -1e30, *huge):
        rows.append([value] * len(base))
    return np.array(rows, dtype=np.float64)


def xgboost_thresholds(path):
    document = json.loads(pathlib.Path(path).read_text())
    found = []
    booster = document["learner"]["gradient_booster"]
    for tree in booster.get("model", booster.get("gbtree", {}).get("model"))["trees"][:4]:
        for node, (left, feature, condition) in enumerate(zip(tree["left_children"], tree["split_indices"], tree["split_conditions"])):
            if left != -1 and tree["split_type"][node] == 0:
                found.append((feature, float(condition)))
    return found


def lightgbm_thresholds(path):
    found = []
    features = None
    for line in pathlib.Path(path).read_text().splitlines():
        if line.startswith("split_feature="):
            features = [int(v) for v in line.split("=", 1)[1].split()]
        elif line.startswith("threshold=") and features is not None:
            found.extend(zip(features, (float(v) for v in line.split("=", 1)[1].split())))
            if len(found) > 60:
                break
    return found


def compare_predict(model_file, X, expected, *, proba=None, labels=None):
    """Serves `model_file`, posts X (NaN as null) in chunks and checks /predict (and /predict_proba)."""
    with running_evserve("--model", str(model_file)) as (url, _):
        got = []
        for start in range(0, len(X), 500):
            status, body = post(url, "/predict", {"X": as_json_rows(X[start:start + 500])})
            assert status == 200, body
            got.extend(body["y"])
        # A few rows at a time take the few-rows paths (32 trees at once on byte lanes for one or two rows,
        # or one row's trees walked together), which the calls of 500 rows do not.
        for start, count in [(0, 1), (1, 1), (2, 2), (4, 2), (6, 3), (9, 47)]:
            status, body = post(url, "/predict", {"X": as_json_rows(X[start:start + count])})
            assert status == 200, body
            assert body["y"] == got[start:start + count], (start, count)
        if labels is not None:
            assert got == [int(v) for v in labels]
        else:
            got = np.array(got, dtype=np.float64)
            want = np.asarray(expected, dtype=np.float64)
            assert got.shape == want.shape
            mismatched = np.flatnonzero((got != want).reshape(len(X), -1).any(axis=1))
            assert mismatched.size == 0, f"{mismatched.size} of {len(X)} rows differ, e.g. row {mismatched[0]}: {got[mismatched[0]]} != {want[mismatched[0]]}"
        if proba is not None:
            status, body = post(url, "/predict_proba", {"X": as_json_rows(X)})
            assert status == 200, body
            assert np.array_equal(np.array(body["y"], dtype=np.float64), np.asarray(proba, dtype=np.float64))


# ---------------------------------------------------------------- XGBoost

XGB_CASES = {
    # name: (data set, params, rounds, target transform)
    "squarederror": ("diabetes", {"objective": "reg:squarederror", "max_depth": 6}, 60, None),
    "absoluteerror": ("diabetes", {"objective": "reg:absoluteerror", "max_depth": 4}, 40, None),
    "pseudohuber": ("diabetes", {"objective": "reg:pseudohubererror", "max_depth": 4}, 40, None),
    "reg_logistic": ("diabetes", {"objective": "reg:logistic", "max_depth": 4}, 40, lambda y: (y - y.min()) / (y.max() - y.min())),
    "binary_logistic": ("cancer", {"objective": "binary:logistic", "max_depth": 4}, 80, None),
    "binary_logitraw": ("cancer", {"objective": "binary:logitraw", "max_depth": 3}, 30, None),
    "softprob": ("wine", {"objective": "multi:softprob", "num_class": 3, "max_depth": 3}, 40, None),
    "softmax": ("iris", {"objective": "multi:softmax", "num_class": 3, "max_depth": 3}, 20, None),
    # Deeper trees of several raw scores: on CPUs without AVX-512, DeepLanes (one score's trees at a time).
    "softprob_deep": ("wine", {"objective": "multi:softprob", "num_class": 3, "max_depth": 6, "min_child_weight": 0}, 30, None),
    "poisson": ("diabetes", {"objective": "count:poisson", "max_depth": 4}, 40, lambda y: np.round(y / 25)),
    "gamma": ("diabetes", {"objective": "reg:gamma", "max_depth": 4}, 40, None),
    "tweedie": ("diabetes", {"objective": "reg:tweedie", "max_depth": 4}, 40, None),
    "deep": ("diabetes", {"objective": "reg:squarederror", "max_depth": 12, "min_child_weight": 0}, 3, None),
    "many_trees": ("cancer", {"objective": "binary:logistic", "max_depth": 2, "eta": 0.05}, 2000, None),
    "dart": ("diabetes", {"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.2, "max_depth": 3}, 20, None),
}


@pytest.mark.parametrize("suffix", ["json", "ubj"])
@pytest.mark.parametrize("case", sorted(XGB_CASES))
def test_xgboost_booster_predict(case, suffix, tmp_path):
    """A Booster's file serves what Booster.predict returns (float32, as float64), for each objective."""
    data, params, rounds, target = XGB_CASES[case]
    X, y, test = load(data)
    booster = xgb.train({**params, "seed": 1}, xgb.DMatrix(X, target(y) if target else y), rounds)
    path = tmp_path / f"{case}.{suffix}"
    booster.save_model(str(path))
    json_path = tmp_path / f"{case}.json"
    booster.save_model(str(json_path))
    rows = np.vstack([test, special_rows(test, xgboost_thresholds(json_path))])
    compare_predict(path, rows, booster.predict(xgb.DMatrix(rows)))


def wide_rows(rng, count, features=300, used=40):
    """Rows of `features` values of which only the last `used` vary (the rest are 0), so that a model's
    trees split on features past 255 only, and on more of them than 32."""
    X = np.zeros((count, features))
    X[:, -used:] = rng.normal(size=(count, used))
    return X


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_trees_on_features_past_255_of_300(library, tmp_path):
    """A model of 300 features whose trees use only the last 40 (deep enough for the few-rows byte lanes
    where AVX-512 does not run, each used feature a rank slot: one lost its feature number past 255 and
    the server died loading the file) serves what the library predicts."""
    rng = np.random.default_rng(5)
    X = wide_rows(rng, 3000)
    y = X[:, -40:] @ rng.normal(size=40) + rng.normal(size=3000)
    rows = wide_rows(rng, 300)
    if library == "xgboost":
        booster = xgb.train({"max_depth": 6, "seed": 1}, xgb.DMatrix(X, y), 60)
        path = tmp_path / "wide.json"
        expected = booster.predict(xgb.DMatrix(rows))
    else:
        booster = lgb.train({"objective": "regression", "num_leaves": 31, "verbose": -1, "seed": 1}, lgb.Dataset(X, y), 60)
        path = tmp_path / "wide.txt"
        expected = booster.predict(rows)
    booster.save_model(str(path))
    compare_predict(path, rows, expected)


def test_xgboost_categorical_splits(tmp_path):
    """Categorical splits: a category in the set goes right, others (and negative ones) left; NaN by default_left."""
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.integers(0, 40, 3000), rng.normal(size=3000), rng.integers(0, 5, 3000)]).astype(np.float64)
    y = np.sin(X[:, 0]) * 3 + X[:, 1] + (X[:, 2] == 2)
    X[rng.random(X.shape) < 0.1] = np.nan
    train = xgb.DMatrix(X, y, feature_types=["c", "q", "c"], enable_categorical=True)
    booster = xgb.train({"max_depth": 5, "max_cat_to_onehot": 1, "tree_method": "hist"}, train, 30)
    path = tmp_path / "categorical.ubj"
    booster.save_model(str(path))
    test = np.column_stack([rng.integers(-2, 45, 800), rng.normal(size=800), rng.integers(-1, 7, 800)]).astype(np.float64)
    test[rng.random(test.shape) < 0.1] = np.nan
    test = np.vstack([test, [[2.7, 0.1, 2.5], [-0.5, 0, -0.5], [39.9, 0, 4.99], [1e9, 0, 0]]])
    dtest = xgb.DMatrix(test, feature_types=["c", "q", "c"], enable_categorical=True)
    compare_predict(path, test, booster.predict(dtest))


def test_xgboost_classifier_labels_and_probabilities(tmp_path):
    """XGBClassifier's file: /predict answers its labels, /predict_proba its probabilities (binary and multiclass)."""
    for data in ("cancer", "wine"):
        X, y, test = load(data)
        model = xgb.XGBClassifier(n_estimators=40, max_depth=3).fit(X, y)
        path = tmp_path / f"classifier-{data}.json"
        model.save_model(str(path))
        compare_predict(path, test, None, labels=model.predict(test), proba=model.predict_proba(test))


def test_xgboost_regressor_with_early_stopping_uses_best_iteration(tmp_path):
    """XGBRegressor with early stopping predicts with the rounds up to best_iteration; so does evserve."""
    X, y, test = load("diabetes")
    model = xgb.XGBRegressor(n_estimators=300, max_depth=4, learning_rate=0.3, early_stopping_rounds=5)
    model.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])], verbose=False)
    assert model.best_iteration < 299
    path = tmp_path / "early.json"
    model.save_model(str(path))
    expected = model.predict(test)
    assert not np.array_equal(expected, model.get_booster().predict(xgb.DMatrix(test)))
    compare_predict(path, test, expected)


def test_xgboost_v2_infer_matches_predict(tmp_path):
    """The v2 infer route answers a multiclass Booster's probability rows, as /predict does."""
    X, y, test = load("iris")
    booster = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 3}, xgb.DMatrix(X, y), 20)
    path = tmp_path / "iris.ubj"
    booster.save_model(str(path))
    expected = booster.predict(xgb.DMatrix(test)).astype(np.float64)
    with running_evserve("--model", str(path)) as (url, _):
        body = {"inputs": [{"name": "input-0", "shape": list(test.shape), "datatype": "FP64", "data": as_json_rows(test)}]}
        status, answer = post(url, "/v2/models/iris/infer", body)
        assert status == 200, answer
        output = answer["outputs"][0]
        assert output["shape"] == [len(test), 3]
        assert np.array_equal(np.array(output["data"], dtype=np.float64).reshape(-1, 3), expected)


def ranking_groups(rows, size=20):
    """Query groups of `size` rows (the last one shorter), as the ranking objectives need."""
    return [size] * (rows // size) + ([rows % size] if rows % size else [])


def xgboost_training_data(objective, X, y):
    """A DMatrix for `objective`: relevance grades and query groups for ranking, interval-censored
    bounds for survival:aft, positive survival times for survival:cox."""
    if objective.startswith("rank:"):
        cuts = [np.median(y)] if objective == "rank:map" else np.quantile(y, [0.25, 0.5, 0.75])  # map: binary relevance
        matrix = xgb.DMatrix(X, np.digitize(y, cuts))
        matrix.set_group(ranking_groups(len(y)))
        return matrix
    if objective == "survival:aft":
        matrix = xgb.DMatrix(X)
        matrix.set_float_info("label_lower_bound", y)
        matrix.set_float_info("label_upper_bound", np.where(np.arange(len(y)) % 3 == 0, np.inf, y))
        return matrix
    return xgb.DMatrix(X, y)


XGB_MORE_OBJECTIVES = {
    # objective: extra parameters
    "reg:squaredlogerror": {},
    "reg:quantileerror": {"quantile_alpha": 0.3},
    "survival:cox": {},
    "survival:aft": {"aft_loss_distribution": "logistic", "aft_loss_distribution_scale": 1.2},
    "rank:pairwise": {},
    "rank:ndcg": {},
    "rank:map": {},
}


@pytest.mark.parametrize("objective", sorted(XGB_MORE_OBJECTIVES))
def test_xgboost_regression_ranking_and_survival_objectives(objective, tmp_path):
    """Squared log error, one-quantile, survival (Cox, AFT) and ranking Boosters serve Booster.predict
    bit for bit: the margin itself, or its exp for the survival objectives."""
    X, y, test = load("diabetes")
    booster = xgb.train({"objective": objective, "max_depth": 4, "seed": 1, **XGB_MORE_OBJECTIVES[objective]},
                        xgboost_training_data(objective, X, y), 40)
    path = tmp_path / "model.ubj"
    booster.save_model(str(path))
    booster.save_model(str(tmp_path / "model.json"))
    rows = np.vstack([test, special_rows(test, xgboost_thresholds(tmp_path / "model.json"))])
    compare_predict(path, rows, booster.predict(xgb.DMatrix(rows)))


def test_xgboost_several_quantiles_are_refused(tmp_path):
    """reg:quantileerror with several quantile_alpha is a multi-target model: refused, saying so."""
    X, y, _ = load("diabetes")
    booster = xgb.train({"objective": "reg:quantileerror", "quantile_alpha": [0.2, 0.8]}, xgb.DMatrix(X, y), 5)
    path = tmp_path / "quantiles.json"
    booster.save_model(str(path))
    refused(path, '"learner.learner_model_param.num_target" is 2 (reg:quantileerror); multi-target models')


def test_xgboost_unsupported_objective_names_it_and_the_supported_ones(tmp_path):
    """An objective evserve does not serve (binary:hinge) is refused in one line naming it and listing the supported ones."""
    X, y, _ = load("cancer")
    booster = xgb.train({"objective": "binary:hinge"}, xgb.DMatrix(X, y), 5)
    path = tmp_path / "hinge.ubj"
    booster.save_model(str(path))
    refused(path, '"binary:hinge"')
    refused(path, '"reg:squarederror"')
    refused(path, '"survival:aft"')


def multiclass_files(tmp_path):
    """Multiclass model files (name: path, expected /predict rows, expected /predict_proba rows or None)
    on the wine data (3 classes): native Boosters of both libraries, and XGBClassifier's file."""
    X, y, test = load("wine")
    files = {}
    for name, objective in (("xgb-softprob", "multi:softprob"), ("xgb-softmax", "multi:softmax")):
        booster = xgb.train({"objective": objective, "num_class": 3, "max_depth": 3}, xgb.DMatrix(X, y), 10)
        booster.save_model(str(tmp_path / f"{name}.ubj"))
        files[name] = (tmp_path / f"{name}.ubj", booster.predict(xgb.DMatrix(test)), None)
    for name, objective in (("lgb-multiclass", "multiclass"), ("lgb-multiclassova", "multiclassova")):
        booster = lgb.train({"objective": objective, "num_class": 3, "num_leaves": 7, "verbose": -1}, lgb.Dataset(X, y), 10)
        booster.save_model(str(tmp_path / f"{name}.txt"))
        files[name] = (tmp_path / f"{name}.txt", booster.predict(test), None)
    classifier = xgb.XGBClassifier(n_estimators=10, max_depth=3).fit(X, y)
    classifier.save_model(str(tmp_path / "xgb-classifier.json"))
    files["xgb-classifier"] = (tmp_path / "xgb-classifier.json", classifier.predict(test), classifier.predict_proba(test))
    return files, test


def test_v2_metadata_shapes_are_the_infer_shapes(tmp_path):
    """GET /v2/models/{name} describes a multiclass Booster's `predict` as [-1, 3] (a softmax's labels
    as [-1]) and a classifier's `predict_proba` as [-1, 3]; tritonclient's infer answers those shapes,
    with the library's values."""
    triton = pytest.importorskip("tritonclient.http")
    files, test = multiclass_files(tmp_path)
    predict_shapes = {"xgb-softprob": [-1, 3], "xgb-softmax": [-1], "lgb-multiclass": [-1, 3],
                      "lgb-multiclassova": [-1, 3], "xgb-classifier": [-1]}
    for name, (path, expected, expected_proba) in files.items():
        with running_evserve("--model", str(path)) as (url, _):
            client = triton.InferenceServerClient(url.removeprefix("http://"))
            outputs = {output["name"]: output for output in client.get_model_metadata(name)["outputs"]}
            assert outputs["predict"]["shape"] == predict_shapes[name], name
            assert ("predict_proba" in outputs) == (expected_proba is not None)
            if expected_proba is not None:
                assert outputs["predict_proba"] == {"name": "predict_proba", "datatype": "FP64", "shape": [-1, 3]}
            tensor = triton.InferInput("input-0", list(test.shape), "FP64")
            tensor.set_data_from_numpy(test)
            result = client.infer(name, [tensor], outputs=[triton.InferRequestedOutput(o) for o in outputs])
            for output, want in (("predict", expected), ("predict_proba", expected_proba)):
                if want is None:
                    continue
                got = result.as_numpy(output)
                assert [len(test), *outputs[output]["shape"][1:]] == list(got.shape), (name, output)
                assert np.array_equal(got.astype(np.float64), np.asarray(want, dtype=np.float64)), (name, output)
            client.close()


OLD_FILES = pathlib.Path(__file__).resolve().parent / "fixtures" / "xgboost-1.7"


@pytest.mark.parametrize("name", ["reg17.json", "reg17.ubj", "bin17.json", "bin17.ubj", "multi17.json", "multi17.ubj",
                                  "poisson17.json", "poisson17.ubj"])
def test_xgboost_1_7_files_still_read(name):
    """Files written by xgboost 1.7 (scalar base_score, no iteration_indptr) serve what the pinned
    xgboost predicts from the same file (which equals 1.7's own predictions: fixtures/xgboost-1.7/make_files.py)."""
    data = {"reg17": "diabetes", "poisson17": "diabetes", "bin17": "cancer", "multi17": "iris"}[name.split(".")[0]]
    _, _, test = load(data)
    booster = xgb.Booster(model_file=str(OLD_FILES / name))
    compare_predict(OLD_FILES / name, test, booster.predict(xgb.DMatrix(test)))


# ---------------------------------------------------------------- LightGBM

LGB_CASES = {
    "regression": ("diabetes", {"objective": "regression"}, None),
    "regression_l1": ("diabetes", {"objective": "regression_l1"}, None),
    "huber": ("diabetes", {"objective": "huber"}, None),
    "fair": ("diabetes", {"objective": "fair"}, None),
    "quantile": ("diabetes", {"objective": "quantile", "alpha": 0.8}, None),
    "poisson": ("diabetes", {"objective": "poisson"}, lambda y: np.round(y / 25)),
    "gamma": ("diabetes", {"objective": "gamma"}, None),
    "tweedie": ("diabetes", {"objective": "tweedie"}, None),
    "binary": ("cancer", {"objective": "binary"}, None),
    "binary_sigmoid": ("cancer", {"objective": "binary", "sigmoid": 0.7}, None),
    "multiclass": ("wine", {"objective": "multiclass", "num_class": 3}, None),
    "multiclassova": ("wine", {"objective": "multiclassova", "num_class": 3}, None),
    "cross_entropy": ("diabetes", {"objective": "cross_entropy"}, lambda y: (y - y.min()) / (y.max() - y.min())),
    "cross_entropy_lambda": ("diabetes", {"objective": "cross_entropy_lambda"}, lambda y: (y - y.min()) / (y.max() - y.min())),
    "zero_as_missing": ("diabetes", {"objective": "regression", "zero_as_missing": True}, None),
    "no_missing": ("diabetes", {"objective": "regression", "use_missing": False}, None),
    "random_forest": ("diabetes", {"objective": "regression", "boosting": "rf", "bagging_fraction": 0.7, "bagging_freq": 1}, None),
    "deep": ("diabetes", {"objective": "regression", "num_leaves": 400, "max_depth": 12, "min_data_in_leaf": 1}, None),
}


@pytest.mark.parametrize("case", sorted(LGB_CASES))
def test_lightgbm_booster_predict(case, tmp_path):
    """A LightGBM text model serves what Booster.predict returns, for each objective and missing-value mode."""
    data, params, target = LGB_CASES[case]
    X, y, test = load(data)
    if case == "zero_as_missing":
        X[np.random.default_rng(5).random(X.shape) < 0.2] = 0.0
    booster = lgb.train({**params, "num_leaves": params.get("num_leaves", 15), "verbose": -1, "seed": 1},
                        lgb.Dataset(X, target(y) if target else y), 60)
    path = tmp_path / f"{case}.txt"
    booster.save_model(str(path))
    rows = np.vstack([test, special_rows(test, lightgbm_thresholds(path), huge=(1e39, -1e39, 1e300, -1e300))])
    compare_predict(path, rows, booster.predict(rows))


@pytest.mark.parametrize("objective", ["lambdarank", "rank_xendcg"])
def test_lightgbm_ranking_objectives(objective, tmp_path):
    """lambdarank and rank_xendcg Boosters serve Booster.predict's raw scores, == on float64."""
    X, y, test = load("diabetes")
    grades = np.digitize(y, np.quantile(y, [0.25, 0.5, 0.75]))
    booster = lgb.train({"objective": objective, "num_leaves": 15, "verbose": -1, "seed": 1},
                        lgb.Dataset(X, grades, group=ranking_groups(len(y))), 40)
    path = tmp_path / f"{objective}.txt"
    booster.save_model(str(path))
    assert f"objective={objective}" in path.read_text()
    rows = np.vstack([test, special_rows(test, lightgbm_thresholds(path))])
    compare_predict(path, rows, booster.predict(rows))


def test_lightgbm_custom_objective_is_refused(tmp_path):
    """A model trained with a Python objective function (objective=custom) is refused in one line naming
    it and listing the supported objectives."""
    X, y, _ = load("diabetes")

    def squared(predictions, data):
        return predictions - data.get_label(), np.ones_like(predictions)

    booster = lgb.train({"objective": squared, "verbose": -1}, lgb.Dataset(X, y), 5)
    path = tmp_path / "custom.txt"
    booster.save_model(str(path))
    refused(path, '"objective" is absent (a custom objective function); supported: regression')
    refused(path, "lambdarank, rank_xendcg")


def test_lightgbm_categorical_splits(tmp_path):
    """cat_threshold bitsets: in the set goes left; NaN, negative and unseen categories right; −0.5 is category 0."""
    rng = np.random.default_rng(4)
    X = np.column_stack([rng.integers(0, 60, 4000), rng.normal(size=4000), rng.integers(0, 4, 4000)]).astype(np.float64)
    y = np.sin(X[:, 0]) * 3 + X[:, 1] + (X[:, 2] == 1)
    X[rng.random(X.shape) < 0.1] = np.nan
    booster = lgb.train({"objective": "regression", "verbose": -1, "min_data_per_group": 5, "cat_smooth": 1},
                        lgb.Dataset(X, y, categorical_feature=[0, 2]), 40)
    path = tmp_path / "categorical.txt"
    booster.save_model(str(path))
    assert "num_cat=0" not in path.read_text().split("Tree=0", 1)[1].split("Tree=1", 1)[0]
    test = np.column_stack([rng.integers(-3, 70, 1000), rng.normal(size=1000), rng.integers(-1, 6, 1000)]).astype(np.float64)
    test[rng.random(test.shape) < 0.1] = np.nan
    test = np.vstack([test, [[-0.5, 0, -0.5], [2.7, 0, 1.9], [1e10, 0, -1e10], [31.5, 0, 0], [32, 0, 3]]])
    compare_predict(path, test, booster.predict(test))


def test_lightgbm_classifier_file_serves_as_booster(tmp_path):
    """LGBMClassifier writes the Booster's text (no classes_ in it): /predict answers Booster.predict."""
    X, y, test = load("iris")
    model = lgb.LGBMClassifier(n_estimators=30, num_leaves=7, verbose=-1).fit(X, y)
    path = tmp_path / "iris.txt"
    model.booster_.save_model(str(path))
    compare_predict(path, test, model.booster_.predict(test))
    assert np.array_equal(model.booster_.predict(test), model.predict_proba(test))


def test_rows_keyed_by_feature_name(tmp_path):
    """Feature names in the file (LightGBM always writes them, XGBoost when given) allow rows as objects."""
    X, y, test = load("diabetes")
    names = [f"f{i}" for i in range(X.shape[1])]
    files = {"lgb.txt": lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(X, y, feature_name=names), 20),
             "xgb.ubj": xgb.train({"max_depth": 3}, xgb.DMatrix(X, y, feature_names=names), 20)}
    for file, booster in files.items():
        booster.save_model(str(tmp_path / file))
        expected = booster.predict(test[:6]) if file.endswith("txt") else booster.predict(xgb.DMatrix(test[:6], feature_names=names))
        keyed = [{name: (None if np.isnan(v) else float(v)) for name, v in zip(names, row)} for row in test[:6]]
        keyed[1] = dict(reversed(list(keyed[1].items())))
        with running_evserve("--model", str(tmp_path / file)) as (url, _):
            status, answer = post(url, "/predict", {"X": keyed})
            assert status == 200, answer
            assert np.array_equal(np.array(answer["y"], dtype=np.float64), np.asarray(expected, dtype=np.float64))


def test_lightgbm_linear_tree_is_refused(tmp_path):
    """A linear-tree model is refused with a clear reason and exit status 1."""
    X, y, _ = load("diabetes", missing=0)
    booster = lgb.train({"objective": "regression", "linear_tree": True, "verbose": -1}, lgb.Dataset(X, y), 5)
    path = tmp_path / "linear.txt"
    booster.save_model(str(path))
    refused(path, "linear trees")


# ---------------------------------------------------------------- damaged files

def refused(path, fragment):
    import subprocess
    from evserve_server import evserve_binary
    result = subprocess.run([evserve_binary(), "--port", "0", "--model", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "critical" in lines[-1] and fragment in lines[-1], result.stderr


@pytest.mark.parametrize("suffix", ["json", "ubj", "txt"])
def test_truncated_files_are_refused(suffix, tmp_path):
    """A file cut anywhere is refused with the reason and exit status 1, never served or crashed on."""
    X, y, _ = load("diabetes")
    full = tmp_path / f"full.{suffix}"
    if suffix == "txt":
        lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(X, y), 5).save_model(str(full))
    else:
        xgb.train({"max_depth": 3}, xgb.DMatrix(X, y), 5).save_model(str(full))
    data = full.read_bytes()
    # LightGBM's model ends at "end of trees" (importances and parameters follow, unread).
    end = data.index(b"end of trees") if suffix == "txt" else len(data)
    for cut in (1, 7, end // 3, end // 2, end - 30, end - 1):
        damaged = tmp_path / f"cut{cut}.{suffix}"
        damaged.write_bytes(data[:cut])
        refused(damaged, "model file")
