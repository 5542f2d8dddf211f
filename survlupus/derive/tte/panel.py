"""The visit panel: every visit row with its subject's context, and the per-variable helpers the
rules share ("previous assessment", "lowest so far", baseline), computed once and vectorised.

Conventions (``docs/derivation.md``, general conventions):

* **baseline** of a variable: the last non-missing value dated on or before ``start_date``;
* **analysis values** of a variable: its baseline value and every post-baseline value (earlier
  pre-baseline values, e.g. an older screening value, are not used by the rules);
* **previous assessment**: the latest earlier row, baseline included, where the variable is
  non-missing;
* **lowest / highest so far**: over the analysis values strictly before the current row;
* **post-baseline**: dated after ``start_date``; only post-baseline rows can be events.

>>> panel = VisitPanel.from_trial(trial)                 # doctest: +SKIP
>>> panel.previous("pga")                                # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survlupus.trial.keys import (
    run_numbers,
    runs,
    subject_day_key,
    subject_positions,
    take_by_subject,
)
from survlupus.trial.model import Trial


def _missing(values: np.ndarray) -> np.ndarray:
    return np.isnat(values) if values.dtype.kind == "M" else np.isnan(values)


def _gap(values: np.ndarray):
    return np.datetime64("NaT") if values.dtype.kind == "M" else np.nan


def _at(values: np.ndarray, rows: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """``values[rows]`` where ``ok``, missing elsewhere (``rows`` may point past either end)."""
    if not len(values):
        return values.copy()
    out = np.take(values, rows, mode="clip")  # in place below: no temporary arrays
    out[~ok] = _gap(values)
    return out


@dataclass(eq=False)
class VisitPanel:
    """Visits sorted by subject and date, with ``post`` (dated after the subject's start date),
    ``_sid`` (the subject's run number), ``_spos`` (its row in ``trial.subjects``) and the
    subject's ``weight_kg`` beside each row."""

    frame: pd.DataFrame
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_trial(cls, trial: Trial) -> VisitPanel:
        cached = trial.__dict__.get("_visit_panel")
        if cached is not None:
            return cached
        v = trial.visits
        subjects = trial.subjects
        # Trial.visits is sorted by subject and date already: a shallow copy shares its columns
        frame = v.copy(deep=False)
        frame.index = pd.RangeIndex(len(frame))  # in place: no copy of the columns
        # position of the subject in trial.subjects (sorted by subject_id): the engine's key
        spos = subject_positions(frame["subject_id"], pd.Index(subjects["subject_id"]))
        # post-baseline: dated after the subject's start date (a visit of a subject without
        # one, or not in trial.subjects, is not)
        frame["post"] = frame["visit_date"] > take_by_subject(subjects["start_date"], spos)
        frame["_sid"] = run_numbers(
            frame["subject_id"].to_numpy(dtype=object)
        )  # integer keys group faster
        frame["_spos"] = spos
        if "weight_kg" in subjects:
            frame["weight_kg"] = take_by_subject(subjects["weight_kg"], spos)
        panel = cls(frame)
        trial.__dict__["_visit_panel"] = panel  # Trial is frozen; cache beside its fields
        return panel

    def carried_forward(self, variables) -> VisitPanel:
        """A panel where each variable's missing values take the subject's previous value
        (baseline included); cached per set of variables."""
        key = ("carried_forward", tuple(sorted(variables)))
        if key not in self._cache:
            frame = self.frame.copy(deep=False)
            for var in variables:
                if var in frame and frame[var].dtype.kind in "fM":
                    frame[var] = self._carried(frame[var])
                elif var in frame:
                    frame[var] = frame[var].groupby(self.frame["_sid"]).ffill()
            self._cache[key] = VisitPanel(frame)
        return self._cache[key]

    # --- within-subject primitives (rows are grouped by subject: runs, not group-bys) ------

    @property
    def _runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Where each subject's rows begin, and how many there are."""
        if "_runs" not in self._cache:
            self._cache["_runs"] = runs(self.frame["_sid"].to_numpy())
        return self._cache["_runs"]

    @property
    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's subject's first and last row."""
        if "_bounds" not in self._cache:
            starts, lengths = self._runs
            first = np.repeat(starts, lengths)
            self._cache["_bounds"] = first, np.repeat(starts + lengths - 1, lengths)
        return self._cache["_bounds"]

    @property
    def _rows(self) -> np.ndarray:
        """0, 1, ... n - 1 (row numbers), kept."""
        if "_rows" not in self._cache:
            self._cache["_rows"] = np.arange(len(self.frame), dtype=np.int64)
        return self._cache["_rows"]

    def _series(self, values: np.ndarray) -> pd.Series:
        return pd.Series(values, index=self.frame.index)

    def _before(self, values: pd.Series) -> pd.Series:
        """The latest non-missing value on an earlier row of the subject (pandas:
        ``groupby(subject).ffill().groupby(subject).shift(1)``)."""
        v = values.to_numpy()
        # the last non-missing row up to each row (running maximum of row numbers), one row on
        earlier = np.empty(len(v), dtype=np.int64)
        if len(v):
            earlier[0] = -1
            np.maximum.accumulate(np.where(_missing(v[:-1]), -1, self._rows[:-1]), out=earlier[1:])
        return self._series(_at(v, earlier, earlier >= self._bounds[0]))

    def _carried(self, values: pd.Series) -> pd.Series:
        """The latest non-missing value on this or an earlier row (``groupby().ffill()``)."""
        v = values.to_numpy()
        last = np.maximum.accumulate(np.where(_missing(v), -1, self._rows))
        return self._series(_at(v, last, last >= self._bounds[0]))

    def _after(self, values: pd.Series) -> pd.Series:
        """The earliest non-missing value on a later row (``shift(-1)`` then ``bfill()``)."""
        v = values.to_numpy()
        n = len(v)
        nxt = np.minimum.accumulate(np.where(_missing(v), n, np.arange(n))[::-1])[::-1]
        later = np.r_[nxt[1:], n]
        return self._series(_at(v, later, later <= self._bounds[1]))

    def _count_after(self, flags: np.ndarray) -> np.ndarray:
        """How many later rows of the subject are flagged."""
        c = np.cumsum(flags, dtype=np.int64)
        return c[self._bounds[1]] - c

    # --- basic accessors -----------------------------------------------------------------

    @property
    def subject(self) -> pd.Series:
        """Integer subject keys (in subject order) for grouping; ``frame.subject_id`` has IDs."""
        return self.frame["_sid"]

    @property
    def date(self) -> pd.Series:
        return self.frame["visit_date"]

    def seq_at(self, rows: np.ndarray) -> np.ndarray:
        """The rows' sequence numbers within their subject (1, 2, ...; by date): ``SRCSEQ``
        (rows are grouped by subject: a row's number counts from its subject's first row)."""
        rows = np.asarray(rows, dtype=np.int64)
        return rows - self._bounds[0][rows] + 1

    @property
    def day_key(self) -> np.ndarray:
        """Each row's (subject position, visit day) as one int64 (``keys.subject_day_key``):
        increasing down the panel, so the engine finds a subject's visits by binary search."""
        if "day_key" not in self._cache:
            key = subject_day_key(self.frame["_spos"].to_numpy(), self.date.to_numpy())
            if len(key) > 1 and not np.all(key[1:] > key[:-1]):
                raise ValueError("the visit panel is not in subject and date order")
            self._cache["day_key"] = key
        return self._cache["day_key"]

    @property
    def post(self) -> pd.Series:
        return self.frame["post"]

    def has(self, var: str) -> bool:
        return var in self.frame.columns

    def col(self, var: str) -> pd.Series:
        """The raw column, or an all-missing float Series when the column is absent."""
        if var in self.frame.columns:
            return self.frame[var]
        return pd.Series(np.nan, index=self.frame.index, name=var)

    def num(self, var: str, cache: bool = True) -> pd.Series:
        """A numeric/boolean column as float (True = 1.0), missing as NaN."""
        key = ("num", var)
        if key in self._cache:
            return self._cache[key]
        c = self.col(var)
        out = c.astype("Float64").astype("float64") if c.dtype != "float64" else c
        if cache:
            self._cache[key] = out
        return out

    def newly_true(self, var: str) -> pd.Series:
        """A boolean variable present now and not at its previous assessment (baseline
        included). Not cached: used for the 24 SLEDAI descriptors, whose intermediate series
        would cost memory."""
        x = self.num(var, cache=False)
        pre_valued = (~self.post) & x.notna()
        later = self._count_after(pre_valued.to_numpy())
        a = x.where(self.post | (pre_valued & (later == 0)))
        prev = self._before(a)
        return (a == 1.0) & ~(prev == 1.0)

    def present(self, *vars_: str) -> pd.Series:
        """True where every named variable is non-missing."""
        out = pd.Series(True, index=self.frame.index)
        for var in vars_:
            out &= self.num(var).notna()
        return out

    # --- per-variable helpers --------------------------------------------------------------

    def analysis(self, var: str) -> pd.Series:
        """Baseline and post-baseline values; earlier pre-baseline values masked."""
        key = ("analysis", var)
        if key not in self._cache:
            x = self.num(var)
            pre_valued = (~self.post) & x.notna()
            # number of valued pre-baseline rows *after* this one, per subject
            later = self._count_after(pre_valued.to_numpy())
            keep = self.post | (pre_valued & (later == 0))
            self._cache[key] = x.where(keep)
        return self._cache[key]

    def baseline(self, var: str) -> pd.Series:
        """The subject's baseline value of ``var`` broadcast to every row."""
        key = ("baseline", var)
        if key not in self._cache:
            a = self.analysis(var).where(~self.post).to_numpy()  # at most one value per subject
            starts, lengths = self._runs
            per_subject = np.fmax.reduceat(a, starts) if len(a) else a
            self._cache[key] = self._series(np.repeat(per_subject, lengths))
        return self._cache[key]

    def previous(self, var: str) -> pd.Series:
        """Value at the previous assessment of ``var`` (NaN if none)."""
        key = ("previous", var)
        if key not in self._cache:
            self._cache[key] = self._before(self.analysis(var))
        return self._cache[key]

    def previous_of(self, values: pd.Series, key=None) -> pd.Series:
        """Previous non-missing value of any aligned Series (all rows, pre-baseline included)."""
        return self._before(values.astype("float64"))  # not cached: each caller uses it once

    def memo(self, key, compute):
        """Compute once per panel (e.g. an endpoint's sources, reused by the composite)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def previous_date(self, var: str) -> pd.Series:
        key = ("previous_date", var)
        if key not in self._cache:
            d = self.date.where(self.analysis(var).notna())
            self._cache[key] = self._before(d.astype("datetime64[ns]"))
        return self._cache[key]

    def lowest_before(self, var: str) -> pd.Series:
        key = ("lowest_before", var)
        if key not in self._cache:
            a = self.analysis(var)
            cm = a.fillna(np.inf).groupby(self.subject).cummin().replace(np.inf, np.nan)
            self._cache[key] = cm.groupby(self.subject).shift(1)
        return self._cache[key]

    def highest_before(self, var: str) -> pd.Series:
        key = ("highest_before", var)
        if key not in self._cache:
            a = self.analysis(var)
            cm = a.fillna(-np.inf).groupby(self.subject).cummax().replace(-np.inf, np.nan)
            self._cache[key] = cm.groupby(self.subject).shift(1)
        return self._cache[key]

    def newly(self, condition: pd.Series, var: str, previous_condition: pd.Series) -> pd.Series:
        """``condition`` holds now and did not hold at the previous assessment of ``var``.

        With no previous assessment the condition counts as new.
        """
        had_previous = self.previous(var).notna()
        return condition & ~(previous_condition.fillna(False).astype(bool) & had_previous)

    def next_assessed(self, adequate: pd.Series, values: pd.Series) -> tuple[pd.Series, pd.Series]:
        """For each row: ``values`` and the date at the next *later* row where ``adequate``."""
        d = self.date.where(adequate).astype("datetime64[ns]")
        v = values.where(adequate).astype("float64")
        return self._after(v), self._after(d)
