"""Checks of dates against each other, across rows and tables.

* intervals that end before they start (subjects, steroids, events, adverse events);
* events dated before ``start_date``: death, dialysis or kidney transplant before day 1 is an
  error (the subject cannot enter the trial after it; a pre-existing state belongs in the
  subject's history, not in events); any other event before day 1 is a warning, and the
  derivations do not count it (the time-to-event engine only counts dates after day 1); an
  ``immunosuppressant_start`` before day 1 is background therapy and accepted without a word;
* steroids: an open-ended row (no ``end_date``) followed by a later open-ended row of the same
  drug for the same subject is an error, because the two doses would add up from the later start
  (a taper exported as "ongoing" rows); rows of one drug that overlap otherwise (a closed add-on
  over an ongoing dose, closed rows that overlap) are accepted and their doses added, as an
  escalation on top of a maintenance dose is.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from survlupus.errors import Problem
from survlupus.trial.reporter import Reporter as _Reporter

TERMINAL_EVENTS = ("death", "dialysis", "kidney_transplant")
"""Events that cannot precede study day 1 of a subject in the trial."""
BACKGROUND_EVENTS = ("immunosuppressant_start",)
"""Events before day 1 accepted silently: background therapy (e.g. induction cyclophosphamide
before the cell infusion); never counted by an endpoint."""


def check_timeline(tables: Mapping[str, pd.DataFrame], sources, problems: list[Problem]) -> None:
    for name, start, end in (
        ("subjects", "start_date", "end_date"),
        ("steroids", "start_date", "end_date"),
        ("events", "start_date", "end_date"),
        ("adverse_events", "start_date", "end_date"),
    ):
        df = tables[name]
        if start in df and end in df:
            rep = _Reporter(name, df, sources.get(name, name), problems)
            bad = (df[end] < df[start]).to_numpy()
            rep.flag(
                bad,
                end,
                lambda p, df=df, start=start, end=end: (
                    f"{end} {df[end].iloc[p].date()} is before {start} {df[start].iloc[p].date()}"
                ),
                f"correct {start} or {end}",
            )
    day1 = _day1(tables["subjects"])
    events = tables["events"]
    if {"subject_id", "event", "start_date"} <= set(events.columns) and len(day1):
        rep = _Reporter("events", events, sources.get("events", "events"), problems)
        first = events["subject_id"].map(day1)
        before = (events["start_date"] < first).to_numpy()
        terminal = events["event"].isin(TERMINAL_EVENTS).to_numpy()
        before &= ~events["event"].isin(BACKGROUND_EVENTS).to_numpy()

        def msg(p):
            return (
                f"{events['event'].iloc[p]} on {events['start_date'].iloc[p].date()} is before "
                f"the subject's start_date {first.iloc[p].date()}"
            )

        rep.flag(
            before & terminal,
            "start_date",
            msg,
            "correct the date; a subject cannot start the trial after death, dialysis or "
            "transplant (record a pre-existing state in the subject's history, not in events)",
        )
        rep.flag(
            before & ~terminal,
            "start_date",
            msg,
            "check the date; events before day 1 are history and are not counted by any endpoint",
            severity="warning",
        )
    _check_steroid_overlaps(tables["steroids"], sources, problems)


def _day1(subjects: pd.DataFrame) -> pd.Series:
    if not {"subject_id", "start_date"} <= set(subjects.columns):
        return pd.Series(dtype="datetime64[ns]")
    s = subjects.dropna(subset=["subject_id"]).drop_duplicates("subject_id")
    return s.set_index("subject_id")["start_date"]


def _check_steroid_overlaps(steroids: pd.DataFrame, sources, problems: list[Problem]) -> None:
    need = {"subject_id", "drug", "start_date"}
    if not need <= set(steroids.columns) or len(steroids) < 2:
        return
    s = steroids.reset_index(drop=True)
    end = s["end_date"] if "end_date" in s else pd.Series(pd.NaT, index=s.index)
    order = s.sort_values(["subject_id", "drug", "start_date"], kind="stable").index.to_numpy()
    same = (s["subject_id"].to_numpy()[order][1:] == s["subject_id"].to_numpy()[order][:-1]) & (
        s["drug"].to_numpy()[order][1:] == s["drug"].to_numpy()[order][:-1]
    )
    start_next = s["start_date"].to_numpy()[order][1:]
    start_this = s["start_date"].to_numpy()[order][:-1]
    end_this = end.to_numpy()[order][:-1]
    is_open = pd.isna(end_this)
    next_open = pd.isna(end.to_numpy()[order][1:])
    later = start_next > start_this
    open_overlap = same & is_open & next_open & later  # "ongoing" rows of a taper: error
    rep = _Reporter("steroids", s, sources.get("steroids", "steroids"), problems)
    at = np.zeros(len(s), bool)
    at[order[:-1][open_overlap]] = True
    nxt = dict(zip(order[:-1][open_overlap], order[1:][open_overlap], strict=True))
    rep.flag(
        at,
        "end_date",
        lambda p: (
            f"{s['drug'].iloc[p]} {s['dose_mg_day'].iloc[p]:g} mg/day from "
            f"{s['start_date'].iloc[p].date()} has no end_date and a later "
            f"{s['drug'].iloc[nxt[p]]} row starts on {s['start_date'].iloc[nxt[p]].date()} "
            f"({rep.where(nxt[p])}), also without one"
        ),
        "give the earlier row the end_date before the later row starts (a dose change is a "
        "new row that ends the old one); two open rows of one drug would be added up",
    )
