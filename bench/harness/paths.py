"""Where things live, relative to the repository, whatever folder the harness is started from."""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
PEERS = BENCH / "peers"
WRK_SCRIPTS = BENCH / "wrk"
RESULTS = BENCH / "results"
LOCUSTFILE = REPO / "load_testing" / "locustfile.py"
PEERS_VENV = BENCH / ".venv-peers"
LOCUST_VENV = BENCH / ".venv-locust"
# The release build; BENCH_EVSERVE_BIN points elsewhere (a prebuilt binary) for every script at once.
EVSERVE = Path(os.environ.get("BENCH_EVSERVE_BIN") or REPO / ".build" / "release" / "evserve")

# BENCH_QUICK=1: every script's development mode (short runs), the default of its --quick.
QUICK_FROM_ENVIRONMENT = os.environ.get("BENCH_QUICK") == "1"


def results_folder(quick: bool) -> Path:
    """Where a script writes its results (and targets.py reads them): bench/results/, or its quick.tmp/
    for a development run."""
    return RESULTS / "quick.tmp" if quick else RESULTS


# The peers' model module doubles as the oracle: import it from its folder.
if str(PEERS) not in sys.path:
    sys.path.insert(0, str(PEERS))
