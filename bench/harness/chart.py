"""The results chart: requests/s and p99 latency per server and phase, log scales (they span 100x)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a bench machine
import matplotlib.pyplot as plt

from .phases import ServerResult

PHASE_LABELS = {"predict-64": "POST /predict, 64 conns", "predict-512": "POST /predict, 512 conns",
                "index-64": "GET /, 64 conns", "locust": "locust, 200 users",
                "v2-64": "POST /v2/.../infer, 64 conns", "v2-512": "POST /v2/.../infer, 512 conns"}


def draw(path: Path, results: list[ServerResult], title: str) -> None:
    servers = [r for r in results if r.phases]
    phases = [p for p in PHASE_LABELS if any(p in r.phases for r in servers)]
    fig, axes = plt.subplots(1, 2, figsize=(15, 7))
    width = 0.8 / max(len(phases), 1)
    for ax, metric, label in ((axes[0], lambda pr: pr.load.rps, "requests/s (log)"),
                              (axes[1], lambda pr: pr.load.p99_ms, "p99 latency, ms (log)")):
        for i, phase in enumerate(phases):
            xs, ys = [], []
            for j, r in enumerate(servers):
                if phase in r.phases and metric(r.phases[phase]) > 0:
                    xs.append(j + (i - (len(phases) - 1) / 2) * width)
                    ys.append(metric(r.phases[phase]))
            bars = ax.bar(xs, ys, width, label=PHASE_LABELS[phase])
            ax.bar_label(bars, labels=[f"{y:,.0f}" if y >= 100 else f"{y:.2g}" for y in ys],
                         fontsize=6, rotation=90, padding=2)
        ax.set_yscale("log")
        ax.set_ylabel(label)
        ax.set_xticks(range(len(servers)))
        ax.set_xticklabels([r.name + ("" if r.pinned else "\n(unpinned)") for r in servers],
                           rotation=30, ha="right", fontsize=8)
        ax.grid(axis="y", which="major", alpha=0.3)
        ax.margins(y=0.15)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(len(labels), 1), fontsize=9, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
