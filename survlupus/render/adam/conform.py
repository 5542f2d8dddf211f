"""From a derived dataset to its ADaM form: fixed variables, core variables, order, types.

:func:`conform` is what the report writes (CSV, Parquet, XPT and Dataset-JSON all hold this
frame):

* ADSL's core variables merged on ``USUBJID`` (every record's subject must be in ADSL);
* ``PARAMN`` numbering the parameters in the order the dataset lists them; rows sorted by the
  dataset's keys; ``ASEQ`` numbering each subject's records in that order;
* every variable of the spec present, in its order (empty where the trial has nothing);
* text in ASCII (``µmol/L`` → ``umol/L``), at most 200 bytes a variable: longer text continues in
  numbered variables (``EVIDENCE``, ``EVIDENC1``, ``EVIDENC2``), always the same number of them;
  text beyond the last one is cut with ``...`` and a warning names the rows;
* integers as integers, dates as dates; decimals rounded to the precision the values were
  recorded with (``CHG``, ``BASE`` to that of ``AVAL`` for the parameter; ``PCHG`` to 2 places),
  so no ``-0.40000000000000036`` reaches a file.

>>> adtte = conform("adtte", results.datasets["adtte"], results.datasets["adsl"])   # doctest: +SKIP
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from survlupus.derive.adsl import CORE
from survlupus.render.adam.specs import TEXT_BYTES, DatasetSpec, spec_for
from survlupus.render.adam.variables import VARIABLES, continuations
from survlupus.render.ascii import ascii_series, per_distinct

MAX_DECIMALS = 6


def recorded_decimals(values: pd.Series) -> int:
    """The fewest decimal places (at most 6) that keep every value: the recorded precision."""
    x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if not len(x):
        return 0
    for d in range(MAX_DECIMALS + 1):
        if np.all(np.abs(np.round(x, d) - x) <= 1e-9 * np.maximum(1.0, np.abs(x))):
            return d
    return MAX_DECIMALS


def _round(out: pd.DataFrame) -> pd.DataFrame:
    doubles = [c for c in out.columns if VARIABLES.get(c) and VARIABLES[c].type == "double"]
    if "AVAL" in doubles and "PARAMCD" in out and ("CHG" in out or "BASE" in out):
        for _code, idx in out.groupby("PARAMCD", sort=False).groups.items():
            d = recorded_decimals(out.loc[idx, "AVAL"])
            for c in ("AVAL", "BASE", "CHG"):
                if c in out:
                    out.loc[idx, c] = np.round(out.loc[idx, c].astype(float), d)
        doubles = [c for c in doubles if c not in ("AVAL", "BASE", "CHG")]
    for c in doubles:
        d = 2 if c == "PCHG" else recorded_decimals(out[c])
        out[c] = np.round(pd.to_numeric(out[c], errors="coerce").astype(float), d)
    return out


def _split(out: pd.DataFrame, spec: DatasetSpec, name: str, columns: list[str]) -> pd.DataFrame:
    """The text ``columns`` in ASCII, each cut into its continuation variables."""
    for col in columns:
        text = ascii_series(out[col])
        parts = spec.parts.get(col, 1)
        limit = parts * TEXT_BYTES
        long = (per_distinct(text, lambda u: u.str.len()) > limit).to_numpy(bool)
        if long.any():
            rows = ", ".join(out.loc[long, "USUBJID"].astype(str).head(3))
            warnings.warn(
                f"{spec.name}.{col}: {int(long.sum())} value(s) longer than {limit} characters "
                f"cut with '...' (subjects {rows}); the full text is in Results.datasets"
                f"[{name!r}]",
                stacklevel=3,
            )
            text = text.where(~long, text.str.slice(0, limit - 3) + "...")
        names = continuations(col, parts)
        for k, part in enumerate(names):
            lo, hi = k * TEXT_BYTES, (k + 1) * TEXT_BYTES
            out[part] = per_distinct(text, lambda u, a=lo, b=hi: u.str[a:b]).astype(str)
    return out


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    for c in out.columns:
        kind = VARIABLES[c].type if c in VARIABLES else "string"
        if kind == "date":
            out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
        elif kind == "integer":
            num = pd.to_numeric(out[c].replace("", np.nan), errors="coerce")
            out[c] = num.round().astype("Int64")
        elif kind == "double":
            out[c] = pd.to_numeric(out[c].replace("", np.nan), errors="coerce").astype(float)
    return out


def _sort_keys(spec: DatasetSpec, out: pd.DataFrame) -> list[str]:
    keys = [k for k in spec.keys if k != "STUDYID"]
    keys = ["PARAMN" if k == "PARAMCD" and "PARAMN" in out else k for k in keys]
    return [k for k in keys if k in out]


def conform(name: str, df: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """The ADaM form of the derived dataset ``name`` (rules in the module docstring).

    Parameters
    ----------
    name : str
        The dataset's name in ``Results.datasets`` (``adsl``, ``adtte``, ``adrs``, ``adbds``,
        ``adae``, ``adaette``, ``adepisodes``, ``adtte_<window>``).
    df : DataFrame
        The derived dataset.
    adsl : DataFrame
        :func:`survlupus.derive_adsl`'s frame.

    Returns
    -------
    DataFrame
        The spec's variables, in order (:data:`survlupus.render.adam.specs.SPECS`).

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/cs20at04")
    >>> adsl = survlupus.derive_adsl(trial)
    >>> adtte = conform("adtte", survlupus.derive_adtte(trial, ["TTDTH"]), adsl)
    >>> list(adtte.columns[:4]), adtte["EVIDENC2"].eq("").all()
    (['STUDYID', 'USUBJID', 'ASEQ', 'TRT01P'], True)
    """
    spec = spec_for(name)
    text = [c for c in spec.columns if VARIABLES[c].type == "string"]
    if name == "adsl":
        out = df.copy()
    else:
        own = _without(df, [c for c in CORE if c in df and c != "USUBJID"])
        # the core variables' text made ASCII once a subject, before they are spread on rows
        spread = [c for c in text if c in CORE and c != "USUBJID"]  # USUBJID: the merge key
        out = _merge_core(own, _split(adsl[CORE].copy(), spec, name, spread))
        text = [c for c in text if c not in spread]
    if "PARAMN" in spec.columns and "PARAMCD" in out:
        order = {c: i + 1 for i, c in enumerate(dict.fromkeys(out["PARAMCD"]))}
        out["PARAMN"] = out["PARAMCD"].map(order)
    if "ADURU" in spec.columns and "ADURN" in out:
        out["ADURU"] = np.where(out["ADURN"].notna(), "DAYS", "")
    for c in spec.columns:
        if c not in out:
            kind = VARIABLES[c].type
            out[c] = "" if kind == "string" else (pd.NaT if kind == "date" else np.nan)
    keys = _sort_keys(spec, out)
    if keys:
        out = out.sort_values(keys, kind="stable")
        out.index = pd.RangeIndex(len(out))  # the sort copied already
    if "ASEQ" in spec.columns:
        out["ASEQ"] = out.groupby("USUBJID", sort=False).cumcount() + 1
    out = _round(_split(out, spec, name, text))
    return _typed(out[spec.variables])  # a new frame: the selection copies


def _merge_core(df: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    missing = sorted(set(df["USUBJID"]) - set(adsl["USUBJID"]))
    if missing:
        raise ValueError(
            f"subjects {', '.join(map(str, missing[:5]))} are not in ADSL (the subjects table); "
            "every record's subject must be"
        )
    core = adsl[CORE].set_index("USUBJID")
    merged = core.reindex(df["USUBJID"].to_numpy()).reset_index()
    rest = _without(df, ["USUBJID"])
    rest.index = merged.index
    return pd.concat([merged, rest], axis=1, copy=False)


def _without(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``df`` without ``columns``, sharing the other columns' data (no copy)."""
    out = df.copy(deep=False)
    for c in columns:
        del out[c]
    return out
