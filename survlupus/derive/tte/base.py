"""What every endpoint definition shares: the base class, source builders and evidence wording.

A definition is a frozen dataclass whose fields are the rule's thresholds; ``sources(trial,
panel)`` returns its event and censoring sources for the engine; ``describe()`` states the rule in
words (reused in audit text and ``list_endpoints()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from survlupus.derive.settings import check_settings
from survlupus.derive.tte.engine import CensorSource, Convention, EventSource
from survlupus.derive.tte.panel import VisitPanel
from survlupus.trial.keys import (
    DAY_BITS,
    day_number,
    is_sorted_by,
    seq_in_runs,
    subject_positions,
)
from survlupus.trial.model import Trial

UNITS = {
    "creatinine_umol_l": ("creatinine", "µmol/L", 0),
    "upcr_g_g": ("UPCR", "g/g", 2),
    "proteinuria_g_24h": ("proteinuria", "g/24 h", 2),
    "urine_rbc_hpf": ("urine RBC", "/hpf", 0),
    "hemoglobin_g_dl": ("haemoglobin", "g/dL", 1),
    "platelets_10e9_l": ("platelets", "×10⁹/L", 0),
    "neutrophils_10e9_l": ("neutrophils", "×10⁹/L", 2),
    "sledai2k": ("SLEDAI-2K", "", 0),
    "pga": ("PGA", "", 1),
    "cellular_casts": ("cellular casts", "", 0),
}


MISSING_KEY = np.iinfo(np.int64).min
"""The rounded value of a missing number (a key of its own)."""


def _by_distinct(keys: np.ndarray, text_of) -> np.ndarray:
    """``text_of(distinct keys)`` spread back to every element (an object array): evidence
    repeats a few hundred values over many rows, so each is written once."""
    if len(keys) == 0:
        return np.array([], dtype=object)
    distinct, inverse = np.unique(keys, return_inverse=True)
    return np.asarray(text_of(distinct), dtype=object)[inverse.reshape(-1)]


def _number_text(scaled: np.ndarray, decimals: int) -> np.ndarray:
    """Integers in units of ``10**-decimals`` as decimal text (``-12`` -> ``-0.12``)."""
    sign = np.where(scaled < 0, "-", "")
    mag = np.abs(scaled)
    text = np.strings.add(sign.astype(np.str_), (mag // 10**decimals).astype(np.str_))
    if decimals:
        frac = np.strings.zfill((mag % 10**decimals).astype(np.str_), decimals)
        text = np.strings.add(np.strings.add(text, "."), frac)
    return text.astype(object)


def _scaled(values, decimals: int) -> np.ndarray:
    """Values rounded to integer units of ``10**-decimals``; missing as the smallest int64."""
    v = np.asarray(pd.Series(values).astype("float64"), dtype="float64")
    missing = ~np.isfinite(v)
    scaled = np.rint(np.where(missing, 0.0, v) * 10**decimals).astype(np.int64)
    return np.where(missing, MISSING_KEY, scaled)


def fmt(values, var: str | None = None, decimals: int | None = None) -> np.ndarray:
    """Numbers as text (an object array, positional): ``142``, ``0.45``; missing as ``missing``.

    The value is rounded to an integer number of units of ``10**-decimals``; each distinct
    number is written once (numpy's string ufuncs) and spread to its rows.
    """
    if decimals is None:
        decimals = UNITS.get(var or "", ("", "", 2))[2]

    def text_of(keys):
        return np.where(keys == MISSING_KEY, "missing", _number_text(keys, decimals))

    return _by_distinct(_scaled(values, decimals), text_of)


def value_text(panel_rows: pd.DataFrame, var: str) -> np.ndarray:
    """``creatinine 142 µmol/L`` for each row (``cellular casts yes/no``)."""
    label, unit, dec = UNITS.get(var, (var, "", 2))
    if var == "cellular_casts":
        v = panel_rows[var].astype("float64").to_numpy()  # True 1.0, False 0.0, missing NaN
        words = np.where(np.isnan(v), "missing", np.where(v != 0, "yes", "no"))
        return (label + " " + words.astype(object)).astype(object)
    suffix = f" {unit}" if unit else ""

    def text_of(keys):
        number = _number_text(keys, dec)
        return np.where(keys == MISSING_KEY, f"{label} missing", label + " " + number + suffix)

    return _by_distinct(_scaled(panel_rows[var], dec), text_of)


def join_parts(*parts, sep: str = "; ") -> np.ndarray:
    """Element-wise join of aligned text arrays, skipping empty and missing parts."""
    arrays = [np.asarray(p, dtype=object) for p in parts]
    out = np.empty(len(arrays[0]), dtype=object)
    # one pass joining each row's parts (object arrays concatenate element by element anyway)
    rows = zip(*arrays, strict=True)
    out[:] = [sep.join([x for x in row if isinstance(x, str) and x]) for row in rows]
    return out


def date_text(dates) -> np.ndarray:
    """Dates as ``YYYY-MM-DD`` text (an object array, positional); missing as ``?``."""
    arr = np.asarray(pd.Series(dates).to_numpy(dtype="datetime64[ns]")).astype("datetime64[D]")

    def text_of(days):
        return np.where(np.isnat(days), "?", np.datetime_as_string(days, unit="D"))

    return _by_distinct(arr, text_of)


MISSING_POLICIES = ("skip", "carry_forward")


@dataclass(frozen=True)
class Endpoint:
    """Base of every definition. Subclasses set the fields' defaults and implement ``sources``."""

    paramcd: str = ""
    param: str = ""
    scope: str | None = None
    citation: str = ""
    missing: str = "skip"
    """What a visit with a missing rule variable does: ``"skip"`` (it is not an assessment: no
    event there, censoring at the last adequate assessment) or ``"carry_forward"`` (the
    subject's previous value of that variable, baseline included, is carried forward first)."""

    death_is_event = False
    event_is_good: ClassVar[bool] = False
    """True for a favourable event (remission): its curve is drawn as a cumulative incidence
    rising from 0, and a hazard ratio above 1 favours the arm."""
    variables: ClassVar[tuple[str, ...]] = ()  # visit variables the rule reads (carry_forward)

    def __post_init__(self) -> None:
        if self.missing not in MISSING_POLICIES:
            raise ValueError(
                f"{type(self).__name__}.missing must be one of {MISSING_POLICIES}, "
                f"not {self.missing!r}"
            )
        check_settings(self)

    def sources(
        self, trial: Trial, panel: VisitPanel
    ) -> tuple[list[EventSource], list[CensorSource]]:
        raise NotImplementedError

    def rule_text(self) -> str:
        return self.__doc__.strip().splitlines()[0] if self.__doc__ else self.param

    def describe(self) -> str:
        """The rule in sentences, with its settings, population and source."""
        from survlupus.derive.words import describe

        return describe(self)

    def convention(self, window_days: int, aval_offset: int = 1) -> Convention:
        return Convention(window_days, aval_offset, self.death_is_event)


def visit_source(
    panel: VisitPanel,
    mask: pd.Series,
    rule: pd.Series | str,
    description: str,
    evidence_vars: Sequence[str] = (),
    extra=None,
) -> EventSource:
    """An event source from the visit rows where ``mask`` holds (post-baseline only).

    Evidence lists ``evidence_vars`` at that visit, then ``extra(rows)`` if given; it is built
    only for the rows the engine picks.
    """
    if mask.dtype == bool:
        m = mask.to_numpy() & panel.post.to_numpy()
    else:  # missing (NaN, NA) is not met
        m = (mask.fillna(False).astype(bool) & panel.post).to_numpy()
    # slim candidates (date, panel row, (subject, day) key): censoring sources hold nearly every
    # visit row, and the composite keeps its components' sources. The subject's position is in
    # the key, and the record number (SRCSEQ) is added for the chosen rows only (``complete``).
    # The two integer columns are written into one block (a frame built from separate arrays
    # copies them into one)
    i = np.flatnonzero(m)
    block = np.empty((2, len(i)), dtype=np.int64)
    block[0] = i
    block[1] = panel.day_key[i]
    rows = pd.DataFrame(block.T, columns=["_i", "_key"], copy=False)
    rows.insert(0, "date", panel.date.to_numpy()[i])
    rows.attrs["sorted"] = True  # panel order: by subject, then date (so _key increases)
    if isinstance(rule, pd.Series):
        rows["rule"] = rule.to_numpy()[m]
    elif rule:
        rows["rule"] = rule

    def evidence(sel: pd.DataFrame) -> pd.Series:
        i = sel["_i"].to_numpy()
        # the winning rows of the columns the text reads (not every panel column)
        cols = [c for c in (*evidence_vars, "visit", "visit_date") if c in panel.frame]
        src = pd.DataFrame({c: panel.frame[c].array.take(i) for c in dict.fromkeys(cols)})
        parts = [value_text(src, v) for v in evidence_vars if v in src]
        if extra is not None:
            parts.append(np.asarray(extra(sel["_i"].to_numpy()), dtype=object))
        visit = src["visit"].fillna("").to_numpy() if "visit" in src else np.full(len(src), "")
        head = "visit " + visit.astype(object) + " on " + date_text(src["visit_date"])
        return pd.Series(join_parts(head, *parts), index=sel.index)

    def complete(sel: pd.DataFrame) -> pd.DataFrame:
        sel["seq"] = panel.seq_at(sel["_i"].to_numpy())
        return sel

    return EventSource(rows, description, "VISITS", "VISIT_DATE", evidence, complete=complete)


def last_adequate_assessment(
    panel: VisitPanel, variables: Sequence[str], adequate: pd.Series | None = None
) -> CensorSource:
    """Censoring at the last post-baseline visit where all ``variables`` are present."""
    if adequate is None:  # the same candidates for every rule with these variables: once
        src = panel.memo(
            ("last_adequate", tuple(variables)),
            lambda: visit_source(
                panel, panel.present(*variables), "", "last adequate assessment", variables
            ),
        )
    else:
        src = visit_source(panel, adequate, "", "last adequate assessment", variables)
    lacked = " later visit(s) in the window lacked " + " or ".join(variables)

    def note_of(counts):
        return np.where(counts > 0, "; " + counts.astype(str).astype(object) + lacked, "")

    def text_of(rows: pd.DataFrame) -> np.ndarray:
        text = np.asarray(src.evidence(rows), dtype=object)
        i = rows["_i"].to_numpy()
        # visits of the subject after this one, up to the end of observation, none adequate
        key = panel.day_key
        upto = (key[i] >> DAY_BITS << DAY_BITS) + day_number(rows["obs_end"].to_numpy())
        later = np.searchsorted(key, upto, side="right") - i - 1
        return text + _by_distinct(later, note_of)

    if adequate is not None:
        return CensorSource(
            src.candidates,
            src.description,
            src.srcdom,
            src.srcvar,
            lambda rows: pd.Series(text_of(rows), index=rows.index),
            complete=src.complete,
        )
    # rules sharing these variables (severe and extrarenal flare; renal flare and treatment
    # failure) censor at the same visits: each visit's text is written once per end of
    # observation. Kept for the visits written so far (sorted by panel row), not per panel row
    memo = panel.memo(
        ("last_adequate_text", tuple(variables)),
        lambda: {
            "i": np.array([], dtype=np.int64),
            "end": np.array([], dtype="datetime64[ns]"),
            "text": np.array([], dtype=object),
        },
    )

    def evidence(rows: pd.DataFrame) -> pd.Series:
        i = rows["_i"].to_numpy()
        end = rows["obs_end"].to_numpy(dtype="datetime64[ns]")
        text = np.empty(len(i), dtype=object)
        at = np.searchsorted(memo["i"], i)
        if len(memo["i"]):
            at = np.minimum(at, len(memo["i"]) - 1)
            known = (memo["i"][at] == i) & (memo["end"][at] == end)
        else:
            known = np.zeros(len(i), dtype=bool)
        text[known] = memo["text"][at[known]]
        new = ~known
        if new.any():
            text[new] = text_of(rows[new])
            kept = ~np.isin(memo["i"], i[new])  # a visit written for another end: rewritten
            merged = {
                "i": np.concatenate([memo["i"][kept], i[new]]),
                "end": np.concatenate([memo["end"][kept], end[new]]),
                "text": np.concatenate([memo["text"][kept], text[new]]),
            }
            order = np.argsort(merged["i"], kind="stable")
            memo.update({k: v[order] for k, v in merged.items()})
        return pd.Series(text, index=rows.index)

    return CensorSource(
        src.candidates, src.description, src.srcdom, src.srcvar, evidence, complete=src.complete
    )


def last_contact(trial: Trial) -> CensorSource:
    """Censoring at the last contact, capped at the end of observation (window, death)."""
    from survlupus.derive.tte.scope import UNLIMITED_WINDOW_DAYS, observation

    full = observation(trial, UNLIMITED_WINDOW_DAYS)
    c = pd.DataFrame(
        {
            "subject_id": full["subject_id"],
            "_spos": full["_spos"],
            "date": full["last_contact"],
            "last_contact": full["last_contact"],
            "rule": "",
        }
    )

    def evidence(rows: pd.DataFrame) -> pd.Series:
        capped = rows["date"] < rows["last_contact"]
        what = np.where(
            capped, "end of observation (analysis window or death) ", "last contact (end_date) "
        )
        return pd.Series(what + date_text(rows["date"]), index=rows.index)

    return CensorSource(c, "last contact", "SUBJECTS", "END_DATE", evidence, clip_to_obs_end=True)


def record_seq(table: pd.DataFrame, date: str, *ties: str) -> pd.Series:
    """The record's sequence number within its subject (1, 2, ...), in the order of ``date``
    then ``ties``: what SDTM's ``--SEQ`` is, and what ADaM's ``SRCSEQ`` points to."""
    if table.empty:
        return pd.Series(dtype="float64", index=table.index)
    keys = ["subject_id", date, *ties]
    # Trial tables are kept in this order already: then numbering runs is all it takes
    order = table if is_sorted_by(table, keys) else table.sort_values(keys, kind="stable")
    seq = pd.Series(seq_in_runs(order["subject_id"].to_numpy()), index=order.index)
    return seq if order is table else seq.reindex(table.index)


def event_records(trial: Trial, names: Sequence[str], severity: str | None = None) -> pd.DataFrame:
    """Rows of the events table with these names (and severity), as ``subject_id, date, ...``."""
    ev = trial.events
    if ev.empty or "event" not in ev:
        sel = pd.DataFrame(
            {
                "subject_id": pd.Series(dtype=object),
                "start_date": pd.Series(dtype="datetime64[ns]"),
                "event": pd.Series(dtype=object),
            }
        )
    else:
        cache = trial.__dict__.setdefault("_derive_cache", {})
        if "events_seq" not in cache:  # the events' record numbers, once per trial
            cache["events_seq"] = record_seq(ev, "start_date", "event")
        sel = ev[ev["event"].isin(names)].assign(seq=cache["events_seq"])
    if severity is not None:
        sel = sel[sel["severity"] == severity] if "severity" in sel else sel.iloc[:0]
    out = sel.rename(columns={"start_date": "date"}).copy()
    for col in ("detail", "severity"):
        if col not in out:
            out[col] = pd.Series(None, index=out.index, dtype=object)
    if "end_date" not in out:
        out["end_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    for col in ("date", "end_date"):
        if out[col].dtype.kind != "M":  # (to_datetime of dates would look at every value)
            out[col] = pd.to_datetime(out[col])
    # the subject's row in trial.subjects: the engine matches subjects by it
    out["_spos"] = subject_positions(out["subject_id"], pd.Index(trial.subjects["subject_id"]))
    return out.reset_index(drop=True)
