"""The seed's Flask server: GET / and POST /predict, run by gunicorn's sync worker (one worker)."""
from __future__ import annotations

import numpy as np
from flask import Flask, jsonify, request

from model import train

app = Flask(__name__)
model = train()


@app.get("/")
def index():
    return jsonify(message="Boston house prices: POST /predict")


@app.post("/predict")
def predict():
    X = request.get_json()["X"]
    return jsonify(y=model.predict(np.asarray(X, dtype=np.float64)).tolist())
