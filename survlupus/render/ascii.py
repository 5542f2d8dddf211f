"""ASCII spelling of survlupus's text, for SAS transport files and ADaM datasets."""

from __future__ import annotations

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


def to_ascii(text: str) -> str:
    """ASCII spelling of survlupus's evidence text (unknown characters become ``?``)."""
    for k, v in _ASCII.items():
        text = text.replace(k, v)
    return text.encode("ascii", "replace").decode("ascii")


def per_distinct(text, fn):
    """``fn`` (Series -> Series) of a text column computed on its distinct values only and put
    back on every row (dataset columns repeat their values: arms, parameters, flags)."""
    import numpy as np
    import pandas as pd

    text = pd.Series(text)
    codes, uniques = pd.factorize(text)
    done = np.asarray(fn(pd.Series(uniques, dtype=object)).to_numpy(), dtype=object)
    return pd.Series(done[codes] if len(done) else np.empty(len(text), object), index=text.index)


def ascii_series(values):
    """:func:`to_ascii` of a text column, computed once per distinct value (columns repeat)."""
    import pandas as pd

    given = pd.Series(values)
    codes, uniques = pd.factorize(given)
    if (codes >= 0).all() and all(isinstance(u, str) and to_ascii(u) == u for u in uniques):
        return given  # already plain ASCII text: the column itself, no copy
    text = given.fillna("").astype(str)
    return per_distinct(text, lambda u: u.map(to_ascii)).astype(str)


def max_length(text) -> int:
    """The longest text of a column (0 when empty), measured on its distinct values."""
    import pandas as pd

    uniques = pd.Series(pd.unique(pd.Series(text).to_numpy(dtype=object)), dtype=object)
    return int(uniques.astype(str).str.len().max()) if len(uniques) else 0
