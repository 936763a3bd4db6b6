"""What evserve must answer where the oracle itself cannot answer properly.

FastAPI crashes with a plain-text 500 when a validation error's `input` holds NaN or an
infinity (its JSONResponse uses `allow_nan=False`), and when an echoed string holds a lone
surrogate (UTF-8 cannot encode it). evserve answers those with the 422 pydantic computed, written
as valid JSON: non-finite numbers become the strings "NaN", "Infinity", "-Infinity" (pydantic's
`ser_json_inf_nan="strings"`), lone surrogates become U+FFFD. This module computes that answer
from pydantic itself, the way FastAPI would have before rendering failed.
"""
from __future__ import annotations

import json
import math

from pydantic import ValidationError


def _finite_json(value):
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, list):
        return [_finite_json(v) for v in value]
    if isinstance(value, dict):
        return {_finite_json(k): _finite_json(v) for k, v in value.items()}
    return value


def render(content) -> bytes:
    """FastAPI's JSONResponse rendering, after making the content representable."""
    return json.dumps(_finite_json(content), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


def expected_422(model, body: bytes) -> bytes:
    """The 422 body FastAPI computes for a JSON body (one json.loads accepts) that fails `model`."""
    try:
        model.model_validate(json.loads(body))
    except ValidationError as error:
        detail = []
        for e in error.errors(include_url=False):
            item = {"type": e["type"], "loc": ["body", *e["loc"]], "msg": e["msg"], "input": e["input"]}
            if "ctx" in e:
                item["ctx"] = e["ctx"]
            detail.append(item)
        return render({"detail": detail})
    raise AssertionError("the body is valid: the oracle should not have failed")
