"""The model every peer serves: the seed's GradientBoostingRegressor on the Boston housing data.

The data is the repository's copy of scikit-learn 1.1.3's `boston_house_prices.csv` (Sources/Inference/
Data): a count line, a header line, then 506 rows of 13 features and the target. Training follows the
seed (scikit-learn's old gradient-boosting example): shuffle with random_state=13, cast X to float32,
and fit, here on all rows, as evserve's reference model is (tools/generate_fixtures.py). The bench
harness imports this module as its oracle, so the peers and the correctness check cannot drift apart.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.utils import shuffle

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CSV = REPO / "Sources" / "Inference" / "Data" / "boston_house_prices.csv"

PARAMS = dict(n_estimators=500, max_depth=4, min_samples_split=2, learning_rate=0.01, loss="squared_error")
SHUFFLE_SEED = 13
# Fixed so that two trainings give the same trees: split candidates are visited in a random feature
# order, and a tie between two features would otherwise be settled differently from run to run.
TREE_SEED = 0


def load_boston(path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """X (506x13 float64) and y (506) in file order; skips the count line and the header line."""
    data = np.loadtxt(path or DEFAULT_CSV, delimiter=",", skiprows=2, dtype=np.float64)
    return data[:, :-1], data[:, -1]


def shuffled_data() -> tuple[np.ndarray, np.ndarray]:
    """The seed's shuffled rows, X already cast to float32."""
    X, y = load_boston()
    X, y = shuffle(X, y, random_state=SHUFFLE_SEED)
    return X.astype(np.float32), y


def train() -> GradientBoostingRegressor:
    """Fit the seed's model on the shuffled rows."""
    X, y = shuffled_data()
    return GradientBoostingRegressor(**PARAMS, random_state=TREE_SEED).fit(X, y)
