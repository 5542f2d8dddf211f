"""How result objects show themselves: a one-line ``repr`` and, in Jupyter, a header line over a
small HTML table of the essentials (never the input data); and how a p-value is printed."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

DASH = "—"
"""No test or fit ran (a table's footnote says why); not applicable."""


def fmt_p(p) -> str:
    """A p-value: ``—`` when no test ran, ``<0.001``, else three decimals."""
    try:
        v = float(p)
    except (TypeError, ValueError):
        return DASH
    if not np.isfinite(v):
        return DASH
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def html_table(header: str, frame: pd.DataFrame, digits: int = 4) -> str:
    """``header`` as a paragraph over ``frame`` rounded to ``digits`` significant places."""
    shown = frame.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}g}")
    return f"<p>{html.escape(header)}</p>" + shown.to_html(index=False, border=0, na_rep="")
