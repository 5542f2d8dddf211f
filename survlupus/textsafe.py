"""Text made safe for the formats survlupus writes: spreadsheet cells, LaTeX, file names.

* :func:`csv_safe` — a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return would run as a formula when a spreadsheet opens the CSV (OWASP "CSV injection"); it is
  written with a leading apostrophe instead (``'=1+1``). Numbers are left alone, and Parquet and
  XPT keep the raw value.
* :func:`latex_escape` — every LaTeX special character escaped (``\\ & % $ # _ { } ~ ^``).
* :func:`slug` — a file-name part of letters, digits, ``_`` and ``-`` only (no path can escape
  the output folder).

>>> csv_safe(pd.DataFrame({"x": ["=HYPERLINK(1)", "ok", "-3 mg"]}))["x"].tolist()
["'=HYPERLINK(1)", 'ok', "'-3 mg"]
>>> latex_escape("50% & $5_x")
'50\\\\% \\\\& \\\\$5\\\\_x'
>>> slug("TTRFLR@../../etc")
'ttrflr_.._.._etc'
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX))


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (see the module)."""
    out = frame.copy(deep=False)  # columns replaced, never changed in place
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col]
            codes, uniques = pd.factorize(text)  # each distinct value once
            start = FORMULA_START
            bad = [isinstance(v, str) and v.startswith(start) for v in uniques]
            risky = np.array([*bad, False], dtype=bool)[codes]
            if risky.any():
                out[col] = text.where(~risky, "'" + text.astype(str))
    return out


def latex_escape(text: str) -> str:
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], str(text))


def slug(text: str) -> str:
    """Lower-case letters, digits, ``_``, ``-`` and ``.``; anything else (``/``, ``@``) ``_``;
    no leading dot."""
    return re.sub(r"[^a-z0-9_.-]", "_", str(text).lower()).lstrip(".") or "_"
