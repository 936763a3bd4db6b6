"""What the numbers were measured on: machine, kernel, tool and package versions, evserve's commit."""
from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from .paths import LOCUST_VENV, REPO

PYTHON_PACKAGES = ["flask", "gunicorn", "fastapi", "starlette", "uvicorn", "uvicorn-worker", "uvloop",
                   "httptools", "scikit-learn", "numpy"]


def cpu_model() -> str:
    """The CPU's name, family and model, and whether it has AVX-512: a virtual machine's name alone can
    be as vague as "AMD EPYC", and the tree kernels take other paths with and without AVX-512."""
    fields: dict[str, str] = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if not line.strip():
            break  # the first processor's block is enough
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    name = fields.get("model name") or platform.processor() or "unknown"
    details = [f"family {fields['cpu family']} model {fields['model']}"] if "cpu family" in fields and "model" in fields else []
    if "flags" in fields:
        details.append("AVX-512" if "avx512f" in fields["flags"].split() else "no AVX-512")
    return f"{name} ({', '.join(details)})" if details else name


def machine() -> str:
    """The CPU and how many cores this process may see: what every results file names."""
    return f"{cpu_model()}, {os.cpu_count()} cores"


def first_line(argv: list[str]) -> str:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except OSError:
        return "missing"
    return ((p.stdout or "") + (p.stderr or "")).strip().splitlines()[0] if (p.stdout or p.stderr) else "?"


def evserve_commit() -> str:
    """The checked-out commit, read from .git's files (no git process)."""
    git = REPO / ".git"
    try:
        if git.is_file():  # a worktree: .git names its own folder, whose commondir holds the refs
            git = (REPO / git.read_text().strip().removeprefix("gitdir: ")).resolve()
        common = (git / (git / "commondir").read_text().strip()).resolve() if (git / "commondir").exists() else git
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            ref_file = common / ref
            if ref_file.exists():
                return ref_file.read_text().strip()[:12]
            for line in (common / "packed-refs").read_text().splitlines():
                if line.endswith(" " + ref):
                    return line[:12]
            return "unknown"
        return head[:12]
    except OSError:
        return "unknown"


def describe() -> dict[str, str]:
    versions = {}
    for name in PYTHON_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return {
        "cpu": machine(),
        "kernel": platform.release(),
        "wrk": first_line(["wrk", "-v"]).split(" [")[0],
        "nginx": first_line(["nginx", "-v"]).replace("nginx version: ", ""),
        "locust": first_line([str(LOCUST_VENV / "bin" / "locust"), "--version"]).split(" from ")[0],
        "python": platform.python_version(),
        "peers": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "evserve commit": evserve_commit(),
    }
