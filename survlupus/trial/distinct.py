"""A column seen through its distinct values: codes into them (``-1`` for an empty cell),
what counts as missing, and values computed once per distinct value put back on every row.

Trial columns repeat their values (subject IDs, visit labels, grades, flags, even measurements),
so parsing and checking the distinct values, then spreading the result, costs the distinct values
rather than the rows. Parquet text columns arrive dictionary-encoded (pandas categoricals): their
codes are used as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING_CODES = frozenset({"", "na", "n/a", "null", ".", "nan"})
"""Cell texts read as missing (any case, surrounding spaces ignored): empty, R's ``NA``, SAS's
``.``, ``N/A``, ``NULL`` and ``NaN``."""


def is_missing_value(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().casefold() in MISSING_CODES
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_FACTORIZED: dict = {}


def factorized(raw: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """The column as codes into its distinct values (``-1`` for an empty cell) and those values
    as ``string``: free for a categorical column (Parquet strings are read dictionary-encoded),
    one ``pd.factorize`` otherwise, kept for the next parser asking about the same column."""
    arr = raw.array
    key = (id(arr), len(arr))
    hit = _FACTORIZED.get(key)
    if hit is None or hit[0] is not arr:
        if len(_FACTORIZED) > 8:
            _FACTORIZED.clear()
        if isinstance(raw.dtype, pd.CategoricalDtype):
            codes, uniques = raw.cat.codes.to_numpy(), raw.cat.categories.to_numpy()
        else:
            codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        hit = (arr, np.asarray(codes), pd.Series(uniques, dtype=object).astype("string"))
        _FACTORIZED[key] = hit
    return hit[1], hit[2]


def forget_factorized() -> None:
    """Drop the kept factorisations (called once a table is parsed)."""
    _FACTORIZED.clear()


def spread(per_value, codes: np.ndarray, empty) -> np.ndarray:
    """Values computed once per distinct value, put back on every row (``empty`` where the
    cell was empty): a string operation costs the distinct values, not the rows."""
    per_value = np.asarray(per_value)
    if per_value.dtype == bool or per_value.dtype.kind in "iufM":
        table = np.append(per_value, np.array([empty], dtype=per_value.dtype))
    else:
        table = np.empty(len(per_value) + 1, dtype=object)
        table[:-1] = per_value
        table[-1] = empty
    return table[codes]  # code -1 picks the last entry: the empty cell's value


def is_text(raw: pd.Series) -> bool:
    return (
        raw.dtype == object
        or pd.api.types.is_string_dtype(raw)
        or isinstance(raw.dtype, pd.CategoricalDtype)
    )


def missing_values(uniques: pd.Series) -> np.ndarray:
    return (uniques.isna() | uniques.str.strip().str.casefold().isin(MISSING_CODES)).to_numpy(bool)


def missing_mask(raw: pd.Series) -> np.ndarray:
    if is_text(raw):
        codes, uniques = factorized(raw)
        return spread(missing_values(uniques), codes, True)
    return raw.isna().to_numpy(dtype=bool)
