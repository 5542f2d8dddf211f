"""Immunosuppressants that make a severe flare by SFI criterion (d), and how a free-text drug
field is matched against them (one place, used by the derivation and by validation)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SFI_D_IMMUNOSUPPRESSANTS: tuple[str, ...] = (
    "cyclophosphamide",
    "azathioprine",
    "methotrexate",
    "mycophenolate",
    "mycophenolic acid",
)
"""The drugs whose start is SFI criterion (d) (spec, settled conventions): matched
case-insensitively anywhere in ``events.detail`` (``Mycophenolate mofetil`` matches)."""


def names_drug(detail, drugs) -> np.ndarray:
    """True where the text ``detail`` names one of ``drugs`` (case-insensitive).

    >>> names_drug(["Mycophenolate mofetil 2 g", "hydroxychloroquine"], SFI_D_IMMUNOSUPPRESSANTS)
    array([ True, False])
    """
    codes, texts = pd.factorize(pd.Series(detail, dtype="object").fillna("").astype(str))
    lower = pd.Series(texts, dtype="object").str.lower()  # each distinct text once
    hit = np.zeros(len(lower), bool)
    for drug in drugs:
        hit |= lower.str.contains(drug.lower(), regex=False).to_numpy(dtype=bool)
    return hit[codes]
