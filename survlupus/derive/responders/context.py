"""What every responder rule reads, computed once (:class:`Context`), and the one row builder
(:func:`frame`) that turns a rule's True/False/missing result into ADRS rows with reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survlupus.clinical.steroids import daily_dose
from survlupus.clinical.windows import Window, assign_windows, select_visit
from survlupus.derive.tte.scope import UNLIMITED_WINDOW_DAYS, observation
from survlupus.trial.model import Trial
from survlupus.trial.schema import TABLES

RESPONDER_COLUMNS = [
    "USUBJID",
    "PARAMCD",
    "PARAM",
    "PARCAT1",
    "ARM",
    "SUBGROUP",
    "AVISIT",
    "AVISITN",
    "ADT",
    "ADY",
    "AVALC",
    "AVAL",
    "DTYPE",
    "ELIGFL",
    "ANL01FL",
    "CRIT1",
    "CRIT1FL",
    "REASON",
]
"""ADRS columns. ``AVISITN`` is the visit's nominal study day; ``ADT``/``ADY`` the date and day
of the assessment used (the end of the assessed period for steroid criteria; the nominal day
for an imputed row); ``DTYPE = "NRI"`` marks a non-responder imputed for a missing assessment;
``ANL01FL = "Y"`` the rows the responder analyses count (eligible, with a result); ``CRIT1`` the
criterion in words and ``CRIT1FL`` whether it was met; ``REASON`` (sponsor variable) why."""

NRI = "NRI"
"""``DTYPE`` of a record imputed as non-responder (missing assessment)."""


VISIT_MEASURES = tuple(c for c, k in TABLES["visits"].columns.items() if k == "number")


@dataclass
class Context:
    """What every responder rule reads, computed once."""

    trial: Trial
    windowed: pd.DataFrame
    obs: pd.DataFrame
    daily: pd.DataFrame
    missing: str
    nominal: dict[str, int]
    """Each scheduled visit's nominal study day."""
    opens: dict[str, int]
    """Days before its nominal day each scheduled visit's window opens."""

    @classmethod
    def build(cls, trial: Trial, schedule: Sequence[Window], missing: str) -> Context:
        return cls(
            trial,
            assign_windows(trial.visits, trial.subjects, schedule),
            observation(trial, UNLIMITED_WINDOW_DAYS).set_index("subject_id"),
            daily_dose(trial.steroid_steps),
            missing,
            {w.label: w.day for w in schedule},
            {w.label: w.before for w in schedule},
        )

    def ids(self, scope: str | None) -> pd.Index:
        s = self.trial.subjects
        if scope is not None:
            s = s[s["subgroup"] == scope]
        return pd.Index(s["subject_id"], name="subject_id")

    def at_visit(self, visit: str, ids: pd.Index) -> pd.DataFrame:
        """The visit's row per subject; a measure the trial does not record is all missing."""
        v = select_visit(self.windowed, visit).set_index("subject_id").reindex(ids)
        absent = [c for c in VISIT_MEASURES if c not in v.columns]
        return v.assign(**dict.fromkeys(absent, np.nan)) if absent else v

    def baseline(self, variables: Sequence[str], ids: pd.Index) -> pd.DataFrame:
        """Baseline per subject; a variable the trial does not record is all missing."""
        base = self.trial.baseline(list(variables)).set_index("subject_id").reindex(ids)
        return base.reindex(columns=list(variables))

    def rescue_by(self, dates: pd.Series) -> pd.Series:
        """Date of a rescue therapy on or before each subject's date (NaT if none)."""
        ev = self.trial.events
        r = ev[ev["event"] == "rescue_therapy"].groupby("subject_id")["start_date"].min()
        first = r.reindex(dates.index)
        return first.where(first <= dates)

    def doses_between(self, from_day: int, to_day: int) -> pd.DataFrame:
        """The daily series (with its study ``day``) restricted to days ``from_day..to_day``."""
        if "day" not in self.daily:
            start = self.daily["subject_id"].map(self.obs["start_date"])
            self.daily["day"] = (self.daily["date"] - start).dt.days + 1
        d = self.daily
        return d[(d["day"] >= from_day) & (d["day"] <= to_day)]

    def max_dose(self, ids: pd.Index, from_day: int, to_day: int) -> pd.Series:
        d = self.doses_between(from_day, to_day)
        return d.groupby("subject_id")["pred_eq_mg_day"].max().reindex(ids).fillna(0.0)

    def longest_run_above(
        self, ids: pd.Index, limit: float, from_day: int, to_day: int
    ) -> pd.Series:
        d = self.doses_between(from_day, to_day)
        above = d["pred_eq_mg_day"] > limit
        brk = (~above) | d["subject_id"].ne(d["subject_id"].shift()) | d["day"].diff().ne(1)
        run_id = brk.cumsum()
        runs = d[above].groupby([d["subject_id"][above], run_id[above]]).size()
        return runs.groupby(level=0).max().reindex(ids).fillna(0).astype(int)

    def followed_to(self, ids: pd.Index, day: int, tolerance: int = 0) -> pd.Series:
        """Whether follow-up reached ``day`` (less ``tolerance`` days: the visit window)."""
        lc = self.obs["last_contact"].reindex(ids)
        return (lc - self.obs["start_date"].reindex(ids)).dt.days + 1 >= day - tolerance


def missing_reason(visit: str, v: pd.DataFrame, items: dict[str, pd.Series]) -> pd.Series:
    """Per subject, what is missing, by name: ``no W24 visit`` or ``W24 visit lacks PGA,
    BILAG-2004`` (``items``: name → the values whose absence makes the result missing; the
    visit's date is the row's ``ADT``)."""
    absent = pd.DataFrame({k: pd.Series(x, index=v.index).isna() for k, x in items.items()})
    names = absent.dot(absent.columns + ", ").str.removesuffix(", ")
    return pd.Series(
        np.where(v["visit_date"].isna(), f"no {visit} visit", f"{visit} visit lacks " + names),
        index=v.index,
    )


def frame(
    ctx: Context,
    ids,
    code,
    param,
    visit,
    crit,
    ok,
    missing_reason,
    no_reason,
    yes_reason,
    vis: pd.DataFrame | None = None,
    elig=None,
    day: int | None = None,
) -> pd.DataFrame:
    """Assemble rows: ``ok`` True/False/NaN (missing) with the reasons for each case.

    ``vis`` the visit rows used (their date and day); without them (steroid criteria over a
    period) ``day`` is the last study day assessed, and ``ADT`` that day's date."""
    ok = pd.Series(ok, index=ids, dtype="object")
    is_missing = ok.isna()
    subj = ctx.trial.subjects.set_index("subject_id").reindex(ids)
    avalc = np.where(
        is_missing,
        "" if ctx.missing == "observed" else "N",
        np.where(ok.eq(True).to_numpy(), "Y", "N"),
    )
    reason = np.where(
        is_missing,
        "missing: " + pd.Series(missing_reason, index=ids).astype(str),
        np.where(
            avalc == "Y",
            pd.Series(yes_reason, index=ids).astype(str),
            pd.Series(no_reason, index=ids).astype(str),
        ),
    )
    elig = pd.Series("Y" if elig is None else elig, index=ids)
    reason = np.where(elig == "N", pd.Series(no_reason, index=ids).astype(str), reason)
    avalc = np.where(elig == "N", "", avalc)
    nominal = ctx.nominal.get(visit, day)
    start = subj["start_date"]
    planned = start + pd.to_timedelta((nominal if nominal is not None else np.nan) - 1, unit="D")
    if vis is not None:
        adt = vis["visit_date"].where(~is_missing, planned).to_numpy()
        ady = vis["ADY"].where(~is_missing, nominal).to_numpy(dtype=float)
    else:
        at = start + pd.to_timedelta(day - 1, unit="D")
        adt = at.where(~is_missing, planned).to_numpy()
        ady = np.where(is_missing, nominal if nominal is not None else np.nan, day)
    imputed = is_missing.to_numpy() & (avalc == "N")
    out = pd.DataFrame(
        {
            "USUBJID": ids,
            "PARAMCD": code,
            "PARAM": param,
            "PARCAT1": "",
            "ARM": subj["arm"].to_numpy(),
            "SUBGROUP": subj["subgroup"].fillna("").to_numpy() if "subgroup" in subj else "",
            "AVISIT": visit,
            "AVISITN": float(nominal) if nominal is not None else np.nan,
            "ADT": pd.to_datetime(adt),
            "ADY": ady.astype(float),
            "AVALC": avalc,
            "AVAL": np.where(avalc == "Y", 1.0, np.where(avalc == "N", 0.0, np.nan)),
            "DTYPE": np.where(imputed, NRI, ""),
            "ELIGFL": elig.to_numpy(),
            "ANL01FL": np.where((elig.to_numpy() == "Y") & (avalc != ""), "Y", ""),
            "CRIT1": crit,
            "CRIT1FL": np.where(avalc == "Y", "Y", np.where(avalc == "N", "N", "")),
            "REASON": reason,
        }
    )
    return out
