"""Build tiny trials by hand: subjects with sensible defaults, visits by study day."""

from __future__ import annotations

import pandas as pd

import survlupus

START = pd.Timestamp("2021-01-01")


def day(d: int) -> str:
    """The date of study day ``d`` (day 1 = 2021-01-01)."""
    return (START + pd.Timedelta(days=d - 1)).strftime("%Y-%m-%d")


def subject(sid: str, **kw) -> dict:
    row = {
        "subject_id": sid,
        "start_date": day(1),
        "arm": "A",
        "subgroup": "nephritis",
        "sex": "F",
        "age_years": 40,
        "weight_kg": 60,
        "end_date": day(365),
        "discontinued": False,
        "discontinuation_reason": "",
    }
    row.update(kw)
    return row


def visit(sid: str, d: int, **values) -> dict:
    return {
        "subject_id": sid,
        "visit_date": day(d),
        "visit": values.pop("visit", f"D{d}"),
        **values,
    }


def steroid(
    sid: str, dose: float, start: int, end: int | None, drug: str = "prednisone", **kw
) -> dict:
    return {
        "subject_id": sid,
        "drug": drug,
        "dose_mg_day": dose,
        "start_date": day(start),
        "end_date": day(end) if end is not None else None,
        **kw,
    }


def event(
    sid: str, name: str, start: int, end: int | None = None, severity: str = "", detail: str = ""
) -> dict:
    return {
        "subject_id": sid,
        "event": name,
        "start_date": day(start),
        "end_date": day(end) if end is not None else None,
        "severity": severity,
        "detail": detail,
    }


def adverse(sid: str, term: str, start: int, end: int | None = None, **kw) -> dict:
    """An adverse event from study day ``start`` (to ``end``; None: ongoing)."""
    row = {
        "subject_id": sid,
        "term": term,
        "body_system": "General disorders and administration site conditions",
        "start_date": day(start),
        "end_date": day(end) if end is not None else None,
        "grade": 1,
        "serious": False,
        "related": "not",
        "infusion_related": False,
        "outcome": "recovered" if end is not None else "recovering",
        "action": "none",
    }
    row.update(kw)
    return row


def make_trial(subjects, visits, steroids=(), events=(), adverse_events=()) -> survlupus.Trial:
    frames = {"subjects": pd.DataFrame(subjects), "visits": pd.DataFrame(visits)}
    if adverse_events:
        frames["adverse_events"] = pd.DataFrame(adverse_events)
    if steroids:
        frames["steroids"] = pd.DataFrame(steroids)
    if events:
        frames["events"] = pd.DataFrame(events)
    return survlupus.read_trial(frames)


def rows(adtte: pd.DataFrame, cols=("ADT", "CNSR", "RULE")) -> dict[str, tuple]:
    """``{USUBJID: (ADT as YYYY-MM-DD, CNSR, RULE ...)}`` for comparing whole results."""
    out = {}
    for r in adtte.itertuples(index=False):
        vals = []
        for c in cols:
            v = getattr(r, c)
            vals.append(v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v)
        out[r.USUBJID] = tuple(vals)
    return out
