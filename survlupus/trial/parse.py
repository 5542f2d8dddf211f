"""Typed parsing of raw table columns, recording a :class:`Problem` for every bad cell.

Every function takes the raw column (text from a CSV, or whatever a DataFrame/Parquet holds), returns
the typed column, and appends problems that name the table, column, subject and row. Nothing raises
here: the caller decides whether the collected problems are fatal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survlupus.errors import Problem, Severity
from survlupus.trial.distinct import (
    factorized,
    forget_factorized,
    is_missing_value,
    is_text,
    missing_mask,
    missing_values,
    spread,
)

__all__ = ["TableContext", "forget_factorized", "missing_mask"]

MAX_LISTED = 20
"""At most this many rows are listed per (table, column, check); the rest are summarised."""

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]00:00(:00(\.0+)?)?$")
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


@dataclass
class TableContext:
    """A table being read: its frame, where it came from, and the problems found so far."""

    name: str
    frame: pd.DataFrame
    source: str
    is_file: bool
    problems: list[Problem] = field(default_factory=list)

    def row_label(self, pos: int) -> int | str:
        if self.is_file:
            return pos + 2  # header is line 1
        label = self.frame.index[pos]
        return int(label) if isinstance(label, (int, np.integer)) else str(label)

    def subject_at(self, pos: int) -> str | None:
        if "subject_id" not in self.frame.columns:
            return None
        value = self.frame["subject_id"].iloc[pos]
        return None if is_missing_value(value) else str(value)

    def add(
        self,
        message: str,
        fix: str = "",
        column: str | None = None,
        severity: Severity = "error",
        pos: int | None = None,
        subject: str | None = None,
    ) -> None:
        if pos is not None and subject is None:
            subject = self.subject_at(pos)
        self.problems.append(
            Problem(
                table=self.name,
                message=message,
                fix=fix,
                column=column,
                subject=subject,
                row=None if pos is None else self.row_label(pos),
                severity=severity,
                source=self.source,
            )
        )

    def flag(
        self,
        mask,
        column: str | None,
        message: Callable[[int], str],
        fix: str,
        severity: Severity = "error",
    ) -> None:
        """Record one problem per True position of ``mask`` (bounded, then summarised)."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        for pos in positions[:MAX_LISTED]:
            self.add(message(int(pos)), fix, column, severity, pos=int(pos))
        if len(positions) > MAX_LISTED:
            self.add(
                f"... and {len(positions) - MAX_LISTED} more rows with the same problem",
                fix,
                column,
                severity,
            )


def parse_text(ctx: TableContext, column: str) -> pd.Series:
    raw = ctx.frame[column]
    if not is_text(raw):
        raw = raw.astype(object)
    codes, uniques = factorized(raw)
    text = uniques.str.strip().to_numpy(dtype=object, na_value=None)
    text[missing_values(uniques)] = None
    return pd.Series(spread(text, codes, None), index=raw.index, dtype=object)


def parse_number(ctx: TableContext, column: str) -> pd.Series:
    raw = ctx.frame[column]
    if pd.api.types.is_bool_dtype(raw):
        ctx.flag(
            np.ones(len(raw), bool),
            column,
            lambda p: "holds true/false, not a number",
            "give the value as a number",
        )
        return pd.Series(np.nan, index=raw.index)
    if pd.api.types.is_numeric_dtype(raw):
        num = raw if raw.dtype == "float64" else raw.astype("float64")  # no copy if typed
        infinite = np.isinf(num.to_numpy())
        if infinite.any():
            ctx.flag(
                infinite,
                column,
                lambda p: f"{num.iloc[p]} is not a finite number",
                "write the measured value, or leave the cell empty if not assessed",
            )
            num = num.mask(infinite)
        return num
    codes, uniques = factorized(raw)
    text = uniques.str.strip()
    miss = missing_values(uniques)
    num_u = pd.to_numeric(text.where(~miss), errors="coerce").astype("float64").to_numpy()
    num_u[np.isinf(num_u)] = np.nan  # 'inf' is not a measurement
    bad_u = ~miss & np.isnan(num_u)
    if bad_u.any():
        comma_u = text.str.fullmatch(r"-?\d+,\d+").fillna(False).to_numpy(bool)
        bad, comma = spread(bad_u, codes, False), spread(comma_u, codes, False)

        def msg(p: int) -> str:
            return f"{text.iloc[codes[p]]!r} is not a number"

        ctx.flag(
            bad & comma, column, msg, "use a decimal point, not a decimal comma (1.2, not 1,2)"
        )
        ctx.flag(
            bad & ~comma,
            column,
            msg,
            "write a plain number, or leave the cell empty if not assessed",
        )
    return pd.Series(spread(num_u, codes, np.nan), index=raw.index)


def parse_bool(ctx: TableContext, column: str) -> pd.Series:
    raw = ctx.frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean")
    if not is_text(raw):
        raw = raw.astype(object)
    codes, uniques = factorized(raw)
    norm = uniques.str.strip().str.lower()
    is_true = norm.isin(_TRUE).fillna(False).to_numpy(bool)
    is_false = norm.isin(_FALSE).fillna(False).to_numpy(bool)
    known = spread(is_true | is_false, codes, False)
    out = pd.Series(pd.arrays.BooleanArray(spread(is_true, codes, False), ~known), index=raw.index)
    bad = spread(~missing_values(uniques) & ~(is_true | is_false), codes, False)
    ctx.flag(
        bad,
        column,
        lambda p: f"{raw.iloc[p]!r} is not true/false",
        "write true or false (or 1/0, yes/no); leave empty if not assessed",
    )
    return out


def parse_date(ctx: TableContext, column: str) -> pd.Series:
    raw = ctx.frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        out = pd.to_datetime(raw).dt.tz_localize(None) if getattr(raw.dt, "tz", None) else raw
        if out.dtype != "datetime64[ns]":
            out = out.astype("datetime64[ns]")
        ns = out.to_numpy().view("int64")
        if not (out.notna().to_numpy() & (ns % 86_400_000_000_000 != 0)).any():
            return out  # typed calendar dates (e.g. Parquet): used as they are, no copy
        has_time = (out.notna() & (out != out.dt.normalize())).to_numpy()
        ctx.flag(
            has_time,
            column,
            lambda p: f"{raw.iloc[p]} has a time of day",
            "give calendar dates only (YYYY-MM-DD)",
            severity="warning",
        )
        return out.dt.normalize()
    if not is_text(raw):
        raw = raw.astype(object)
    codes, uniques = factorized(raw)
    miss = missing_values(uniques)
    text = uniques.str.strip()
    iso = text.str.fullmatch(_ISO_DATE.pattern).fillna(False).to_numpy(bool)
    iso |= text.str.fullmatch(_ISO_DATETIME.pattern).fillna(False).to_numpy(bool)
    head = text.str.slice(0, 10)
    day = pd.to_datetime(head.where(iso), format="%Y-%m-%d", errors="coerce")
    year = pd.to_numeric(head.str.slice(0, 4).where(iso), errors="coerce")
    odd_year = ((year < 1900) | (year > 2100)).fillna(False).to_numpy(dtype=bool)
    impossible = ~miss & iso & ~odd_year & day.isna().to_numpy()
    day = day.astype("datetime64[ns]").to_numpy()
    day[odd_year] = np.datetime64("NaT")

    def said(p: int) -> str:
        return repr(text.iloc[codes[p]])

    ctx.flag(
        spread(~miss & ~iso, codes, False),
        column,
        lambda p: f"{said(p)} is not an ISO date",
        "write dates as YYYY-MM-DD (e.g. 2021-05-03)",
    )
    ctx.flag(
        spread(odd_year, codes, False),
        column,
        lambda p: f"{said(p)} has an implausible year",
        "correct the year",
    )
    ctx.flag(
        spread(impossible, codes, False),
        column,
        lambda p: f"{said(p)} is not a real calendar date",
        "correct the day or month",
    )
    return pd.Series(spread(day, codes, np.datetime64("NaT")), index=raw.index)


def _choose(
    ctx: TableContext, column: str, allowed: tuple[str, ...], upper: bool, what: str, severity
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, each distinct value's canonical spelling (``None`` if not allowed) and whether
    it is allowed; flags every cell that is filled but not one of ``allowed``."""
    raw = ctx.frame[column]
    if not is_text(raw):
        raw = raw.astype(object)
    codes, uniques = factorized(raw)
    text = uniques.str.strip()
    norm = text.str.upper() if upper else text.str.lower()
    ok = norm.isin(allowed).fillna(False).to_numpy(bool)
    ctx.flag(
        spread(~missing_values(uniques) & ~ok, codes, False),
        column,
        lambda p: f"unknown {what} {text.iloc[codes[p]]!r}",
        "use one of: " + ", ".join(allowed),
        severity=severity,
    )
    canonical = norm.to_numpy(dtype=object, na_value=None)
    canonical[~ok] = None
    return codes, canonical, ok


def parse_choice(
    ctx: TableContext,
    column: str,
    allowed: tuple[str, ...],
    *,
    upper: bool = False,
    what: str = "value",
    severity: Severity = "error",
) -> pd.Series:
    """Text restricted to ``allowed`` (case-insensitive); returns the canonical spelling."""
    codes, canonical, _ = _choose(ctx, column, allowed, upper, what, severity)
    return pd.Series(spread(canonical, codes, None), index=ctx.frame.index, dtype=object)


def parse_grade(ctx: TableContext, column: str, grades: tuple[str, ...], what: str) -> pd.Series:
    """An ordered grade (``A`` worst ... ``E``), upper-cased, as an ordered categorical."""
    codes, canonical, ok = _choose(ctx, column, grades, True, what, "error")
    rank = np.array([grades.index(g) if k else -1 for g, k in zip(canonical, ok, strict=True)])
    order = spread(rank.astype("int64"), codes, -1)  # no distinct value: every code is -1
    dtype = pd.CategoricalDtype(list(grades), ordered=True)
    return pd.Series(pd.Categorical.from_codes(order, dtype=dtype), index=ctx.frame.index)


def check_range(
    ctx: TableContext,
    column: str,
    values: pd.Series,
    low,
    high,
    plausible,
    hint_low: str,
    hint_high: str,
) -> pd.Series:
    """Flag negative/impossible values (errors) and probable unit errors; return values as is."""
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        if low is not None:
            ctx.flag(
                v < low,
                column,
                lambda p: f"value {v[p]:g} is below {low:g}",
                "correct the value; it cannot be negative" if low == 0 else "correct the value",
            )
        if high is not None:
            ctx.flag(
                v > high,
                column,
                lambda p: f"value {v[p]:g} is above the maximum {high:g}",
                "correct the value",
            )
        if plausible is not None:
            lo, hi = plausible
            hard_ok = np.ones(len(v), bool)
            if low is not None:
                hard_ok &= ~(v < low)
            if high is not None:
                hard_ok &= ~(v > high)
            ctx.flag(
                hard_ok & (v < lo),
                column,
                lambda p: f"value {v[p]:g} is implausibly low (probable unit error)",
                hint_low or "check the value and the unit of this column",
            )
            ctx.flag(
                hard_ok & (v > hi),
                column,
                lambda p: f"value {v[p]:g} is implausibly high (probable unit error)",
                hint_high or "check the value and the unit of this column",
            )
    return values
