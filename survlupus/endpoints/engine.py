"""The one engine: "the first date at which a rule holds, else censor", for every endpoint.

Modelled on admiral's ``derive_param_tte``. Sources are *data*: an :class:`EventSource` is a table of
candidate dates (one row per date at which an event criterion holds), a :class:`CensorSource` a table
of candidate censoring dates. :func:`derive_tte` combines them, for every subject in scope, like this:

1. **Observation.** Each subject is observed from ``STARTDT`` (``start_date``, study day 1) to
   ``obs_end`` = the earliest of the end of the analysis window (``STARTDT + window_days - 1``),
   the last contact (``end_date``) and death. Candidates after ``obs_end`` are ignored.
2. **Events.** Per source, the first candidate per subject dated after ``STARTDT`` (or on it, for a
   source with ``on_start=True``, e.g. a death on day 1) and not after ``obs_end``. Across sources
   the earliest date wins; ties go to the source listed first.
3. **Censoring.** Per source, the *last* candidate per subject dated after ``STARTDT`` and not after
   ``obs_end``. Across sources the latest date wins; ties go to the source listed first.
4. **Event beats censoring.** A subject with an event gets ``CNSR = 0`` and ``ADT`` = the event date.
   Otherwise ``ADT`` = the censoring date and ``CNSR`` says why observation stopped there:
   1 follow-up complete, 2 the subject withdrew early, 3 the subject died (only for endpoints that
   do not count death as an event). A subject with no candidate at all (no adequate post-baseline
   assessment) gets ``CNSR = 4`` with ``ADT = STARTDT``.
5. **ADT is never before STARTDT** (guaranteed by steps 2-3), and ``AVAL = ADT - STARTDT + 1``
   days (``aval_offset=1``, the ADaM study-day convention; set 0 for plain elapsed days).

Every output row carries the evidence: ``RULE`` (which criterion fired), ``EVIDENCE`` (the values,
in words), ``SRCDOM``/``SRCVAR``/``SRCDT`` (where the decision was read).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

ADTTE_COLUMNS = [
    "USUBJID", "PARAMCD", "PARAM", "ARM", "SUBGROUP", "STARTDT", "ADT", "AVAL", "CNSR",
    "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCDT", "RULE", "EVIDENCE",
]

CNSR_COMPLETE, CNSR_WITHDREW, CNSR_DIED, CNSR_NO_ASSESSMENT = 1, 2, 3, 4
CNSR_TEXT = {
    CNSR_COMPLETE: "censored at the last adequate assessment; follow-up complete",
    CNSR_WITHDREW: "censored at the last adequate assessment; subject withdrew early",
    CNSR_DIED: "censored at the last adequate assessment; subject died",
    CNSR_NO_ASSESSMENT: "no adequate post-baseline assessment",
}

Evidence = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class EventSource:
    """Candidate event dates: ``candidates`` has ``subject_id, date, rule`` and either an
    ``evidence`` column or whatever columns the ``evidence`` callable reads."""

    candidates: pd.DataFrame
    description: str
    srcdom: str
    srcvar: str
    evidence: Evidence | None = None
    on_start: bool = False


@dataclass(frozen=True)
class CensorSource:
    """Candidate censoring dates (``subject_id, date``; evidence as for events)."""

    candidates: pd.DataFrame
    description: str
    srcdom: str
    srcvar: str
    evidence: Evidence | None = None
    clip_to_obs_end: bool = False
    """For "last contact"-type dates: censor at ``min(date, obs_end)`` instead of dropping."""


@dataclass(frozen=True)
class Convention:
    """The time-to-event conventions; the defaults are the spec's."""

    window_days: int = 183
    aval_offset: int = 1
    death_is_event: bool = False


def _in_observation(cands: pd.DataFrame, scope: pd.DataFrame, on_start: bool,
                    clip: bool = False) -> pd.DataFrame:
    c = cands.merge(scope[["subject_id", "start_date", "obs_end"]], on="subject_id", how="inner")
    if clip:
        c["date"] = c["date"].where(c["date"] <= c["obs_end"], c["obs_end"])
    after = (c["date"] >= c["start_date"]) if on_start else (c["date"] > c["start_date"])
    return c[after & (c["date"] <= c["obs_end"])]


def _evidence(src, rows: pd.DataFrame) -> pd.Series:
    if src.evidence is not None and len(rows):
        return pd.Series(src.evidence(rows), index=rows.index).astype(str)
    if "evidence" in rows:
        return rows["evidence"].astype(str)
    return pd.Series("", index=rows.index)


def _pick(sources: Sequence, scope: pd.DataFrame, *, first: bool) -> pd.DataFrame:
    """Earliest (first=True) or latest candidate per subject across sources."""
    picked = []
    for i, src in enumerate(sources):
        c = _in_observation(src.candidates, scope, getattr(src, "on_start", False),
                            getattr(src, "clip_to_obs_end", False))
        if c.empty:
            continue
        c = c.sort_values(["subject_id", "date"], kind="stable")
        c = c.drop_duplicates("subject_id", keep="first" if first else "last")
        rows = pd.DataFrame({
            "subject_id": c["subject_id"].to_numpy(),
            "date": c["date"].to_numpy(),
            "rule": c["rule"].to_numpy() if "rule" in c else "",
            "evidence": _evidence(src, c).to_numpy(),
            "desc": src.description,
            "srcdom": src.srcdom,
            "srcvar": src.srcvar,
            "_src": i,
        })
        picked.append(rows)
    if not picked:
        empty = pd.DataFrame(columns=["subject_id", "date", "rule", "evidence", "desc", "srcdom",
                                      "srcvar", "_src"])
        return empty.astype({"date": "datetime64[ns]"}).set_index("subject_id")
    allp = pd.concat(picked, ignore_index=True)
    allp = allp.sort_values(["subject_id", "date", "_src"], ascending=[True, first, True],
                            kind="stable")
    return allp.drop_duplicates("subject_id", keep="first").set_index("subject_id")


def derive_tte(scope: pd.DataFrame, paramcd: str, param: str, events: Sequence[EventSource],
               censors: Sequence[CensorSource], convention: Convention = Convention()
               ) -> pd.DataFrame:
    """One ADTTE row per subject of ``scope`` for one parameter (the algorithm of the module doc).

    ``scope`` has ``subject_id, arm, subgroup, start_date, obs_end, status`` with status in
    ``complete``, ``withdrew``, ``died`` (see :func:`survlupus.endpoints.scope.observation`).

    >>> adtte = derive_tte(scope, "TTDTH", "Time to death", [deaths], [last_contact])  # doctest: +SKIP
    """
    sc = scope.set_index("subject_id")
    ev = _pick(events, scope, first=True).reindex(sc.index)
    ce = _pick(censors, scope, first=False).reindex(sc.index)
    has_event = ev["date"].notna()
    has_censor = ~has_event & ce["date"].notna()
    status_code = sc["status"].map({"complete": CNSR_COMPLETE, "withdrew": CNSR_WITHDREW,
                                    "died": CNSR_DIED}).fillna(CNSR_COMPLETE)
    if convention.death_is_event:
        status_code = status_code.replace(CNSR_DIED, CNSR_COMPLETE)
    cnsr = np.where(has_event, 0, np.where(has_censor, status_code, CNSR_NO_ASSESSMENT))
    adt = pd.to_datetime(ev["date"].where(has_event, ce["date"].where(has_censor,
                                                                      sc["start_date"])))
    pick = lambda col: ev[col].where(has_event, ce[col].where(has_censor))  # noqa: E731
    out = pd.DataFrame({
        "USUBJID": sc.index,
        "PARAMCD": paramcd,
        "PARAM": param,
        "ARM": sc["arm"].to_numpy(),
        "SUBGROUP": sc["subgroup"].fillna("").to_numpy(),
        "STARTDT": sc["start_date"].to_numpy(),
        "ADT": adt.to_numpy(),
        "CNSR": cnsr.astype("int64"),
    })
    out["AVAL"] = ((out["ADT"] - out["STARTDT"]).dt.days + convention.aval_offset).astype("int64")
    out["EVNTDESC"] = np.where(has_event, ev["desc"].fillna(""), "")
    cens_text = pd.Series(cnsr).map(CNSR_TEXT).fillna("").to_numpy()
    cens_desc = ce["desc"].fillna("").to_numpy()
    out["CNSDTDSC"] = np.where(has_event, "", np.where(has_censor, cens_desc + ": " + cens_text,
                                                       CNSR_TEXT[CNSR_NO_ASSESSMENT]))
    out["SRCDOM"] = pick("srcdom").fillna("SUBJECTS").to_numpy()
    out["SRCVAR"] = pick("srcvar").fillna("START_DATE").to_numpy()
    out["SRCDT"] = out["ADT"]
    out["RULE"] = pick("rule").fillna("").to_numpy()
    out["EVIDENCE"] = pick("evidence").fillna("").to_numpy()
    no_ass = cnsr == CNSR_NO_ASSESSMENT
    out.loc[no_ass, "EVIDENCE"] = "no post-baseline assessment with the variables the rule needs"
    return out[ADTTE_COLUMNS].sort_values(["USUBJID"], kind="stable").reset_index(drop=True)
