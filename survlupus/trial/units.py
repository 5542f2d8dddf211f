"""Unit conversions: the one place where a value changes unit.

survlupus works internally in the units its column names carry (``creatinine_umol_l``,
``upcr_g_g``, ``hemoglobin_g_dl``, counts in 10⁹/L). Data that arrive in another unit are converted
once, on reading, in one of two ways:

* the column name says the unit: ``creatinine_mg_dl``, ``upcr_mg_mmol``, ``hemoglobin_g_l``,
  ``platelets_per_mm3`` ... are recognised and renamed to the canonical column;
* a unit map says it: ``read_trial(path, units={"creatinine": "mg/dL"})`` declares that the
  canonical (or bare, ``creatinine``) column holds mg/dL. ``"counts"`` sets all blood counts at once.

Factors (``docs/data-contract.md``): creatinine µmol/L = mg/dL × 88.42; UPCR g/g =
mg/mmol ÷ 113.12 (creatinine molar mass 113.12 g/mol) = mg/g ÷ 1000; haemoglobin g/dL = g/L ÷ 10;
counts 10⁹/L = per mm³ ÷ 1000; C3/C4 g/L = mg/dL ÷ 100; proteinuria g/24 h = mg/24 h ÷ 1000.

>>> convert(1.0, "creatinine", "mg/dL")
88.42
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

CREATININE_UMOL_PER_MG_DL = 88.42
CREATININE_MOLAR_MASS_G_MOL = 113.12
BUN_MMOL_L_PER_MG_DL = 0.357
"""Blood urea nitrogen: 1 mg/dL of urea nitrogen is 0.357 mmol/L of urea (1 / 2.8)."""


@dataclass(frozen=True)
class Quantity:
    """A measured quantity: its canonical column and the factors from other units to it."""

    name: str
    column: str
    unit: str
    factors: Mapping[str, float]


def _counts(name: str) -> Quantity:
    return Quantity(
        name,
        f"{name}_10e9_l",
        "10^9/L",
        {"10^9/l": 1.0, "10e9/l": 1.0, "10^3/ul": 1.0, "/mm3": 1e-3, "/ul": 1e-3, "per_mm3": 1e-3},
    )


QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        Quantity(
            "creatinine",
            "creatinine_umol_l",
            "umol/L",
            {"umol/l": 1.0, "mg/dl": CREATININE_UMOL_PER_MG_DL},
        ),
        Quantity(
            "upcr",
            "upcr_g_g",
            "g/g",
            {
                "g/g": 1.0,
                "mg/mg": 1.0,
                "mg/mmol": 1.0 / CREATININE_MOLAR_MASS_G_MOL,
                "mg/g": 1e-3,
            },
        ),
        Quantity("proteinuria", "proteinuria_g_24h", "g/24h", {"g/24h": 1.0, "mg/24h": 1e-3}),
        Quantity("hemoglobin", "hemoglobin_g_dl", "g/dL", {"g/dl": 1.0, "g/l": 0.1}),
        _counts("platelets"),
        _counts("neutrophils"),
        _counts("lymphocytes"),
        _counts("wbc"),
        Quantity("c3", "c3_g_l", "g/L", {"g/l": 1.0, "mg/dl": 0.01}),
        Quantity("c4", "c4_g_l", "g/L", {"g/l": 1.0, "mg/dl": 0.01}),
        Quantity("bun", "bun_mmol_l", "mmol/L", {"mmol/l": 1.0, "mg/dl": BUN_MMOL_L_PER_MG_DL}),
    )
}

COUNT_QUANTITIES = ("platelets", "neutrophils", "lymphocytes", "wbc")

# Column names that carry a non-canonical unit, e.g. ``creatinine_mg_dl`` -> (creatinine, mg/dl).
_SUFFIX_UNITS = {
    "umol_l": "umol/l",
    "mmol_l": "mmol/l",
    "mg_dl": "mg/dl",
    "g_g": "g/g",
    "mg_mg": "mg/mg",
    "mg_mmol": "mg/mmol",
    "mg_g": "mg/g",
    "g_24h": "g/24h",
    "mg_24h": "mg/24h",
    "g_dl": "g/dl",
    "g_l": "g/l",
    "10e9_l": "10e9/l",
    "per_mm3": "/mm3",
    "per_ul": "/ul",
}


def normalise_unit(unit: str) -> str:
    """Lower-case, drop spaces, spell micro as ``u`` and ``mm³`` as ``mm3``."""
    u = unit.strip().lower().replace(" ", "").replace("µ", "u").replace("μ", "u")
    u = u.replace("mm³", "mm3").replace("per", "/").replace("//", "/").replace("x", "")
    return u


def factor(quantity: str, unit: str) -> float:
    """Multiplier from ``unit`` to the canonical unit of ``quantity``.

    Raises ``KeyError`` with the accepted units when the unit is unknown.
    """
    q = QUANTITIES[quantity]
    u = normalise_unit(unit)
    if u not in q.factors:
        accepted = ", ".join(sorted(q.factors))
        raise KeyError(f"unknown unit {unit!r} for {quantity}; accepted: {accepted}")
    return q.factors[u]


def convert(value, quantity: str, unit: str):
    """Convert a value (or array/Series) from ``unit`` to the canonical unit of ``quantity``."""
    f = factor(quantity, unit)
    out = value * f
    if isinstance(out, float):
        return float(np.round(out, 10))
    return out


def column_unit(column: str) -> tuple[str, str] | None:
    """``(quantity, unit)`` for a unit-suffixed column name such as ``creatinine_mg_dl``.

    Returns ``None`` for canonical or unrelated columns.

    >>> column_unit("upcr_mg_mmol")
    ('upcr', 'mg/mmol')
    """
    for name, q in QUANTITIES.items():
        prefix = name + "_"
        if column.startswith(prefix) and column != q.column:
            suffix = column[len(prefix) :]
            unit = _SUFFIX_UNITS.get(suffix)
            if unit is not None and normalise_unit(unit) in q.factors:
                return name, unit
    return None


def expand_unit_map(units: Mapping[str, str] | None) -> dict[str, str]:
    """Normalise a user's unit map to ``{quantity: unit}``.

    Keys may be quantity names (``creatinine``), canonical columns (``creatinine_umol_l``) or
    ``counts`` (all blood counts). Unknown keys or units raise ``KeyError`` naming the key.
    """
    out: dict[str, str] = {}
    by_column = {q.column: name for name, q in QUANTITIES.items()}
    for key, unit in (units or {}).items():
        if key == "counts":
            names = list(COUNT_QUANTITIES)
        elif key in QUANTITIES:
            names = [key]
        elif key in by_column:
            names = [by_column[key]]
        else:
            raise KeyError(
                f"units: unknown quantity {key!r}; use one of "
                + ", ".join(sorted([*QUANTITIES, "counts"]))
            )
        for name in names:
            factor(name, unit)  # raises on unknown unit
            out[name] = unit
    return out
