"""The oracle: a real FastAPI + pydantic 2 app serving the same model as evserve.

evserve's /predict must answer every body exactly as this app does (tests/test_differential.py),
apart from the documented deliberate differences. The request model is the issue's:

    class Observation(BaseModel):
        X: conlist(conlist(float, min_length=13, max_length=13), min_length=1)  # float: allow_inf_nan=False

The model file is an evserve model file (docs/model-format.md, format "evserve.trees"), named by
$ORACLE_MODEL. Predictions follow scikit-learn's `predict` for tree ensembles: X is cast to
float32, each tree is walked with `x <= threshold`, and gradient boosting adds
`learning_rate * leaf` to `init` tree by tree (RandomForest averages, a single tree is itself).

Run: ORACLE_MODEL=path/to/model.json uvicorn fastapi_oracle:app --app-dir tests/oracle --port 8001
"""
import json
import os
from typing import Annotated

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel, Field, conlist

with open(os.environ["ORACLE_MODEL"], encoding="utf-8") as model_file:
    MODEL = json.load(model_file)
N_FEATURES = MODEL["n_features"]

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class Observation(BaseModel):
    X: conlist(conlist(FiniteFloat, min_length=N_FEATURES, max_length=N_FEATURES), min_length=1)


def _leaf(tree: dict, row: np.ndarray) -> float:
    node = 0
    left, right = tree["children_left"], tree["children_right"]
    while left[node] != -1:
        node = left[node] if row[tree["feature"][node]] <= tree["threshold"][node] else right[node]
    return tree["value"][node]


def predict(rows: list) -> list:
    X = np.asarray(rows, dtype=np.float32)
    trees = MODEL["trees"]
    out = []
    for row in X:
        if MODEL["estimator"] == "GradientBoostingRegressor":
            raw = float(MODEL["init"])
            for tree in trees:
                raw += MODEL["learning_rate"] * _leaf(tree, row)
        elif MODEL["estimator"] == "RandomForestRegressor":
            raw = sum(_leaf(tree, row) for tree in trees) / len(trees)
        else:
            raw = _leaf(trees[0], row)
        out.append(raw)
    return out


app = FastAPI()


@app.get("/")
def index():
    return f"Serving a {MODEL['estimator']} model using FastAPI."


@app.post("/predict")
def predict_route(observation: Observation):
    return {"y": predict(observation.X)}
