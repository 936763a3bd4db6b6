"""The seed's FastAPI server: the body is validated by a pydantic model, as in the seed.

The handlers are `async def` so they run on the event loop: a plain `def` would add a hop to the
thread pool per request and only make FastAPI slower here (prediction is short and holds the GIL).
"""
from __future__ import annotations

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel

from model import train

app = FastAPI()
model = train()


class Observation(BaseModel):
    X: list[list[float]]


@app.get("/")
async def index():
    return {"message": "Boston house prices: POST /predict"}


@app.post("/predict")
async def predict(observation: Observation):
    return {"y": model.predict(np.asarray(observation.X, dtype=np.float64)).tolist()}
