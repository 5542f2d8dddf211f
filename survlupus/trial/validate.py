"""Checks that need more than one column or table, and the derived columns filled on reading.

* orphans: subjects in visits, steroids, events or infusions missing from ``subjects``;
* dates against each other (:mod:`survlupus.trial.timeline`);
* visits after the subject's last contact or death; more than one death;
* SLEDAI-2K given as a score that disagrees with its 24 descriptors;
* filled here: ``sledai2k`` from the descriptors where the score is missing, and ``egfr_ml_min`` by
  CKD-EPI 2021 (age at the visit, sex) where it is missing and creatinine is present.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from survlupus.clinical.egfr import ckd_epi_2021
from survlupus.clinical.immunosuppressants import SFI_D_IMMUNOSUPPRESSANTS, names_drug
from survlupus.clinical.sledai import has_descriptors, sledai2k_score
from survlupus.errors import Problem
from survlupus.trial.adverse import check_fatal
from survlupus.trial.keys import subject_positions, take_by_subject
from survlupus.trial.reporter import Reporter as _Reporter
from survlupus.trial.schema import SLEDAI_DESCRIPTORS, SLEDAI_WEIGHTS
from survlupus.trial.timeline import check_timeline

DAYS_PER_YEAR = 365.25
EARLY_VISIT_DAYS = 365
"""A visit this many days or more before ``start_date`` is reported (warning)."""


def cross_table_checks(
    tables: Mapping[str, pd.DataFrame], sources: Mapping[str, str], is_file: Mapping[str, bool]
) -> list[Problem]:
    problems: list[Problem] = []
    subjects = tables["subjects"]
    if "subject_id" not in subjects:
        return problems
    known = set(subjects["subject_id"].dropna())
    index = pd.Index(subjects["subject_id"].dropna().unique())
    folded = {str(k).casefold(): k for k in known}

    def not_known(value) -> str:
        near = folded.get(str(value).casefold())
        hint = f" (subjects has {near}; IDs are case-sensitive)" if near is not None else ""
        return f"subject {value} is not in subjects{hint}"

    for name in ("visits", "steroids", "events", "infusions", "adverse_events"):
        df = tables[name]
        if "subject_id" not in df or df.empty:
            continue
        rep = _Reporter(name, df, sources.get(name, name), problems)
        orphan = df["subject_id"].notna() & (subject_positions(df["subject_id"], index) < 0)
        rep.flag(
            orphan.to_numpy(),
            "subject_id",
            lambda p, df=df: not_known(df["subject_id"].iloc[p]),
            "add the subject to subjects, or correct the subject_id",
        )
    check_timeline(tables, sources, problems)
    _check_follow_up(tables, sources, problems)
    check_fatal(tables, sources.get("adverse_events", "adverse_events"), problems)
    _check_immunosuppressants(tables, sources, problems)
    return problems


def _check_immunosuppressants(tables, sources, problems: list[Problem]) -> None:
    """SFI (d) counts only the drugs of SFI_D_IMMUNOSUPPRESSANTS: warn once per other start."""
    ev = tables["events"]
    if "event" not in ev or ev.empty:
        return
    starts = (ev["event"] == "immunosuppressant_start").to_numpy()
    detail = ev["detail"] if "detail" in ev else pd.Series(None, index=ev.index, dtype=object)
    other = starts & ~names_drug(detail, SFI_D_IMMUNOSUPPRESSANTS)
    rep = _Reporter("events", ev, sources.get("events", "events"), problems)
    rep.flag(
        other,
        "detail",
        lambda p: (
            f"immunosuppressant_start of {detail.iloc[p]!r} is not a severe flare by SFI (d), "
            f"which counts {', '.join(SFI_D_IMMUNOSUPPRESSANTS)}"
        ),
        "name the drug in detail if it is one of these; other drugs do not count",
        severity="warning",
    )


def _check_follow_up(tables, sources, problems: list[Problem]) -> None:
    subjects, visits, events = tables["subjects"], tables["visits"], tables["events"]
    if "event" in events and not events.empty:
        deaths = events[events["event"] == "death"]
        rep = _Reporter("events", events, sources.get("events", "events"), problems)
        twice = (events["event"] == "death") & events.duplicated(
            ["subject_id", "event"], keep="first"
        )
        rep.flag(
            twice.to_numpy(),
            "event",
            lambda p: "a second death for the same subject",
            "keep one death event per subject",
        )
        death_date = deaths.groupby("subject_id")["start_date"].min()
    else:
        death_date = pd.Series(dtype="datetime64[ns]")
    if visits.empty or "visit_date" not in visits:
        return
    rep = _Reporter("visits", visits, sources.get("visits", "visits"), problems)
    died = take_by_subject(death_date, subject_positions(visits["subject_id"], death_date.index))
    after_death = (visits["visit_date"].to_numpy() > died.to_numpy()).astype(bool)
    rep.flag(
        after_death,
        "visit_date",
        lambda p: f"visit on {visits['visit_date'].iloc[p].date()} is after the subject's death",
        "correct the date; derivations ignore visits after death",
        severity="warning",
    )
    subj = subjects.drop_duplicates("subject_id").set_index("subject_id")
    at = subject_positions(visits["subject_id"], subj.index)
    start = take_by_subject(subj["start_date"], at).set_axis(visits.index)
    days_before = (start - visits["visit_date"]).dt.days
    rep.flag(
        (days_before > EARLY_VISIT_DAYS).to_numpy(),
        "visit_date",
        lambda p: (
            f"visit on {visits['visit_date'].iloc[p].date()} is "
            f"{int(days_before.iloc[p])} days before start_date"
        ),
        "check the date (screening "
        "is usually within weeks of day 1); rules use only the last value on or before "
        "day 1 as baseline",
        severity="warning",
    )
    has_base = (visits["visit_date"] <= start).groupby(visits["subject_id"]).any()
    no_base = subjects["subject_id"].map(has_base).eq(False)
    srep = _Reporter("subjects", subjects, sources.get("subjects", "subjects"), problems)
    srep.flag(
        no_base.to_numpy(),
        "start_date",
        lambda p: "no visit on or before start_date (no baseline)",
        "add the baseline visit; rules that compare with baseline "
        "(creatinine doubling, SRI, changes from baseline) cannot be evaluated",
        severity="warning",
    )
    if "end_date" in subjects:
        last = take_by_subject(subj["end_date"], at).set_axis(visits.index)
        after_end = ((visits["visit_date"] > last) & ~after_death).to_numpy()
        rep.flag(
            after_end,
            "visit_date",
            lambda p: (
                f"visit on {visits['visit_date'].iloc[p].date()} is after the subject's end_date"
            ),
            "correct end_date (last contact) or the "
            "visit date; derivations ignore visits after end_date",
            severity="warning",
        )


def _check_partial_descriptors(visits, present, source, problems) -> None:
    """Partial descriptors bound the score from below: more than the given score is an error."""
    if "sledai2k" not in visits:
        return
    weights = np.array([SLEDAI_WEIGHTS[d] for d in present], float)
    marked = visits[present].astype("Float64").fillna(0).to_numpy(float)
    floor = marked @ weights
    given = visits["sledai2k"]
    bad = (given.notna() & (floor > given.fillna(np.inf) + 1e-9)).to_numpy()
    rep = _Reporter("visits", visits, source, problems)
    rep.flag(
        bad,
        "sledai2k",
        lambda p: (
            f"sledai2k is {given.iloc[p]:g} but the descriptors given already add up to "
            f"{floor[p]:g} ("
            + ", ".join(d for d, m in zip(present, marked[p], strict=True) if m)
            + ")"
        ),
        "correct the score or the descriptors (present descriptors cannot exceed the score)",
    )


def fill_derived(
    tables: dict[str, pd.DataFrame], visits_source: str
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Fill ``sledai2k`` and ``egfr_ml_min``; report score/descriptor disagreements."""
    problems: list[Problem] = []
    visits = tables["visits"].copy(deep=False)  # new columns only; no copy of the data
    present = [d for d in SLEDAI_DESCRIPTORS if d in visits]
    if present and not has_descriptors(visits):
        problems.append(
            Problem(
                "visits",
                f"only {len(present)} of the 24 SLEDAI-2K descriptor "
                "columns are present; the score is not computed from them",
                "add the missing descriptor columns or give sledai2k",
                source=visits_source,
                severity="warning",
            )
        )
        _check_partial_descriptors(visits, present, visits_source, problems)
    elif present:
        score = sledai2k_score(visits)
        if "sledai2k" in visits:
            given = visits["sledai2k"]
            bad = (given.notna() & score.notna() & (given - score).abs().gt(1e-9)).to_numpy()
            rep = _Reporter("visits", visits, visits_source, problems)
            rep.flag(
                bad,
                "sledai2k",
                lambda p: (
                    f"sledai2k is {given.iloc[p]:g} but its descriptors add up to {score.iloc[p]:g}"
                ),
                "correct the score or the descriptors",
            )
            visits["sledai2k"] = given.fillna(score)
        else:
            visits["sledai2k"] = score
    subjects = tables["subjects"]
    if "creatinine_umol_l" in visits and {"age_years", "sex"} <= set(subjects.columns):
        subj = subjects.drop_duplicates("subject_id").set_index("subject_id")
        at = subject_positions(visits["subject_id"], subj.index)
        start = take_by_subject(subj["start_date"], at).set_axis(visits.index)
        age = take_by_subject(subj["age_years"], at).set_axis(visits.index) + (
            (visits["visit_date"] - start).dt.days / DAYS_PER_YEAR
        )
        sex = take_by_subject(subj["sex"], at).set_axis(visits.index)
        computed = ckd_epi_2021(visits["creatinine_umol_l"], age, sex)
        if "egfr_ml_min" in visits:
            visits["egfr_ml_min"] = visits["egfr_ml_min"].fillna(computed)
        else:
            visits["egfr_ml_min"] = computed
    tables = dict(tables)
    tables["visits"] = visits
    for name, df in tables.items():
        if "_row" in df:
            df = df.copy(deep=False)
            del df["_row"]  # removes the column's block: no copy of the others
            tables[name] = df
    return tables, problems
