"""The seed's Starlette server: FastAPI's core without validation or documentation."""
from __future__ import annotations

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from model import train

model = train()


async def index(request: Request) -> JSONResponse:
    return JSONResponse({"message": "Boston house prices: POST /predict"})


async def predict(request: Request) -> JSONResponse:
    X = (await request.json())["X"]
    return JSONResponse({"y": model.predict(np.asarray(X, dtype=np.float64)).tolist()})


app = Starlette(routes=[Route("/", index), Route("/predict", predict, methods=["POST"])])
