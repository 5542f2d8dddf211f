"""Cells as a report prints them: every number formatted, nothing printed as ``nan`` or ``None``.

* an estimate that could not be estimated is ``NE``; a p-value, hazard ratio or any cell where no
  test or fit ran is ``—`` (the table's footnote says why);
* an estimate with its confidence limits is one cell, ``0.62 (0.15, 2.60)``;
* counts are integers, percentages have one decimal, p-values three (``<0.001`` below);
* the numeric columns behind a formatted one (``_median``; ``lower``/``upper`` once combined) are
  not shown — the CSV keeps the numbers.

>>> tidy(pd.DataFrame({"estimate": [0.5, None], "lower": [0.2, None], "upper": [0.8, None]}))
... # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survlupus.stats.display import DASH, fmt_p

NE = "NE"
"""Not estimable: the estimate exists but the data cannot give it (e.g. a median not reached)."""

CI_GROUPS = (
    ("estimate", "lower", "upper", "estimate (95% CI)", 2, 1.0),
    ("proportion", "lower", "upper", "% (95% CI)", 1, 100.0),
    ("difference", "diff_lower", "diff_upper", "difference, % (95% CI)", 1, 100.0),
    ("mean", "mean_lower", "mean_upper", "mean (95% CI)", 2, 1.0),
    ("rate_per_100py", "lower", "upper", "rate per 100 PY (95% CI)", 1, 1.0),
    ("median", "q1", "q3", "median (Q1, Q3)", 2, 1.0),
)
P_COLUMNS = ("p", "p_value", "p_interaction")
PERCENT_COLUMNS = ("pct",)
HIDDEN = ("display", "kind", "evaluable", "event_is_good")


def fmt_num(x, digits: int = 2) -> str:
    """``NE`` for a missing or infinite number, else ``digits`` decimals."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return NE
    return NE if not np.isfinite(v) else f"{v:.{digits}f}"


def fmt_ci(est, lo, hi, digits: int = 2, scale: float = 1.0) -> str:
    """``est (lo, hi)``; ``NE`` for a limit that is missing; ``—`` when nothing was estimated."""
    if all(pd.isna(v) for v in (est, lo, hi)):
        return DASH
    e, lo_, hi_ = (fmt_num(scale * v if pd.notna(v) else v, digits) for v in (est, lo, hi))
    return f"{e} ({lo_}, {hi_})"


def fmt_int(x) -> str:
    return DASH if pd.isna(x) else str(int(round(float(x))))


def _is_count(s: pd.Series) -> bool:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return len(v) > 0 and bool(np.all(np.abs(v - np.round(v)) < 1e-9))


def text_cell(x) -> str:
    """Any other cell: dates as ISO dates, booleans as yes/no, missing as empty."""
    if x is None or x is pd.NA or x is pd.NaT:
        return ""
    if isinstance(x, float) and np.isnan(x):
        return ""
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, pd.Timestamp):
        return x.strftime("%Y-%m-%d")
    return str(x)


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as a report prints it (the rules of the module docstring): all strings."""
    out = df[[c for c in df.columns if not str(c).startswith("_") and c not in HIDDEN]].copy()
    for est, lo, hi, label, digits, scale in CI_GROUPS:
        if {est, lo, hi} <= set(out.columns):
            combined = [
                fmt_ci(a, b, c, digits, scale)
                for a, b, c in zip(out[est], out[lo], out[hi], strict=True)
            ]
            pos = list(out.columns).index(est)
            out = out.drop(columns=[est, lo, hi])
            out.insert(pos, label, combined)
    for c in out.columns:
        col = out[c]
        if c in P_COLUMNS:
            out[c] = col.map(fmt_p)
        elif pd.api.types.is_bool_dtype(col):
            out[c] = col.map(text_cell)
        elif pd.api.types.is_datetime64_any_dtype(col):
            out[c] = col.dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_numeric_dtype(col):
            if c in PERCENT_COLUMNS:
                out[c] = col.map(lambda v: fmt_num(v, 1))
            elif _is_count(col):
                out[c] = col.map(fmt_int)
            else:
                out[c] = col.map(fmt_num)
        else:
            out[c] = col.map(text_cell)
    return out.reset_index(drop=True)
