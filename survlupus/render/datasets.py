"""Writing derived datasets: CSV, Parquet or SAS transport (XPT) version 5, chosen by extension.

XPT v5 is what regulators accept (pyreadstat's default is version 8, so the version is set
explicitly). Its limits are handled here, in one place:

* names of at most 8 characters (ADaM names already are), labels of at most 40;
* character values of at most 200 bytes: a longer ``EVIDENCE`` is split into ``EVIDENCE``,
  ``EVIDENC1``, ``EVIDENC2`` ... (the SDTM convention for long text; the report's datasets are
  split already, always into the same number of parts, by
  :func:`survlupus.render.adam.conform.conform`);
* ASCII text: µ, ×, ≥, ⁹ and similar are spelled in ASCII (``umol/L``, ``x``, ``>=``, ``9``);
* dates as SAS dates (days since 1960-01-01) with format ``DATE9.``;
* the header's created/modified stamps are fixed at ``01JAN60:00:00:00``, so the same data give
  the same bytes.

CSV and Parquet keep the full text unchanged.

>>> write_dataset(adtte, "adtte.xpt", labels={"AVAL": "Analysis Value"}, name="ADTTE")
... # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from survlupus.render.adam.variables import continuations
from survlupus.render.ascii import ascii_series, max_length, per_distinct, to_ascii
from survlupus.textsafe import csv_safe

XPT_TEXT_BYTES = 200
SAS_EPOCH = pd.Timestamp("1960-01-01")


def _split_long(df: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    out = df.copy(deep=False)  # columns replaced, never changed in place
    for col in [c for c in df.columns if df[c].dtype == object]:
        text = ascii_series(out[col])
        longest = max_length(text)
        if longest <= XPT_TEXT_BYTES:
            out[col] = text
            continue
        n_parts = int(np.ceil(longest / XPT_TEXT_BYTES))
        out[col] = per_distinct(text, lambda u: u.str.slice(0, XPT_TEXT_BYTES))
        pos = list(out.columns).index(col)
        for k, name in enumerate(continuations(col, n_parts)[1:], start=2):
            if name in out.columns:
                raise ValueError(
                    f"XPT: the continuation {name} of {col} clashes with a column of that name; "
                    "rename the column or write CSV/Parquet"
                )
            lo, hi = (k - 1) * XPT_TEXT_BYTES, k * XPT_TEXT_BYTES
            out.insert(pos + k - 1, name, per_distinct(text, lambda u, a=lo, b=hi: u.str[a:b]))
            labels[name] = f"{labels.get(col, col)[:30]} (part {k})"
    return out


def write_dataset(
    df: pd.DataFrame,
    path: str | Path,
    *,
    labels: Mapping[str, str] | None = None,
    name: str = "DATA",
    dataset_label: str = "",
) -> Path:
    """Write ``df`` as CSV, Parquet or SAS transport v5 (``.xpt``), by the extension of ``path``.

    Parameters
    ----------
    df : DataFrame
    path : str or Path
    labels : mapping, optional
        Column labels (XPT; at most 40 characters).
    name : str
        The XPT member name (at most 8 characters).
    dataset_label : str
        The XPT dataset label (at most 40 characters).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        An unknown extension; an XPT column name over 8 characters.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> survlupus.write_dataset(pd.DataFrame({"USUBJID": ["=1+1"]}), out).read_text()
    "USUBJID\\n'=1+1\\n"
    """
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        out = csv_safe(df)
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                codes, days = pd.factorize(out[col])  # dates repeat: each formatted once
                text = np.array([*days.strftime("%Y-%m-%d"), None], dtype=object)
                out[col] = text[codes]  # an empty date (code -1) stays empty
            elif pd.api.types.is_float_dtype(out[col]) and _whole(out[col]):
                out[col] = out[col].astype("Int64")  # 171, not 171.0
        out.to_csv(path, index=False, lineterminator="\n")
    elif suffix == ".parquet":
        df.to_parquet(path, index=False)
    elif suffix == ".xpt":
        _write_xpt(df, path, dict(labels or {}), name, dataset_label)
    else:
        raise ValueError(f"{path}: unknown extension {suffix!r}; use .csv, .parquet or .xpt")
    return path


def _whole(values: pd.Series) -> bool:
    v = values.dropna().to_numpy()
    return bool(len(v)) and bool(np.all(np.isfinite(v) & (v == np.round(v))))


def _write_xpt(
    df: pd.DataFrame, path: Path, labels: dict[str, str], name: str, dataset_label: str = ""
) -> None:
    import pyreadstat

    long = [c for c in df.columns if len(str(c)) > 8]
    if long:
        raise ValueError(
            f"{path.name}: XPT v5 names have at most 8 characters: {', '.join(map(str, long))}; "
            "rename them or write CSV/Parquet"
        )
    out = _split_long(df, labels)
    formats = {}
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            # a SAS date: days since 1960-01-01 with a date format (the bytes pyreadstat writes
            # for date objects, without a Python object a cell)
            out[col] = (out[col] - SAS_EPOCH).dt.days.astype("float64")
            formats[col] = "DATE9."
        elif isinstance(out[col].dtype, pd.Int64Dtype):
            out[col] = out[col].astype("float64")  # SAS numbers are doubles
    col_labels = [to_ascii(labels.get(c, c))[:40] for c in out.columns]
    partial = path.with_name(path.name + ".partial")  # never a half-written .xpt
    pyreadstat.write_xport(
        out,
        str(partial),
        file_label=to_ascii(dataset_label)[:40],
        file_format_version=5,
        table_name=name[:8].upper(),
        column_labels=col_labels,
        variable_format=formats,
    )
    _pin_xpt_timestamps(partial)
    partial.replace(path)


_XPT_STAMP = re.compile(rb"\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}")
FIXED_XPT_STAMP = b"01JAN60:00:00:00"


def _pin_xpt_timestamps(path: Path) -> None:
    """Replace the created/modified stamps of the XPT header records (before the first
    observation header) with a fixed value, so that the same data give the same bytes."""
    marker = b"HEADER RECORD*******OBS     HEADER RECORD"
    with path.open("r+b") as f:  # the header only: the observations are not read
        head, end = b"", -1
        while end < 0:
            more = f.read(1 << 16)
            head += more
            end = head.find(marker)
            if not more:
                break
        head = head[: end if end > 0 else len(head)]
        f.seek(0)
        f.write(_XPT_STAMP.sub(FIXED_XPT_STAMP, head))  # stamps keep their length
