"""Prednisone-equivalent corticosteroid dose, as a per-subject daily series.

Equivalence (Liu D et al. *Allergy Asthma Clin Immunol* 2013;9:30): 5 mg prednisone = 5 mg
prednisolone = 4 mg methylprednisolone = 4 mg triamcinolone = 20 mg hydrocortisone = 25 mg cortisone
= 0.75 mg dexamethasone = 0.6 mg betamethasone = 6 mg deflazacort.

Intervals are inclusive of both ends; overlapping intervals add up; an interval with no
``end_date`` runs to the data cut, which is the subject's ``end_date`` (or, if that is missing, the
subject's last visit). The series is kept as *steps* (a dose that holds from a date until the next
step) so that it stays small for long follow-up, and expanded to days on request.

>>> prednisone_equivalent(4.0, "methylprednisolone")
5.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PREDNISONE_EQUIVALENT: dict[str, float] = {
    "prednisone": 1.0,
    "prednisolone": 1.0,
    "methylprednisolone": 5.0 / 4.0,
    "triamcinolone": 5.0 / 4.0,
    "hydrocortisone": 5.0 / 20.0,
    "cortisone": 5.0 / 25.0,
    "deflazacort": 5.0 / 6.0,
    "dexamethasone": 5.0 / 0.75,
    "betamethasone": 5.0 / 0.6,
}
"""Multiply a drug's mg by this to get prednisone-equivalent mg."""

ONE_DAY = pd.Timedelta(days=1)


def prednisone_equivalent(dose_mg, drug):
    """Prednisone-equivalent mg of ``dose_mg`` of ``drug`` (scalars or aligned Series)."""
    if isinstance(drug, str):
        return float(dose_mg) * PREDNISONE_EQUIVALENT[drug.lower()]
    factors = pd.Series(drug).str.lower().map(PREDNISONE_EQUIVALENT)
    return pd.Series(dose_mg).astype("float64").to_numpy() * factors.to_numpy()


def data_cut_dates(subjects: pd.DataFrame, visits: pd.DataFrame | None = None) -> pd.Series:
    """Per subject, the date an open steroid interval runs to: ``end_date``, else the last visit."""
    cut = subjects.set_index("subject_id")["end_date"] if "end_date" in subjects else None
    if cut is None:
        cut = pd.Series(pd.NaT, index=subjects["subject_id"], dtype="datetime64[ns]")
    if visits is not None and len(visits):
        # the latest date of each run of a subject's rows, then of each subject (a table
        # grouped by subject has one run per subject: the group-by is over subjects, not rows)
        ids = visits["subject_id"].to_numpy(dtype=object)
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        dates = visits["visit_date"].to_numpy(dtype="datetime64[ns]")
        latest = np.fmax.reduceat(dates, starts)  # fmax: a missing date is skipped
        per_run = pd.Series(latest, index=pd.Index(ids[starts]))
        last_visit = per_run.groupby(level=0, sort=False).max()
        cut = cut.fillna(last_visit.reindex(cut.index))
    return cut


def steroid_steps(steroids: pd.DataFrame, cut: pd.Series) -> pd.DataFrame:
    """Piecewise-constant prednisone-equivalent dose per subject.

    Returns columns ``subject_id, date, pred_eq_mg_day``: the total dose from ``date`` up to the
    next row's date (exclusive); each subject's last row has dose 0 (after all intervals ended).
    ``cut`` maps subject to the data-cut date used for open intervals.
    """
    cols = ["subject_id", "date", "pred_eq_mg_day"]
    if steroids is None or steroids.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in zip(cols, ["object", "datetime64[ns]", "float64"], strict=True)
            }
        )
    s = steroids
    dose = prednisone_equivalent(s["dose_mg_day"], s["drug"])
    end = s["end_date"] if "end_date" in s else pd.Series(pd.NaT, index=s.index)
    end = end.fillna(s["subject_id"].map(cut)).fillna(s["start_date"])
    end = end.where(end >= s["start_date"], s["start_date"])
    # integer subject codes in ID order; deltas sorted by subject and date (stable), summed per
    # (subject, date) over runs and cumulated per subject
    code, ids = pd.factorize(s["subject_id"], sort=True)
    codes = np.r_[code, code]
    dates = np.r_[
        s["start_date"].to_numpy(dtype="datetime64[ns]"),
        (end + ONE_DAY).to_numpy(dtype="datetime64[ns]"),
    ]
    delta = np.r_[dose, -dose]
    order = np.lexsort((dates, codes))
    codes, dates, delta = codes[order], dates[order], delta[order]
    starts = np.flatnonzero(np.r_[True, (codes[1:] != codes[:-1]) | (dates[1:] != dates[:-1])])
    total = pd.Series(np.add.reduceat(delta, starts))
    level = total.groupby(codes[starts]).cumsum().round(9)
    return pd.DataFrame(
        {
            "subject_id": np.asarray(ids, dtype=object)[codes[starts]],
            "date": dates[starts],
            "pred_eq_mg_day": level.mask(level.abs() < 1e-9, 0.0).to_numpy(),
        }
    )


def daily_dose(steps: pd.DataFrame) -> pd.DataFrame:
    """Expand steps to one row per subject and calendar day, first dose day to last dose day.

    Columns ``subject_id, date, pred_eq_mg_day``; days between intervals carry dose 0.
    """
    if steps.empty:
        return steps.copy()
    nxt = steps.groupby("subject_id")["date"].shift(-1)
    body = steps[nxt.notna()].copy()
    ndays = ((nxt[nxt.notna()] - body["date"]) / ONE_DAY).astype("int64").to_numpy()
    idx = np.repeat(np.arange(len(body)), ndays)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(ndays) - ndays, ndays)
    out = body.iloc[idx].reset_index(drop=True)
    out["date"] = out["date"] + pd.to_timedelta(offset, unit="D")
    return out


def dose_on(steps: pd.DataFrame, subject_id: pd.Series, date: pd.Series) -> pd.Series:
    """Prednisone-equivalent dose in effect for each (subject, date) pair; 0 where none.

    Vectorised lookup (``merge_asof``) of aligned Series; the result has ``date``'s index.
    """
    query = pd.DataFrame(
        {"subject_id": subject_id.to_numpy(), "date": date.to_numpy(), "_i": np.arange(len(date))}
    )
    if steps.empty or query.empty:
        return pd.Series(0.0, index=date.index, name="pred_eq_mg_day")
    q = query.dropna(subset=["date"]).sort_values("date", kind="stable")
    st = steps.sort_values("date", kind="stable")
    merged = pd.merge_asof(q, st, on="date", by="subject_id", direction="backward")
    out = np.zeros(len(date))
    out[merged["_i"].to_numpy()] = merged["pred_eq_mg_day"].fillna(0.0).to_numpy()
    return pd.Series(out, index=date.index, name="pred_eq_mg_day")
