"""ADSL: one row per subject, the subject-level variables every other dataset merges.

Every subject of the subjects table has a row (nothing is dropped). Variables and their rules:

* ``STUDYID`` the plan's study id (without a plan: the trial folder's name, upper-cased);
  ``USUBJID``/``SUBJID`` the input's ``subject_id`` (unique within the trial); ``SITEID`` the
  input's ``site_id`` where the subjects table has one, else empty;
* ``ARM``/``TRT01P`` the planned arm; ``TRT01A`` the actual arm: the planned arm for a subject
  who received study treatment, empty otherwise;
* ``AGE`` (``AGEU = YEARS``), ``SEX``, ``SUBGROUP``;
* ``RANDDT`` the start date in a controlled (randomised) design, empty in a single-arm study;
  ``TRTSDT``/``TRTEDT`` the first/last infusion (the start date where the trial records no
  infusion at all);
* ``ITTFL`` every subject of the subjects table; ``SAFFL`` subjects who received study treatment
  (an infusion; every subject where the trial records none); ``FASFL`` the full analysis set the
  efficacy analyses use: every subject (as ``ITTFL``; the analyses censor at day 1 rather than
  exclude a subject without a post-baseline assessment);
* ``EOSSTT`` ``DISCONTINUED`` where ``discontinued`` is true, else ``COMPLETED``; ``DCSREAS``
  the discontinuation reason; ``DTHFL``/``DTHDT`` from a ``death`` event;
* ``LSTALVDT`` the last date the subject was known alive: the latest of the visits, infusions,
  events, adverse-event onsets and ``end_date``, never after death.

>>> adsl = derive_adsl(trial, plan)          # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from survlupus.derive.tte.scope import death_dates
from survlupus.trial.model import Trial

ADSL_COLUMNS = [
    "STUDYID",
    "USUBJID",
    "SUBJID",
    "SITEID",
    "ARM",
    "TRT01P",
    "TRT01A",
    "AGE",
    "AGEU",
    "SEX",
    "SUBGROUP",
    "RANDDT",
    "TRTSDT",
    "TRTEDT",
    "ITTFL",
    "SAFFL",
    "FASFL",
    "EOSSTT",
    "DCSREAS",
    "DTHFL",
    "DTHDT",
    "LSTALVDT",
]
CORE = ["STUDYID", "USUBJID", "TRT01P", "TRT01A", "AGE", "SEX", "ITTFL", "SAFFL", "FASFL"]
"""The ADSL variables every other dataset carries."""


def study_id(trial: Trial, plan=None) -> str:
    """The plan's study id, else the trial folder's name (upper case), else ``STUDY``."""
    if plan is not None and plan.study.id:
        return plan.study.id
    name = Path(str(trial.source)).name if trial.source and trial.source != "<frames>" else ""
    return name.upper() or "STUDY"


def _latest(frames: list[pd.Series]) -> pd.Series:
    present = [f for f in frames if len(f)]
    if not present:
        return pd.Series(dtype="datetime64[ns]")
    return pd.concat(present, axis=1).max(axis=1)


def derive_adsl(trial: Trial, plan=None) -> pd.DataFrame:
    """The subject-level dataset (rules in the module docstring), sorted by ``USUBJID``.

    Parameters
    ----------
    trial : Trial
    plan : AnalysisPlan, optional
        Gives ``STUDYID`` and whether the design is randomised (``RANDDT``).

    Returns
    -------
    DataFrame
        One row per subject, the columns of ``ADSL_COLUMNS``.

    Examples
    --------
    >>> adsl = survlupus.derive_adsl(survlupus.read_trial("data/synthetic/cs20at04"))
    >>> len(adsl), adsl["STUDYID"].iloc[0], sorted(adsl["SAFFL"].unique())
    (10, 'CS20AT04', ['Y'])
    """
    s = trial.subjects.sort_values("subject_id", kind="stable").reset_index(drop=True)
    sid = s["subject_id"]
    n = len(s)

    def col(name: str, default=None) -> pd.Series:
        return s[name] if name in s else pd.Series(default, index=s.index, dtype=object)

    inf = trial.infusions
    if len(inf):
        first = sid.map(inf.groupby("subject_id")["infusion_date"].min())
        last = sid.map(inf.groupby("subject_id")["infusion_date"].max())
        treated = first.notna()
    else:  # no infusion recorded in the trial: treatment starts on day 1
        first, last = s["start_date"], s["start_date"]
        treated = pd.Series(True, index=s.index)
    death = sid.map(death_dates(trial))
    dated = [
        sid.map(trial.visits.groupby("subject_id")["visit_date"].max()),
        col("end_date", pd.NaT),
        s["start_date"],
    ]
    for table, date in ((inf, "infusion_date"), (trial.events, "start_date")):
        if len(table):
            dated.append(sid.map(table.groupby("subject_id")[date].max()))
    if len(trial.adverse_events):
        dated.append(sid.map(trial.adverse_events.groupby("subject_id")["start_date"].max()))
    alive = _latest([pd.to_datetime(d) for d in dated])
    alive = alive.where(~(death < alive), death)
    controlled = plan is not None and plan.controlled
    disc = col("discontinued", False).astype("boolean").fillna(False).astype(bool)
    out = pd.DataFrame(
        {
            "STUDYID": study_id(trial, plan),
            "USUBJID": sid.to_numpy(),
            "SUBJID": sid.to_numpy(),
            "SITEID": col("site_id", "").fillna("").astype(str).to_numpy(),
            "ARM": s["arm"].to_numpy(),
            "TRT01P": s["arm"].to_numpy(),
            "TRT01A": np.where(treated, s["arm"], ""),
            "AGE": pd.to_numeric(col("age_years"), errors="coerce").to_numpy(dtype=float),
            "AGEU": np.where(col("age_years").notna(), "YEARS", ""),
            "SEX": col("sex", "").fillna("").astype(str).to_numpy(),
            "SUBGROUP": col("subgroup", "").fillna("").astype(str).to_numpy(),
            "RANDDT": s["start_date"] if controlled else pd.Series(pd.NaT, index=s.index),
            "TRTSDT": first.to_numpy(),
            "TRTEDT": last.to_numpy(),
            "ITTFL": "Y",
            "SAFFL": np.where(treated, "Y", "N"),
            "FASFL": "Y",
            "EOSSTT": np.where(disc, "DISCONTINUED", "COMPLETED"),
            "DCSREAS": col("discontinuation_reason", "").fillna("").astype(str).to_numpy(),
            "DTHFL": np.where(death.notna(), "Y", ""),
            "DTHDT": death.to_numpy(dtype="datetime64[ns]"),
            "LSTALVDT": alive.to_numpy(dtype="datetime64[ns]"),
        },
        index=range(n),
    )
    for c in ("RANDDT", "TRTSDT", "TRTEDT"):
        out[c] = pd.to_datetime(out[c])
    return out[ADSL_COLUMNS]
