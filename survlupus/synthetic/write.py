"""Writing trial tables in the data-contract layout, byte for byte reproducibly.

Dates as ``YYYY-MM-DD``, booleans as ``true``/``false``, missing as an empty cell, ``\\n`` line
ends, rows in the order given (the simulator sorts them) and columns in a fixed order.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd


def _one(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _cell_text(series: pd.Series) -> np.ndarray:
    """The column's cells as text, a whole column at a time (per-value only for mixed columns)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d").fillna("").to_numpy(object)
    values = series.to_numpy(object)
    missing = pd.isna(values)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    text = np.full(len(values), "", dtype=object)
    present = values[~missing]
    if kind == "boolean":
        text[~missing] = np.where(present.astype(bool), "true", "false")
    elif kind in ("floating", "mixed-integer-float") and not pd.api.types.is_integer_dtype(series):
        text[~missing] = list(map(repr, present.astype(float).tolist()))
    elif kind in ("string", "integer", "empty"):
        text[~missing] = list(map(str, present.tolist()))
    else:
        text[~missing] = list(map(_one, present.tolist()))
    return text


def write_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write each table as ``out_dir/NAME.csv``; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        text = (
            pd.DataFrame({c: _cell_text(df[c]) for c in df.columns}, columns=df.columns)
            if len(df)
            else df.astype(str)
        )
        path = out / f"{name}.csv"
        text.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written
