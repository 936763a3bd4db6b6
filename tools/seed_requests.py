"""Replay the three requests of the Flask-vs-FastAPI comparison evserve started from against a running evserve:
GET /, POST /predict with two random rows, and two invalid bodies.

    python3 tools/seed_requests.py http://127.0.0.1:8000

The seed posts numpy.random.randn(2, 13) rows; a fixed seed keeps this replay repeatable.
"""
import json
import sys

import numpy as np
import requests

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
rng = np.random.default_rng(2020)

print(">>> requests.get(base + '/').json()")
print(repr(requests.get(base + "/").json()))

payload = {"X": rng.standard_normal((2, 13)).tolist()}
print(">>> requests.post(base + '/predict', json={'X': <2x13 random normals>}).json()")
print(repr(requests.post(base + "/predict", json=payload).json()))

payload = {"x": rng.standard_normal((2, 13)).tolist()}
r = requests.post(base + "/predict", json=payload)
print(">>> # 'x' instead of 'X'")
print(r.status_code, json.dumps(r.json())[:300] + (" ..." if len(json.dumps(r.json())) > 300 else ""))

payload = {"X": [["testing", "data", "validation"]]}
r = requests.post(base + "/predict", json=payload)
print(">>> # strings and a short row: " + json.dumps(payload))
print(r.status_code, json.dumps(r.json()))
