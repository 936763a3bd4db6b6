"""What the batching suites share (tests/test_batching.py for /predict, tests/test_v2_batching.py for v2
infer): how many inferences the server has run, a classifier exported from iris, and the check that
connections pipelining the same requests at once each get their own answers."""
from __future__ import annotations

import re
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Callable

from evserve_server import REPO

DEADLINE = 30.0  # a debug build on a busy two-core machine


def inferences(server: str) -> int:
    """evserve_model_inferences_total summed over models: one per batch predicted."""
    text = urllib.request.urlopen(server + "/metrics", timeout=DEADLINE).read().decode()
    return sum(int(float(m)) for m in re.findall(r'^evserve_model_inferences_total\{[^}]*\} (\S+)$', text, re.M))


def iris_classifier(tmp_path: Path, kind: str):
    """(X, model file): a 10-tree classifier fitted on iris, exported for evserve. `kind` is
    gradient-boosting-multiclass (integer labels) or forest-string-labels (the species' names)."""
    from sklearn import datasets, ensemble
    sys.path.insert(0, str(REPO / "tools"))
    from export_sklearn import export_model

    X, y = datasets.load_iris(return_X_y=True)
    if kind == "gradient-boosting-multiclass":
        estimator = ensemble.GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)
    else:
        names = ["setosa", "versicolor", "virginica"]
        estimator = ensemble.RandomForestClassifier(n_estimators=10, random_state=0).fit(X, [names[c] for c in y])
    model = tmp_path / "model.json"
    export_model(estimator, model)
    return X, model


def assert_each_connection_gets_its_own(pipelined: Callable[[list[int]], list], alone: list, connections: int = 8):
    """`connections` clients pipeline every request at once, each in its own order (rotated, every
    other one reversed): each must get its own answers, in its own request order."""
    results: dict[int, list] = {}

    def client(k: int) -> None:
        order = list(range(len(alone)))
        order = order[k:] + order[:k]
        if k % 2:
            order.reverse()
        results[k] = [order, pipelined(order)]

    threads = [threading.Thread(target=client, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE * 2)
    assert sorted(results) == list(range(connections))
    for k, (order, answers) in results.items():
        assert answers == [alone[i] for i in order], f"connection {k}"
