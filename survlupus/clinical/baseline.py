"""Baseline values: per variable, the last non-missing value dated on or before ``start_date``.

Each variable gets its own baseline date, so a creatinine measured at screening and a SLEDAI-2K
scored on day 1 are both baseline values (``docs/derivation.md``, general conventions).

>>> import pandas as pd
>>> subjects = pd.DataFrame({"subject_id": ["S1"], "start_date": pd.to_datetime(["2021-01-10"])})
>>> visits = pd.DataFrame({"subject_id": ["S1"] * 3,
...     "visit_date": pd.to_datetime(["2021-01-01", "2021-01-10", "2021-01-20"]),
...     "creatinine_umol_l": [120.0, None, 90.0], "pga": [None, 1.5, 1.0]})
>>> baseline_values(visits, subjects, ["creatinine_umol_l", "pga"]).to_dict("records")
[{'subject_id': 'S1', 'creatinine_umol_l': 120.0, 'pga': 1.5}]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def _pre_start(visits: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    start = visits["subject_id"].map(subjects.set_index("subject_id")["start_date"])
    pre = visits[visits["visit_date"] <= start]
    return pre.sort_values(["subject_id", "visit_date"], kind="stable")


def baseline_values(
    visits: pd.DataFrame, subjects: pd.DataFrame, variables: Sequence[str]
) -> pd.DataFrame:
    """One row per subject (every subject of ``subjects``), one column per variable.

    A subject with no baseline value of a variable has NaN there.
    """
    variables = [v for v in variables if v in visits.columns]
    pre = _pre_start(visits, subjects)
    base = pre.groupby("subject_id", sort=True)[variables].last()  # last non-missing per column
    ids = pd.Index(sorted(subjects["subject_id"]), name="subject_id")
    return base.reindex(ids).reset_index()


def baseline_long(
    visits: pd.DataFrame, subjects: pd.DataFrame, variables: Sequence[str]
) -> pd.DataFrame:
    """Long form with the date each baseline came from: ``subject_id, variable, value, date``."""
    variables = [v for v in variables if v in visits.columns]
    pre = _pre_start(visits, subjects)
    long = pre.melt(
        id_vars=["subject_id", "visit_date"], value_vars=variables, var_name="variable"
    ).dropna(subset=["value"])
    last = long.groupby(["subject_id", "variable"], sort=True).tail(1)
    last = last.rename(columns={"visit_date": "date"})
    return (
        last[["subject_id", "variable", "value", "date"]]
        .sort_values(["subject_id", "variable"], kind="stable")
        .reset_index(drop=True)
    )
