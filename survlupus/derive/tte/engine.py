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
in words), ``SRCDOM``/``SRCVAR``/``SRCSEQ``/``SRCDT`` (the input table, its date column, the
record's sequence number within the subject, and the date: where the decision was read).
``EVNTDESC`` is filled on every row (the event, or why the row is censored: ``CNSR_TEXT``);
``CNSDTDSC`` on every censored row (the last adequate assessment, the last contact, the end of
the analysis window, death, or study day 1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survlupus.trial.keys import DAY_BITS, day_number, runs

ADTTE_COLUMNS = [
    "USUBJID",
    "PARAMCD",
    "PARAM",
    "ARM",
    "SUBGROUP",
    "STARTDT",
    "ADT",
    "AVAL",
    "CNSR",
    "EVNTDESC",
    "CNSDTDSC",
    "SRCDOM",
    "SRCVAR",
    "SRCSEQ",
    "SRCDT",
    "RULE",
    "EVIDENCE",
]

CNSR_COMPLETE, CNSR_WITHDREW, CNSR_DIED, CNSR_NO_ASSESSMENT = 1, 2, 3, 4
CNSR_TEXT = {
    CNSR_COMPLETE: "censored: no event by the end of observation (follow-up complete)",
    CNSR_WITHDREW: "censored: no event before the subject withdrew early",
    CNSR_DIED: "censored: the subject died without the event",
    CNSR_NO_ASSESSMENT: "censored at day 1: no adequate post-baseline assessment",
}
"""``EVNTDESC`` of censored rows, by ``CNSR`` (the codelist of the dataset metadata)."""
WINDOW_END = "end of the analysis window"
DAY_ONE = "study day 1 (start date)"

Evidence = Callable[[pd.DataFrame], pd.Series]
Complete = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class EventSource:
    """Candidate event dates: ``candidates`` has ``subject_id, date, rule`` and either an
    ``evidence`` column or whatever columns the ``evidence`` callable reads.

    Optional, for speed: ``_spos`` (the subject's row in ``trial.subjects``) instead of
    ``subject_id``, and ``_key`` (``keys.subject_day_key``, increasing down the rows) with which
    each subject's first or last candidate in its window is found by binary search (a key holds
    the subject's position too: it stands for ``_spos``); the visit sources of
    :func:`~survlupus.derive.tte.base.visit_source` carry keys."""

    candidates: pd.DataFrame
    description: str
    srcdom: str
    srcvar: str
    evidence: Evidence | None = None
    on_start: bool = False
    complete: Complete | None = None
    """Adds to the chosen candidates columns computed from those they carry (a visit source's
    ``seq``: kept for the winners, not for every visit)."""


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
    complete: Complete | None = None
    """As :attr:`EventSource.complete`."""


@dataclass(frozen=True)
class Convention:
    """The time-to-event conventions; the defaults are the spec's."""

    window_days: int = 183
    aval_offset: int = 1
    death_is_event: bool = False


def _in_observation(
    cands: pd.DataFrame, scope: pd.DataFrame, on_start: bool, clip: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates of subjects in scope, dated within their observation: ``(scope position,
    date, row of cands)`` arrays (dates clipped to ``obs_end`` with ``clip``).

    Subjects are matched by integer position (``_spos``: the subject's row in the sorted
    subjects table) when both sides carry it, else by ID.
    """
    if cands.empty or scope.empty:
        empty = np.array([], dtype=np.int64)
        return empty, np.array([], dtype="datetime64[ns]"), empty
    spos = subject_position(cands) if "_spos" in scope else None
    if spos is not None:
        scope_spos = scope["_spos"].to_numpy()
        size = int(max(scope_spos.max(), spos.max(), 0)) + 1
        if spos.min() >= 0 and len(scope) == size and (scope_spos == np.arange(size)).all():
            pos = spos  # everybody in scope, in subject order: positions are the same
        else:
            lookup = np.full(size, -1)
            lookup[scope_spos] = np.arange(len(scope))
            pos = np.where(spos >= 0, lookup[spos], -1)  # -1: a subject not in trial.subjects
    else:
        pos = pd.Index(scope["subject_id"]).get_indexer(cands["subject_id"])
    date = cands["date"].to_numpy(dtype="datetime64[ns]")
    inside = pos >= 0
    if not inside.all():  # some candidates' subjects are out of scope: drop them first
        keep = np.flatnonzero(inside)
        pos, date = pos[keep], date[keep]
    else:
        keep = None
    start = scope["start_date"].to_numpy(dtype="datetime64[ns]")[pos]
    obs_end = scope["obs_end"].to_numpy(dtype="datetime64[ns]")[pos]
    if clip:
        date = np.minimum(date, obs_end)
    ok = (date >= start) if on_start else (date > start)
    ok &= date <= obs_end
    rows = np.flatnonzero(ok)
    return pos[rows], date[rows], (rows if keep is None else keep[rows])


def subject_position(cands: pd.DataFrame) -> np.ndarray | None:
    """Each candidate's subject position in ``trial.subjects``: ``_spos``, else from ``_key``;
    None when the candidates carry neither (they have ``subject_id``)."""
    if "_spos" in cands:
        return cands["_spos"].to_numpy()
    if "_key" in cands:
        return cands["_key"].to_numpy() >> DAY_BITS
    return None


def _evidence(src, rows: pd.DataFrame) -> np.ndarray:
    if src.evidence is not None and len(rows):
        return np.asarray(src.evidence(rows), dtype=object)
    if "evidence" in rows:
        return rows["evidence"].astype(str).to_numpy(dtype=object)
    return np.full(len(rows), "", dtype=object)


FIELDS = ("rule", "evidence", "desc", "srcdom", "srcvar")


def _one_per_subject(
    cands: pd.DataFrame, scope: pd.DataFrame, on_start: bool, first: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Each scope subject's first (last) candidate within observation, by binary search on the
    candidates' increasing (subject, day) keys: ``(scope rows, candidate rows)``.

    The same choice as filtering every candidate and keeping each subject's first (last), in
    O(subjects x log candidates) instead of passes over all candidates (a censoring source holds
    nearly every visit). Dates are days, as every date of a trial is.
    """
    key = cands["_key"].to_numpy()
    if not len(key):
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    base = scope["_spos"].to_numpy().astype(np.int64) << DAY_BITS
    start = day_number(scope["start_date"].to_numpy())
    end = day_number(scope["obs_end"].to_numpy())
    if first:  # the first candidate on or after the day observation starts (or the day after)
        at = np.searchsorted(key, base + start + (0 if on_start else 1), side="left")
        found = key[np.minimum(at, len(key) - 1)]
        ok = (at < len(key)) & ((found >> DAY_BITS) == (base >> DAY_BITS))
        ok &= (found - base) <= end
    else:  # the last candidate on or before the day observation ends
        at = np.searchsorted(key, base + end, side="right") - 1
        found = key[np.maximum(at, 0)]
        ok = (at >= 0) & ((found >> DAY_BITS) == (base >> DAY_BITS))
        ok &= (found - base) >= start + (0 if on_start else 1)
    rows = np.flatnonzero(ok)
    return rows, at[rows]


def _pick(sources: Sequence, scope: pd.DataFrame, *, first: bool) -> dict[str, np.ndarray]:
    """Earliest (first=True) or latest candidate per subject across sources.

    Returns arrays aligned with ``scope``'s rows: ``date`` (NaT where none) and the text fields
    (``""`` where none). Evidence is built only for the winning rows.
    """
    n = len(scope)
    out = {"date": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")}
    out.update({f: np.full(n, "", dtype=object) for f in FIELDS})
    out["seq"] = np.full(n, np.nan)
    out["clipped"] = np.zeros(n, dtype=bool)
    pos_, day_, src_, cand_ = [], [], [], []
    for i, src in enumerate(sources):
        on_start = getattr(src, "on_start", False)
        clip = getattr(src, "clip_to_obs_end", False)
        if "_key" in src.candidates and "_spos" in scope and not clip and len(scope):
            pos, cand = _one_per_subject(src.candidates, scope, on_start, first)
            ns = src.candidates["date"].to_numpy(dtype="datetime64[ns]")[cand].view(np.int64)
        else:
            pos, date, cand = _in_observation(src.candidates, scope, on_start, clip)
            if not len(pos):
                continue
            ns = date.view(np.int64)
            if not (src.candidates.attrs.get("sorted") and np.all(pos[1:] >= pos[:-1])):
                order = np.lexsort((ns, pos))  # by subject, then date; stable
                pos, ns, cand = pos[order], ns[order], cand[order]
            starts, lengths = runs(pos)  # each subject's first (last) candidate
            keep = starts if first else starts + lengths - 1
            pos, ns, cand = pos[keep], ns[keep], cand[keep]
        if not len(pos):
            continue
        pos_.append(pos)
        day_.append(ns)
        src_.append(np.full(len(pos), i))
        cand_.append(cand)
    if not pos_:
        return out
    pos, ns, src_of, cand = (np.concatenate(x) for x in (pos_, day_, src_, cand_))
    # across sources: the earliest (latest) date wins, ties to the source listed first
    order = np.lexsort((src_of, ns if first else -ns, pos))
    order = order[runs(pos[order])[0]]
    pos, ns, src_of, cand = pos[order], ns[order], src_of[order], cand[order]
    date = ns.view("datetime64[ns]")
    out["date"][pos] = date
    obs_end = scope["obs_end"].to_numpy(dtype="datetime64[ns]")
    for i, src in enumerate(sources):
        mine = src_of == i
        if not mine.any():
            continue
        rows = src.candidates.iloc[cand[mine]].copy()
        if getattr(src, "complete", None) is not None:
            rows = src.complete(rows)
        p = pos[mine]
        out["clipped"][p] = rows["date"].to_numpy(dtype="datetime64[ns]") > date[mine]
        rows["date"] = date[mine]  # clipped censoring dates
        rows["obs_end"] = obs_end[p]
        if "rule" in rows:
            out["rule"][p] = rows["rule"].to_numpy(dtype=object)
        if "seq" in rows:
            out["seq"][p] = rows["seq"].to_numpy(dtype="float64")
        out["evidence"][p] = _evidence(src, rows)
        out["desc"][p] = src.description
        out["srcdom"][p] = src.srcdom
        out["srcvar"][p] = src.srcvar
    return out


def derive_tte(
    scope: pd.DataFrame,
    paramcd: str,
    param: str,
    events: Sequence[EventSource],
    censors: Sequence[CensorSource],
    convention: Convention = Convention(),
) -> pd.DataFrame:
    """One ADTTE row per subject of ``scope`` for one parameter (the algorithm of the module
    docstring; modelled on admiral's ``derive_param_tte``).

    Parameters
    ----------
    scope : DataFrame
        ``subject_id, arm, subgroup, start_date, obs_end, status`` (status ``complete``,
        ``withdrew`` or ``died``; :func:`survlupus.derive.tte.scope.observation`), sorted by
        ``subject_id``; the output follows that order.
    paramcd, param : str
    events : sequence of EventSource
        Candidate event dates with their rule and evidence; the earliest wins.
    censors : sequence of CensorSource
        Candidate censoring dates (adequate assessments); the latest wins.
    convention : Convention
        Window, AVAL offset and whether death is an event.

    Returns
    -------
    DataFrame
        ADTTE rows: ``CNSR`` 0 for an event, else 1-4 saying why observation stopped.

    Examples
    --------
    >>> adtte = derive_tte(scope, "TTDTH", "Time to death", [deaths], [last_contact])  # doctest: +SKIP
    """
    ev = _pick(events, scope, first=True)
    ce = _pick(censors, scope, first=False)
    has_event = ~np.isnat(ev["date"])
    has_censor = ~has_event & ~np.isnat(ce["date"])
    status_code = (
        scope["status"]
        .map({"complete": CNSR_COMPLETE, "withdrew": CNSR_WITHDREW, "died": CNSR_DIED})
        .fillna(CNSR_COMPLETE)
        .to_numpy()
    )
    if convention.death_is_event:
        status_code = np.where(status_code == CNSR_DIED, CNSR_COMPLETE, status_code)
    cnsr = np.where(has_event, 0, np.where(has_censor, status_code, CNSR_NO_ASSESSMENT))
    start = scope["start_date"].to_numpy(dtype="datetime64[ns]")
    adt = np.where(has_event, ev["date"], np.where(has_censor, ce["date"], start))

    def pick(col: str, default: str) -> np.ndarray:
        v = np.where(has_event, ev[col], np.where(has_censor, ce[col], default))
        return v.astype(object)

    cnsr_words = pd.Series(cnsr).map(CNSR_TEXT).fillna("").to_numpy(dtype=object)
    window_end = start + np.timedelta64(convention.window_days - 1, "D")
    censor_desc = np.where(
        ce["clipped"],
        np.where(adt == window_end, f"{WINDOW_END} (day {convention.window_days})", "death"),
        ce["desc"],
    )
    out = pd.DataFrame(
        {
            "USUBJID": scope["subject_id"].to_numpy(),
            "PARAMCD": paramcd,
            "PARAM": param,
            "ARM": scope["arm"].to_numpy(),
            "SUBGROUP": scope["subgroup"].fillna("").to_numpy(),
            "STARTDT": start,
            "ADT": adt,
            "AVAL": ((adt - start) // np.timedelta64(1, "D") + convention.aval_offset).astype(
                "int64"
            ),
            "CNSR": cnsr.astype("int64"),
            "EVNTDESC": np.where(has_event, ev["desc"], cnsr_words).astype(object),
            "CNSDTDSC": np.where(has_event, "", np.where(has_censor, censor_desc, DAY_ONE)).astype(
                object
            ),
            "SRCDOM": pick("srcdom", "SUBJECTS"),
            "SRCVAR": pick("srcvar", "START_DATE"),
            "SRCSEQ": np.where(has_event, ev["seq"], np.where(has_censor, ce["seq"], np.nan)),
            "SRCDT": adt,
            "RULE": pick("rule", ""),
            "EVIDENCE": np.where(
                cnsr == CNSR_NO_ASSESSMENT,
                "no post-baseline assessment with the variables the rule needs",
                pick("evidence", ""),
            ).astype(object),
        }
    )
    return out  # built in ADTTE_COLUMNS order (a test checks it)
