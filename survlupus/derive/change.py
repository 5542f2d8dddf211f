"""Changes from baseline at nominal visits, per subject and summarised.

Per subject (``USUBJID, ARM, SUBGROUP, PARAMCD, AVISIT, ADY, BASE, AVAL, CHG, PCHG``): the visit
record chosen by the windows (closest to the nominal day), baseline = last non-missing value on or
before day 1. Summary per arm, variable and visit: n, mean with its t-based 95 % CI, SD, median,
Q1, Q3 of CHG.

>>> change_from_baseline(trial, ["hemoglobin_g_dl"], visits=["D3", "W1", "W4", "W12", "W24"])
... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.clinical.windows import CS20AT04_WINDOWS, Window, assign_windows, select_visit
from survlupus.trial.model import Trial

HAEMATOLOGY = ("hemoglobin_g_dl", "wbc_10e9_l", "platelets_10e9_l")
SEED_VISITS = ("D3", "W1", "W4", "W12", "W24")


def change_from_baseline(
    trial: Trial,
    variables: Sequence[str] = HAEMATOLOGY,
    visits: Sequence[str] = SEED_VISITS,
    subgroup: str | None = None,
    schedule: Sequence[Window] | None = None,
) -> pd.DataFrame:
    """Change from baseline of visit variables at nominal visits (the seed's haematology table).

    Parameters
    ----------
    trial : Trial
    variables : sequence of str
        Visit columns (default: haemoglobin, white cells, platelets).
    visits : sequence of str
        Nominal visits (default D3, W1, W4, W12, W24).
    subgroup : str, optional
        Only the subjects of this subgroup.
    schedule : sequence of Window, optional
        The visit windows (default: the CS20AT04 schedule).

    Returns
    -------
    DataFrame
        One row per subject, variable and visit: ``USUBJID, ARM, SUBGROUP, PARAMCD, AVISIT, ADY,
        BASE, AVAL, CHG, PCHG``; a missing visit keeps its row with the value missing.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/cs20at04")
    >>> t = survlupus.change_from_baseline(trial, ["platelets_10e9_l"], ["W4"])
    >>> len(t) == trial.n_subjects
    True
    """
    schedule = CS20AT04_WINDOWS if schedule is None else schedule
    absent = [v for v in variables if v not in trial.visits]
    if absent:
        raise ValueError(
            f"change_from_baseline: the visits table has no column {', '.join(absent)}"
        )
    labels = [w.label for w in schedule]
    unknown = [v for v in visits if v not in labels]
    if unknown:
        raise ValueError(
            f"change_from_baseline: visit {', '.join(unknown)} is not in the schedule "
            f"({', '.join(labels)})"
        )
    subj = trial.subjects
    if subgroup is not None:
        subj = subj[subj["subgroup"] == subgroup]
    ids = pd.Index(subj["subject_id"], name="subject_id")
    windowed = assign_windows(trial.visits, trial.subjects, schedule)
    base = trial.baseline(list(variables)).set_index("subject_id").reindex(ids)
    info = subj.set_index("subject_id")
    parts = []
    for visit in visits:
        rec = select_visit(windowed, visit).set_index("subject_id").reindex(ids)
        for var in variables:
            aval = rec[var].astype("Float64").astype(float) if var in rec else np.nan
            b = base[var] if var in base else np.nan
            parts.append(
                pd.DataFrame(
                    {
                        "USUBJID": ids,
                        "ARM": info["arm"].to_numpy(),
                        "SUBGROUP": info["subgroup"].fillna("").to_numpy()
                        if "subgroup" in info
                        else "",
                        "PARAMCD": var,
                        "AVISIT": visit,
                        "ADY": rec["ADY"].to_numpy(),
                        "BASE": np.asarray(b, float),
                        "AVAL": np.asarray(aval, float),
                    }
                )
            )
    out = pd.concat(parts, ignore_index=True)
    out["CHG"] = out["AVAL"] - out["BASE"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["PCHG"] = 100 * out["CHG"] / out["BASE"]
    return out


def summarise_change(changes: pd.DataFrame, by: str = "ARM") -> pd.DataFrame:
    """Summary of changes from baseline per group, parameter and visit: n, mean with its t-based
    95% CI, SD, median and quartiles.

    Parameters
    ----------
    changes : DataFrame
        :func:`survlupus.change_from_baseline`.
    by : str

    Returns
    -------
    DataFrame
        ``ARM, PARAMCD, AVISIT, n, mean, mean_lower, mean_upper, sd, median, q1, q3``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/cs20at04")
    >>> s = survlupus.summarise_change(survlupus.change_from_baseline(trial, ["platelets_10e9_l"], ["W4"]))
    >>> s[["AVISIT", "n", "median"]].values.tolist()
    [['W4', 8, 8.0]]
    """
    order = {v: i for i, v in enumerate(dict.fromkeys(changes["AVISIT"]))}
    rows = []
    for (g, var, visit), s in changes.groupby([by, "PARAMCD", "AVISIT"], sort=False):
        x = s["CHG"].dropna().to_numpy()
        mean = float(np.mean(x)) if len(x) else np.nan
        half = (
            float(stats.t.ppf(0.975, len(x) - 1) * np.std(x, ddof=1) / np.sqrt(len(x)))
            if len(x) > 1
            else np.nan
        )
        rows.append(
            {
                by: g,
                "PARAMCD": var,
                "AVISIT": visit,
                "n": len(x),
                "mean": mean,
                "mean_lower": mean - half,
                "mean_upper": mean + half,
                "sd": float(np.std(x, ddof=1)) if len(x) > 1 else np.nan,
                "median": float(np.median(x)) if len(x) else np.nan,
                "q1": float(np.percentile(x, 25)) if len(x) else np.nan,
                "q3": float(np.percentile(x, 75)) if len(x) else np.nan,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            by,
            "PARAMCD",
            "AVISIT",
            "n",
            "mean",
            "mean_lower",
            "mean_upper",
            "sd",
            "median",
            "q1",
            "q3",
        ],
    )
    out["_o"] = out["AVISIT"].map(order)
    return (
        out.sort_values([by, "PARAMCD", "_o"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
