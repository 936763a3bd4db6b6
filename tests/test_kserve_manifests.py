"""deploy/k8s's KServe manifests: the evserve ClusterServingRuntime and an InferenceService on it.

Both files are read into KServe's own resource classes (the `kserve` package's V1alpha1ClusterServingRuntime
and V1beta1InferenceService, with the Kubernetes classes they embed), field by field: every key must be
one the schema names, every value of the schema's type, every required field present (the classes refuse
None there). Then the runtime's container arguments are given to the real evserve on a model repository
laid out as KServe's storage initializer leaves /mnt/models, and the runtime's own probes must say ready.

Runs in tests/.venv-kserve (tests/kserve.mk), which has the kserve package; skipped elsewhere.
"""
from __future__ import annotations

import copy
import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

kserve_models = pytest.importorskip("kserve.models", reason="needs the kserve package: tests/.venv-kserve (make test-kserve)")
k8s = pytest.importorskip("kubernetes.client")
yaml = pytest.importorskip("yaml")

from evserve_server import REPO, evserve_binary, started_evserve  # noqa: E402

K8S = REPO / "deploy" / "k8s"
RUNTIME_FILE = K8S / "kserve-runtime.yaml"
SERVICE_FILE = K8S / "kserve-inferenceservice.yaml"
PRIMITIVES = {"str": (str,), "int": (int,), "bool": (bool,), "float": (int, float)}


class SchemaError(AssertionError):
    pass


def build(data, type_name: str, where: str):
    """`data` (parsed YAML) as an instance of the schema's `type_name`, checked on the way."""
    # kserve's classes write `list[X]` and `dict(str, X)`, the Kubernetes client's `List[X]` and `Dict[str, X]`.
    if type_name.startswith(("list[", "List[")):
        if not isinstance(data, list):
            raise SchemaError(f"{where}: expected a list, got {type(data).__name__}")
        return [build(item, type_name[5:-1], f"{where}[{i}]") for i, item in enumerate(data)]
    if type_name.startswith(("dict(", "Dict[")):
        if not isinstance(data, dict):
            raise SchemaError(f"{where}: expected a mapping, got {type(data).__name__}")
        value_type = type_name[5:-1].split(", ", 1)[1]
        return {key: build(value, value_type, f"{where}.{key}") for key, value in data.items()}
    if type_name == "object":  # IntOrString, free-form status: anything
        return data
    if type_name in PRIMITIVES:
        # YAML's `true` is a bool, and a bool is an int to Python: keep them apart.
        if not isinstance(data, PRIMITIVES[type_name]) or (type_name != "bool" and isinstance(data, bool)):
            raise SchemaError(f"{where}: expected {type_name}, got {data!r}")
        return data
    cls = getattr(kserve_models, type_name, None) or getattr(k8s, type_name)
    if not isinstance(data, dict):
        raise SchemaError(f"{where}: expected a {type_name} mapping, got {data!r}")
    known = {key: attr for attr, key in cls.attribute_map.items()}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise SchemaError(f"{where}: {type_name} has no field {', '.join(unknown)}")
    kwargs = {known[key]: build(value, cls.openapi_types[known[key]], f"{where}.{key}") for key, value in data.items()}
    try:
        return cls(**kwargs)
    except ValueError as e:  # a required field missing or an enum value outside the schema
        raise SchemaError(f"{where}: {e}") from e


def runtime_from(document: dict):
    return build(document, "V1alpha1ClusterServingRuntime", "ClusterServingRuntime")


def service_from(document: dict):
    return build(document, "V1beta1InferenceService", "InferenceService")


@pytest.fixture(scope="module")
def runtime_yaml() -> dict:
    return yaml.safe_load(RUNTIME_FILE.read_text())


@pytest.fixture(scope="module")
def service_yaml() -> dict:
    return yaml.safe_load(SERVICE_FILE.read_text())


def test_runtime_is_a_cluster_serving_runtime_for_v2_tree_models(runtime_yaml):
    """The runtime reads as KServe's ClusterServingRuntime: protocol v2, sklearn, xgboost and lightgbm
    auto-selected, and one container named kserve-container serving /mnt/models as a repository."""
    runtime = runtime_from(runtime_yaml)
    assert (runtime.api_version, runtime.kind) == ("serving.kserve.io/v1alpha1", "ClusterServingRuntime")
    assert runtime.metadata.name == "evserve"
    assert runtime.spec.protocol_versions == ["v2"]
    formats = {f.name for f in runtime.spec.supported_model_formats}
    assert formats == {"sklearn", "xgboost", "lightgbm"}
    assert all(f.auto_select and f.version for f in runtime.spec.supported_model_formats)
    [container] = runtime.spec.containers
    assert container.name == "kserve-container"
    assert "--model-repository=/mnt/models" in container.args
    assert [p.container_port for p in container.ports] == [8080]
    assert container.readiness_probe.http_get.path == "/v2/health/ready"


def test_inference_service_uses_the_runtime(runtime_yaml, service_yaml):
    """The InferenceService reads as KServe's V1beta1InferenceService and asks for what the runtime
    offers: its name, one of its model formats and versions, its protocol, and a storage URI."""
    runtime, service = runtime_from(runtime_yaml), service_from(service_yaml)
    assert (service.api_version, service.kind) == ("serving.kserve.io/v1beta1", "InferenceService")
    model = service.spec.predictor.model
    assert model.runtime == runtime.metadata.name
    assert (model.model_format.name, model.model_format.version) in {
        (f.name, f.version) for f in runtime.spec.supported_model_formats}
    assert model.protocol_version in runtime.spec.protocol_versions
    assert model.storage_uri


@pytest.mark.parametrize("damage, message", [
    (lambda d: d["spec"].pop("containers"), "containers"),
    (lambda d: d["spec"].update(supportedModelFormat=d["spec"].pop("supportedModelFormats")), "no field supportedModelFormat"),
    (lambda d: d["spec"].update(protocolVersions="v2"), "expected a list"),
    (lambda d: d["spec"]["supportedModelFormats"][0].update(autoSelect="yes"), "expected bool"),
    (lambda d: d["spec"]["containers"][0].pop("name"), "name"),
    (lambda d: d["spec"]["containers"][0]["ports"][0].update(containerPort="8080"), "expected int"),
])
def test_the_check_refuses_what_kserve_would(runtime_yaml, damage, message):
    """The check is the schema's: a missing required field, a misspelt field or a value of the wrong
    type in the runtime is refused, with where it is."""
    document = copy.deepcopy(runtime_yaml)
    damage(document)
    with pytest.raises(SchemaError, match=message):
        runtime_from(document)


def test_runtime_arguments_serve_a_repository_with_evserve(runtime_yaml, service_yaml, tmp_path):
    """evserve started with the runtime container's arguments, on a repository laid out as the storage
    initializer leaves /mnt/models (here on loopback and a free port), answers the runtime's readiness
    and liveness probes and serves the InferenceService's model over v2."""
    container = runtime_yaml["spec"]["containers"][0]
    name = service_yaml["metadata"]["name"]
    (tmp_path / name / "1").mkdir(parents=True)
    subprocess.run([evserve_binary(), "--save-model", str(tmp_path / name / "1" / "model.json")], check=True,
                   timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Loopback and a free port (started_evserve sets both); the rest exactly as the manifest writes it.
    args = [a.replace("/mnt/models", str(tmp_path)) for a in container["args"]
            if not a.startswith(("--host=", "--port="))]
    assert len(args) == len(container["args"]) - 2
    with started_evserve(*args, wait_ready=False) as server:
        probe = server.url + container["readinessProbe"]["httpGet"]["path"]
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(probe, timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline and server.proc.poll() is None, "".join(server.log)
            time.sleep(0.1)
        with urllib.request.urlopen(server.url + container["livenessProbe"]["httpGet"]["path"], timeout=5) as r:
            assert r.status == 200
        body = {"inputs": [{"name": "input-0", "shape": [1, 13], "datatype": "FP64",
                            "data": [0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98]}]}
        request = urllib.request.Request(f"{server.url}/v2/models/{name}/infer", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            answer = json.loads(r.read())
        assert answer["model_name"] == name and answer["model_version"] == "1"
        assert answer["outputs"][0]["name"] == "predict" and len(answer["outputs"][0]["data"]) == 1
