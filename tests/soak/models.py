"""The models the soak serves, the broken files it swaps in, and how files are put in the repository.

Two models: `boston` (the reference model as `evserve --save-model` writes it, in three variants whose
predictions all differ: A, and A with its base value moved by 100 and by 200) in versions 1 and 2, and
`iris` (a RandomForestClassifier with string labels, exported with tools/export_sklearn.py) in version 1.
Every 200 the soak gets can so be traced to the variant that made it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BOSTON_FEATURES = 13
IRIS_FEATURES = 4

BOSTON_VARIANTS = ("A", "B", "C")
# Files that must fail to load, each for another reason; "directory" and "unreadable" are made on disk.
BROKEN_CONTENTS = {
    "truncated": b'{"format": "evserve.trees", "version": 2',
    "garbage": b"not a model at all",
    "empty": b"",
}


def make_model_files(folder: Path, evserve: str) -> dict[str, bytes]:
    """The model files by variant name: boston-A/B/C and iris."""
    folder.mkdir(parents=True, exist_ok=True)
    reference = folder / "boston-A.json"
    subprocess.run([evserve, "--save-model", str(reference)], check=True, timeout=300,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    a = reference.read_bytes()
    files = {"boston-A": a}
    for name, shift in (("boston-B", 100.0), ("boston-C", 200.0)):
        document = json.loads(a)
        document["base"] = [document["base"][0] + shift]
        files[name] = json.dumps(document).encode()
    files["iris"] = export_iris(folder / "iris.json")
    return files


def export_iris(path: Path) -> bytes:
    """A RandomForestClassifier on iris with string labels, written by tools/export_sklearn.py."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from export_sklearn import export_model\n"
        "from sklearn.datasets import load_iris\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "data = load_iris()\n"
        "labels = data.target_names[data.target]\n"
        "export_model(RandomForestClassifier(n_estimators=50, random_state=0).fit(data.data, labels), sys.argv[2])\n"
    )
    subprocess.run([sys.executable, "-c", script, str(REPO / "tools"), str(path)], check=True, timeout=300)
    return path.read_bytes()


def boston_rows(count: int) -> list[list[float]]:
    """`count` rows of the reference data set, cycled, each pass shifted a little so rows differ."""
    lines = (REPO / "Sources/Inference/Data/boston_house_prices.csv").read_text().splitlines()[2:]
    data = [[float(v) for v in line.split(",")[:BOSTON_FEATURES]] for line in lines]
    return [[v * (1 + 0.01 * (i // len(data))) for v in data[i % len(data)]] for i in range(count)]


def iris_rows(count: int) -> list[list[float]]:
    base = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5], [6.3, 2.5, 4.9, 1.5]]
    return [[v + 0.1 * (i // len(base)) for v in base[i % len(base)]] for i in range(count)]


def version_path(repository: Path, model: str, version: int) -> Path:
    return repository / model / str(version) / "model.json"


def install(repository: Path, model: str, version: int, content: bytes) -> None:
    """Puts `content` in place atomically (written in a hidden staging folder, then renamed), as a deploy
    tool should; a directory left where the file goes (the "directory" fault) is removed first."""
    target = version_path(repository, model, version)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        target.rmdir()
    staging = repository / ".staging"
    staging.mkdir(exist_ok=True)
    temporary = staging / f"{model}-{version}"
    temporary.write_bytes(content)
    os.replace(temporary, target)


def install_directory(repository: Path, model: str, version: int) -> None:
    """A directory where the model file should be: the version directory then holds no model file."""
    target = version_path(repository, model, version)
    if target.exists() and not target.is_dir():
        target.unlink()
    target.mkdir(exist_ok=True)
