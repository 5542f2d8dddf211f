"""Writing derived datasets: CSV, Parquet or SAS transport (XPT) version 5, chosen by extension.

XPT v5 is what regulators accept (pyreadstat's default is version 8, so the version is set
explicitly). Its limits are handled here, in one place:

* names of at most 8 characters (ADaM names already are), labels of at most 40;
* character values of at most 200 bytes: a longer ``EVIDENCE`` is split into ``EVIDENCE``,
  ``EVIDENC2``, ``EVIDENC3`` ... (each a continuation, the ADaM convention for long text);
* ASCII text: µ, ×, ≥, ⁹ and similar are spelled in ASCII (``umol/L``, ``x``, ``>=``, ``9``);
* dates as SAS dates (days since 1960-01-01) with format ``DATE9.``;
* the header's created/modified stamps are fixed at ``01JAN60:00:00:00``, so the same data give
  the same bytes.

CSV and Parquet keep the full text unchanged.

>>> write_dataset(adtte, "adtte.xpt", labels=ADTTE_LABELS, name="ADTTE")   # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from survlupus.textsafe import csv_safe

ADTTE_LABELS: dict[str, str] = {
    "USUBJID": "Unique Subject Identifier",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "ARM": "Description of Planned Arm",
    "SUBGROUP": "Analysis Subgroup",
    "STARTDT": "Time-to-Event Origin Date for Subject",
    "ADT": "Analysis Date",
    "AVAL": "Analysis Value",
    "CNSR": "Censor",
    "EVNTDESC": "Event or Censoring Description",
    "CNSDTDSC": "Censor Date Description",
    "SRCDOM": "Source Data",
    "SRCVAR": "Source Variable",
    "SRCDT": "Source Date",
    "RULE": "Derivation Rule That Fired",
    "EVIDENCE": "Evidence for the Derivation",
}

BDS_LABELS: dict[str, str] = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "AVISIT": "Analysis Visit",
    "AVISITN": "Analysis Visit (N): Nominal Study Day",
    "ADT": "Analysis Date",
    "ADY": "Analysis Relative Day",
    "AVAL": "Analysis Value",
    "BASE": "Baseline Value",
    "CHG": "Change from Baseline",
    "PCHG": "Percent Change from Baseline",
    "ABLFL": "Baseline Record Flag",
    "ANL01FL": "Analysis Flag 01: Analysed Record",
    "ARM": "Description of Planned Arm",
    "SUBGROUP": "Analysis Subgroup",
}

ADAE_LABELS: dict[str, str] = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "AESEQ": "Sequence Number",
    "AETERM": "Reported Term for the Adverse Event",
    "AEDECOD": "Dictionary-Derived Term",
    "AEBODSYS": "Body System or Organ Class",
    "ASTDT": "Analysis Start Date",
    "AENDT": "Analysis End Date",
    "ASTDY": "Analysis Start Relative Day",
    "AENDY": "Analysis End Relative Day",
    "ADURN": "Analysis Duration (N), days",
    "TRTEMFL": "Treatment Emergent Analysis Flag",
    "APERIOD": "Period",
    "APERIODC": "Period (C)",
    "AESER": "Serious Event",
    "AEREL": "Causality",
    "ARELFL": "Related Flag (possible or closer)",
    "ATOXGR": "Analysis Toxicity Grade",
    "AEOUT": "Outcome of Adverse Event",
    "AEACN": "Action Taken with Study Treatment",
    "AEINFFL": "Infusion-Related Flag",
    "AOCCPFL": "1st Occurrence within Preferred Term Flag",
    "ARM": "Description of Planned Arm",
    "SUBGROUP": "Analysis Subgroup",
}

EPISODE_LABELS: dict[str, str] = {
    "USUBJID": "Unique Subject Identifier",
    "ARM": "Description of Planned Arm",
    "SUBGROUP": "Analysis Subgroup",
    "TYPE": "Flare Type",
    "PARAMCD": "Parameter Code of the Rule",
    "SEVERITY": "Flare Severity",
    "EPISODE": "Episode Number Within Type",
    "ONSETDT": "Onset Date",
    "ONSETDY": "Onset Study Day",
    "RULE": "Rule That Fired",
    "SRCDOM": "Source Data",
    "EVIDENCE": "Evidence for the Episode",
}

RESPONDER_LABELS: dict[str, str] = {
    "USUBJID": "Unique Subject Identifier",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "ARM": "Description of Planned Arm",
    "SUBGROUP": "Analysis Subgroup",
    "AVISIT": "Analysis Visit",
    "ADY": "Analysis Relative Day",
    "ADT": "Analysis Date",
    "AVALC": "Analysis Value (C): Responder Y/N",
    "AVAL": "Analysis Value: 1 Responder, 0 Not",
    "ELIGFL": "Eligible for the Parameter Flag",
    "CRIT": "Responder Criterion",
    "REASON": "Reason for the Result",
}

_ASCII = {
    "µ": "u",
    "μ": "u",
    "×": "x",
    "≥": ">=",
    "≤": "<=",
    "⁹": "9",
    "→": "->",
    "–": "-",
    "—": "-",
    "’": "'",
    "é": "e",
    "ï": "i",
    "ñ": "n",
    "³": "3",
    "²": "2",
}

XPT_TEXT_BYTES = 200


def to_ascii(text: str) -> str:
    """ASCII spelling of survlupus's evidence text (unknown characters become ``?``)."""
    for k, v in _ASCII.items():
        text = text.replace(k, v)
    return text.encode("ascii", "replace").decode("ascii")


def _split_long(df: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    out = df.copy()
    for col in [c for c in df.columns if df[c].dtype == object]:
        text = out[col].fillna("").astype(str).map(to_ascii)
        if text.str.len().max() <= XPT_TEXT_BYTES if len(text) else True:
            out[col] = text
            continue
        n_parts = int(np.ceil(text.str.len().max() / XPT_TEXT_BYTES))
        out[col] = text.str.slice(0, XPT_TEXT_BYTES)
        pos = list(out.columns).index(col)
        for k in range(2, n_parts + 1):
            name = col[: 8 - len(str(k))] + str(k)  # EVIDENC2 ... EVIDEN10 ... EVIDE100
            if name in out.columns:
                raise ValueError(
                    f"XPT: the continuation {name} of {col} clashes with a column of that name; "
                    "rename the column or write CSV/Parquet"
                )
            out.insert(
                pos + k - 1, name, text.str.slice((k - 1) * XPT_TEXT_BYTES, k * XPT_TEXT_BYTES)
            )
            labels[name] = f"{labels.get(col, col)[:30]} (part {k})"
    return out


def write_dataset(
    df: pd.DataFrame,
    path: str | Path,
    *,
    labels: Mapping[str, str] | None = None,
    name: str = "DATA",
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
                out[col] = out[col].dt.strftime("%Y-%m-%d")
        out.to_csv(path, index=False, lineterminator="\n")
    elif suffix == ".parquet":
        df.to_parquet(path, index=False)
    elif suffix == ".xpt":
        _write_xpt(df, path, dict(labels or {}), name)
    else:
        raise ValueError(f"{path}: unknown extension {suffix!r}; use .csv, .parquet or .xpt")
    return path


def _write_xpt(df: pd.DataFrame, path: Path, labels: dict[str, str], name: str) -> None:
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
            out[col] = out[col].dt.date  # written as SAS dates
            formats[col] = "DATE9."
    col_labels = [to_ascii(labels.get(c, c))[:40] for c in out.columns]
    partial = path.with_name(path.name + ".partial")  # never a half-written .xpt
    pyreadstat.write_xport(
        out,
        str(partial),
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
    data = bytearray(path.read_bytes())
    end = data.find(b"HEADER RECORD*******OBS     HEADER RECORD")
    head = bytes(data[: end if end > 0 else len(data)])
    data[: len(head)] = _XPT_STAMP.sub(FIXED_XPT_STAMP, head)
    path.write_bytes(bytes(data))
