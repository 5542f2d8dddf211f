"""Datasets of the robust-variance and Fine-Gray checks (validation/r/regression.R).

    python validation/regression_datasets.py   # rewrites validation/data/{robust,finegray}.csv

* ``robust``: 80 subjects in 40 clusters of two (``CLUSTER``), two arms, age, two sites; times on
  visit days (ties), about 60 % events;
* ``finegray``: 120 subjects, two arms, age; ``STATUS`` 0 censored, 1 the event of interest,
  2 a competing event; times on visit days (ties in both causes and the censoring).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"


def robust() -> pd.DataFrame:
    rng = np.random.default_rng(20261127)
    n = 80
    arm = np.where(np.arange(n) % 2 == 0, "A", "B")
    age = np.round(rng.normal(45, 12, n), 1)
    site = np.where(rng.random(n) < 0.5, "S1", "S2")
    frailty = np.repeat(rng.gamma(2.0, 0.5, n // 2), 2)  # shared within a cluster
    rate = 0.01 * frailty * np.exp(0.6 * (arm == "B") + 0.02 * (age - 45))
    t_event = rng.exponential(1 / rate)
    t_cens = rng.uniform(30, 200, n)
    time = np.ceil(np.minimum(t_event, t_cens) / 7) * 7  # weekly visits: ties
    return pd.DataFrame(
        {
            "USUBJID": [f"R{i:03d}" for i in range(n)],
            "CLUSTER": [f"C{i // 2:02d}" for i in range(n)],
            "ARM": arm,
            "AGE": age,
            "SITE": site,
            "AVAL": time,
            "CNSR": (t_event > t_cens).astype(int),
        }
    )


def finegray() -> pd.DataFrame:
    rng = np.random.default_rng(1127)
    n = 120
    arm = np.where(np.arange(n) % 2 == 0, "A", "B")
    age = np.round(rng.normal(45, 12, n), 1)
    t1 = rng.exponential(1 / (0.006 * np.exp(-0.7 * (arm == "B") + 0.015 * (age - 45))))
    t2 = rng.exponential(1 / (0.0025 * np.exp(0.3 * (arm == "B"))))
    tc = rng.uniform(30, 300, n)
    time = np.minimum.reduce([t1, t2, tc])
    status = np.select([time == t1, time == t2], [1, 2], 0)
    return pd.DataFrame(
        {
            "USUBJID": [f"F{i:03d}" for i in range(n)],
            "ARM": arm,
            "AGE": age,
            "AVAL": np.ceil(time / 14) * 14,  # fortnightly visits: ties
            "STATUS": status,
        }
    )


if __name__ == "__main__":
    robust().to_csv(DATA / "robust.csv", index=False)
    finegray().to_csv(DATA / "finegray.csv", index=False)
