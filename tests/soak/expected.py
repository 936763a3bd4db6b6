"""The answers the soak holds the loaded server to, asked of a quiet evserve beforehand.

A second evserve, serving the same repository layout with nothing else to do, answers every template once
per boston variant. Its bodies are the exact bytes the soaked server must send: the soak checks that
answers stay those of the model version that made them under load, reloads and faults (that evserve's
predictions equal scikit-learn's is the job of tests/test_sklearn_models.py and its neighbours).
"""
from __future__ import annotations

import urllib.request
from pathlib import Path

from catalog import BOSTON_LATEST, BOSTON_V1, IRIS, Template
from models import BOSTON_VARIANTS, install
from wire import Connection

# expected[template name][variant] = body bytes, for valid templates; errors[template name] = (status, body).
Expected = dict[str, dict[str, bytes]]


def variant_of(key, boston_variant: str) -> str:
    return "iris" if key == IRIS else "boston-" + boston_variant


def ask_quiet_server(files: dict[str, bytes], templates: list[Template], folder: Path, started_evserve):
    """Returns (expected, errors): each valid template's body per variant, each invalid one's answer."""
    repository = folder / "quiet-repository"
    for version in (1, 2):
        install(repository, "boston", version, files["boston-A"])
    install(repository, "iris", 1, files["iris"])
    expected: Expected = {t.name: {} for t in templates if t.valid}
    errors: dict[str, tuple[int, bytes]] = {}
    with started_evserve("--model-repository", str(repository), "--default-model", "boston",
                         "--model-control", "explicit", admin=True) as server:
        port = int(server.url.rsplit(":", 1)[1])
        for variant in BOSTON_VARIANTS:
            for version in (1, 2):
                install(repository, "boston", version, files["boston-" + variant])
            request = urllib.request.Request(server.admin + "/v2/repository/models/boston/load", method="POST")
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200
            connection = Connection(port)
            for template in templates:
                response = connection.exchange(template.data)
                if template.valid:
                    if response.status != 200:
                        raise RuntimeError(f"quiet server: {template.name} answered {response.status}: {response.body[:300]!r}")
                    expected[template.name][variant_of(template.key, variant)] = response.body
                else:
                    if response.status != template.status:
                        raise RuntimeError(f"quiet server: {template.name} answered {response.status}, "
                                           f"expected {template.status}: {response.body[:300]!r}")
                    errors.setdefault(template.name, (response.status, response.body))
                if not connection.open:
                    connection = Connection(port)
            connection.close()
    for key in (BOSTON_V1, BOSTON_LATEST):
        for template in templates:
            if template.key == key and len(set(expected[template.name].values())) != len(BOSTON_VARIANTS):
                raise RuntimeError(f"the boston variants do not all answer {template.name} differently")
    return expected, errors
