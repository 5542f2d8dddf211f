"""Taking the analysis data out of an ADTTE table, with errors that say what is wrong.

The event indicator is always ``CNSR == 0`` (never ``1 - CNSR``: CNSR holds reason codes 1-4).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survlupus.errors import DataError, Problem


def _problem(message: str, fix: str, column: str | None = None) -> DataError:
    return DataError([Problem(table="adtte", message=message, fix=fix, column=column)])


def select(
    adtte: pd.DataFrame,
    paramcd: str,
    columns: Sequence[str] = (),
    subjects: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rows of one parameter with ``time`` (AVAL), ``event`` (CNSR == 0) and the named columns.

    ``columns`` may come from ``adtte`` or, joined on ``USUBJID``, from ``subjects``.
    """
    for col in ("USUBJID", "PARAMCD", "AVAL", "CNSR"):
        if col not in adtte.columns:
            raise _problem(f"column {col} is missing", "pass an ADTTE table from derive_adtte", col)
    # numpy on whole columns: at n = 1,000 pandas' boolean indexing and checks cost more than
    # the fit itself
    keep = np.asarray(adtte["PARAMCD"].to_numpy() == paramcd, dtype=bool)
    rows = adtte if keep.all() else adtte[keep]
    if rows.empty:
        known = ", ".join(sorted(adtte["PARAMCD"].unique()))
        raise _problem(f"no rows for PARAMCD {paramcd!r}", f"use one of: {known}", "PARAMCD")
    ids = rows["USUBJID"]
    if not ids.is_unique:
        dup = ids[ids.duplicated()].iloc[0]
        raise DataError(
            [
                Problem(
                    "adtte",
                    f"subject {dup} has two rows for {paramcd}",
                    "keep one row per subject and parameter",
                    "USUBJID",
                    dup,
                )
            ]
        )
    out = rows
    if subjects is not None:
        extra = [c for c in columns if c not in out.columns and c in subjects.columns]
        if extra:
            key = "USUBJID" if "USUBJID" in subjects else "subject_id"
            out = out.merge(
                subjects[[key, *extra]].rename(columns={key: "USUBJID"}), on="USUBJID", how="left"
            )
    for col in columns:
        if col not in out.columns:
            raise _problem(
                f"column {col} is not in the ADTTE table (nor in subjects)",
                "add it, or pass subjects= with that column",
                col,
            )
    aval = _numeric(out["AVAL"])
    bad = np.isnan(aval) | (aval < 0)
    if bad.any():
        s = out["USUBJID"].iloc[int(np.flatnonzero(bad)[0])]
        raise DataError(
            [Problem("adtte", "AVAL is missing or negative", "derive AVAL again", "AVAL", str(s))]
        )
    cnsr = _numeric(out["CNSR"])
    # one frame built from columns (inserting two columns into a copy costs more than the fit)
    data = {c: out[c].array for c in out.columns if c not in ("time", "event")}
    data["time"] = aval
    data["event"] = (cnsr == 0).astype(int)
    return pd.DataFrame(data, copy=False)


def _numeric(values: pd.Series) -> np.ndarray:
    """A column as float64, anything not a number NaN (``pd.to_numeric(errors="coerce")``; a
    numeric column is converted without parsing)."""
    if values.dtype.kind not in "fiu":
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy("float64", na_value=np.nan)


def group_labels(values: pd.Series) -> list:
    """Sorted distinct group labels (missing groups are an error)."""
    if values.isna().any():
        raise _problem("a grouping value is missing", "fill in the grouping column", values.name)
    return sorted(values.unique().tolist(), key=str)


def per_group(data: pd.DataFrame, by: str | None, one, *columns: str) -> dict[str, np.ndarray]:
    """``one(*arrays)`` (a dict of equal-length arrays) for each group of ``by`` (sorted labels;
    one group ``"all"`` without ``by``), stacked: ``group`` first, then ``one``'s columns."""
    labels = group_labels(data[by]) if by else ["all"]
    codes = pd.Categorical(data[by], categories=labels).codes if by else np.zeros(len(data), int)
    arrays = [data[c].to_numpy() for c in columns]
    parts = [one(*(a[codes == i] for a in arrays)) for i in range(len(labels))]
    lengths = [len(next(iter(p.values()))) for p in parts]
    stacked = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    return {"group": pd.Series(labels).repeat(lengths).to_numpy(), **stacked}


def as_float(x) -> np.ndarray:
    return np.asarray(x, dtype="float64")


def check_reference(table: pd.DataFrame, by: str, reference, where: str) -> None:
    """A ``ValueError`` naming ``reference`` and listing the groups when ``by`` lacks it."""
    if reference is None or by not in table:
        return
    groups = group_labels(table[by].dropna())
    if reference not in groups:
        raise ValueError(
            f"{where}: reference {reference!r} is not a group of {by}; the groups are "
            + (", ".join(map(str, groups)) or "none")
        )
