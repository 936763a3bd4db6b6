"""FastAPI serving a pickled scikit-learn estimator (the bench's heavy model), and GET /healthz.

Like fastapi_app.py (pydantic body, `async def` handlers on the event loop) but the model comes from
the file named by BENCH_MODEL_PICKLE, written by bench/harness/heavy_model.py, so FastAPI and evserve
serve the same trees.
"""
from __future__ import annotations

import os
import pickle

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
with open(os.environ["BENCH_MODEL_PICKLE"], "rb") as f:
    model = pickle.load(f)


class Observation(BaseModel):
    X: list[list[float]]


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


@app.post("/predict")
async def predict(observation: Observation):
    return {"y": model.predict(np.asarray(observation.X, dtype=np.float64)).tolist()}
