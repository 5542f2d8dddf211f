"""How result objects show themselves: a one-line ``repr`` and, in Jupyter, a header line over a
small HTML table of the essentials (never the input data)."""

from __future__ import annotations

import html

import pandas as pd


def html_table(header: str, frame: pd.DataFrame, digits: int = 4) -> str:
    """``header`` as a paragraph over ``frame`` rounded to ``digits`` significant places."""
    shown = frame.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}g}")
    return f"<p>{html.escape(header)}</p>" + shown.to_html(index=False, border=0, na_rep="")
