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


def ascii_series(values):
    """:func:`to_ascii` of a text column, computed once per distinct value (columns repeat)."""
    import pandas as pd

    text = pd.Series(values).fillna("").astype(str)
    uniques = text.unique()
    return text.map(dict(zip(uniques, (to_ascii(u) for u in uniques), strict=True))).astype(str)
