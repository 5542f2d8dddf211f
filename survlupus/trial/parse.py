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
        return None if _is_missing(value) else str(value)

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


MISSING_CODES = frozenset({"", "na", "n/a", "null", ".", "nan"})
"""Cell texts read as missing (any case, surrounding spaces ignored): empty, R's ``NA``, SAS's
``.``, ``N/A``, ``NULL`` and ``NaN``."""


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().casefold() in MISSING_CODES
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_FACTORIZED: dict = {}


def factorized(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a column, kept for the next call on the same column (a parser asks
    for it up to three times: missing values, the text, its normal form)."""
    arr = raw.array
    key = (id(arr), len(arr))
    hit = _FACTORIZED.get(key)
    if hit is None or hit[0] is not arr:
        if len(_FACTORIZED) > 8:
            _FACTORIZED.clear()
        hit = (arr, *pd.factorize(raw, use_na_sentinel=True))
        _FACTORIZED[key] = hit
    return hit[1], hit[2]


def forget_factorized() -> None:
    """Drop the kept factorisations (called once a table is parsed)."""
    _FACTORIZED.clear()


def by_unique(raw: pd.Series, fn) -> pd.Series:
    """``fn`` (a vectorised map of a ``string`` Series) applied to the column's distinct values
    only, then spread back to every row: columns repeat their values (visit labels, flags,
    drug names), so a string operation costs the distinct values, not the rows."""
    codes, uniques = factorized(raw)
    mapped = fn(pd.Series(uniques, dtype=object).astype("string")).to_numpy(dtype=object)
    out = np.full(len(raw), pd.NA, dtype=object)
    ok = codes >= 0
    out[ok] = mapped[codes[ok]]
    return pd.Series(pd.array(out, dtype="string"), index=raw.index)


def missing_mask(raw: pd.Series) -> np.ndarray:
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        codes, uniques = factorized(raw)
        u = pd.Series(uniques, dtype=object).astype("string")
        missing = (u.isna() | u.str.strip().str.casefold().isin(MISSING_CODES)).to_numpy(bool)
        return np.where(codes < 0, True, missing[np.maximum(codes, 0)] if len(u) else True)
    return raw.isna().to_numpy(dtype=bool)


def parse_text(ctx: TableContext, column: str) -> pd.Series:
    raw = ctx.frame[column]
    out = by_unique(raw, lambda s: s.str.strip())
    miss = missing_mask(raw)
    return out.mask(miss).astype(object).where(~miss, None)


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
    text = raw.astype("string").str.strip()
    miss = missing_mask(raw)
    num = pd.to_numeric(text.where(~miss), errors="coerce").astype("float64")
    num = num.mask(np.isinf(num.to_numpy()))  # 'inf' is not a measurement
    bad = ~miss & num.isna().to_numpy()
    if bad.any():
        comma = text.str.fullmatch(r"-?\d+,\d+").fillna(False).to_numpy()

        def msg(p: int) -> str:
            return f"{text.iloc[p]!r} is not a number"

        ctx.flag(
            bad & comma, column, msg, "use a decimal point, not a decimal comma (1.2, not 1,2)"
        )
        ctx.flag(
            bad & ~comma,
            column,
            msg,
            "write a plain number, or leave the cell empty if not assessed",
        )
    return num


def parse_bool(ctx: TableContext, column: str) -> pd.Series:
    raw = ctx.frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean")
    miss = missing_mask(raw)
    text = by_unique(raw, lambda s: s.str.strip().str.lower())
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False).to_numpy()] = True
    out[text.isin(_FALSE).fillna(False).to_numpy()] = False
    bad = ~miss & out.isna().to_numpy()
    ctx.flag(
        bad,
        column,
        lambda p: f"{raw.iloc[p]!r} is not true/false",
        "write true or false (or 1/0, yes/no); leave empty if not assessed",
    )
    return out


def parse_date(ctx: TableContext, column: str) -> pd.Series:
    raw = ctx.frame[column]
    miss = missing_mask(raw)
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
    text = by_unique(raw, lambda s: s.str.strip())
    iso = text.str.fullmatch(_ISO_DATE.pattern).fillna(False).to_numpy()
    iso_midnight = text.str.fullmatch(_ISO_DATETIME.pattern).fillna(False).to_numpy()
    head = text.str.slice(0, 10)
    out = pd.to_datetime(head.where(iso | iso_midnight), format="%Y-%m-%d", errors="coerce")
    not_iso = ~miss & ~(iso | iso_midnight)
    ctx.flag(
        not_iso,
        column,
        lambda p: f"{text.iloc[p]!r} is not an ISO date",
        "write dates as YYYY-MM-DD (e.g. 2021-05-03)",
    )
    year = pd.to_numeric(head.str.slice(0, 4).where(iso | iso_midnight), errors="coerce")
    odd_year = ((year < 1900) | (year > 2100)).fillna(False).to_numpy(dtype=bool)
    ctx.flag(
        odd_year, column, lambda p: f"{text.iloc[p]!r} has an implausible year", "correct the year"
    )
    impossible = ~miss & (iso | iso_midnight) & ~odd_year & out.isna().to_numpy()
    ctx.flag(
        impossible,
        column,
        lambda p: f"{text.iloc[p]!r} is not a real calendar date",
        "correct the day or month",
    )
    out = out.mask(odd_year)
    return out.astype("datetime64[ns]")


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
    raw = ctx.frame[column]
    miss = missing_mask(raw)
    text = by_unique(raw, lambda s: s.str.strip())
    norm = by_unique(
        raw, lambda s: s.str.strip().str.upper() if upper else s.str.strip().str.lower()
    )
    ok = norm.isin(allowed).fillna(False).to_numpy()
    bad = ~miss & ~ok
    ctx.flag(
        bad,
        column,
        lambda p: f"unknown {what} {text.iloc[p]!r}",
        "use one of: " + ", ".join(allowed),
        severity=severity,
    )
    return norm.where(ok).astype(object).where(ok, None)


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
