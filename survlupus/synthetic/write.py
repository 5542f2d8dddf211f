"""Writing trial tables in the data-contract layout, byte for byte reproducibly.

Dates as ``YYYY-MM-DD``, booleans as ``true``/``false``, missing as an empty cell, ``\\n`` line
ends, rows in the order given (the simulator sorts them) and columns in a fixed order.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd


def _cell_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_bool_dtype(series) or series.dtype == object:

        def one(v):
            if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
                return ""
            if isinstance(v, bool) or type(v).__name__ == "bool_":
                return "true" if v else "false"
            if isinstance(v, pd.Timestamp):
                return v.strftime("%Y-%m-%d")
            return str(v)

        return series.map(one)
    if pd.api.types.is_float_dtype(series):
        return series.map(lambda v: "" if pd.isna(v) else repr(float(v)))
    return series.astype(str)


def write_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write each table as ``out_dir/NAME.csv``; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        text = df.apply(_cell_text) if len(df) else df.astype(str)
        path = out / f"{name}.csv"
        text.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written
