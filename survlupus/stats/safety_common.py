"""What the safety tables share: the categories, the denominators' checks, the Total column,
the treatment-emergent filter and the exact Poisson CI."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from scipy import stats

DAYS_PER_YEAR = 365.25
TOTAL = "Total"

CATEGORIES: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "any": ("Any TEAE", lambda a: pd.Series(True, index=a.index)),
    "related": ("Related TEAE", lambda a: a["ARELFL"] == "Y"),
    "serious": ("Serious TEAE", lambda a: a["AESER"] == "Y"),
    "grade_3_plus": ("TEAE of grade 3 or higher", lambda a: a["ATOXGR"] >= 3),
    "led_to_discontinuation": (
        "TEAE leading to discontinuation",
        lambda a: a["AEACN"].str.contains("discontinu", case=False, na=False),
    ),
    "fatal": ("Fatal TEAE", lambda a: (a["AEOUT"] == "fatal") | (a["ATOXGR"] == 5)),
    "infusion_related": ("Infusion-related reaction", lambda a: a["AEINFFL"] == "Y"),
}


def _check(adae: pd.DataFrame, exposure: pd.DataFrame, by: str) -> None:
    for name, frame, cols in (
        ("ADAE", adae, ["USUBJID", by, "TRTEMFL"]),
        ("exposure", exposure, ["USUBJID", by, "days"]),
    ):
        missing = [c for c in cols if c not in frame]
        if missing:
            raise ValueError(f"{name} has no column {', '.join(missing)}")
    orphans = set(adae["USUBJID"]) - set(exposure["USUBJID"])
    if orphans:
        raise ValueError(f"ADAE subjects not in the exposure frame: {', '.join(sorted(orphans))}")


def _arms(exposure: pd.DataFrame, by: str) -> list:
    return sorted(exposure[by].astype(str).unique())


def _with_total(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    return pd.concat([frame.assign(_ARM=frame[by].astype(str)), frame.assign(_ARM=TOTAL)])


def _teae(adae: pd.DataFrame) -> pd.DataFrame:
    return adae[adae["TRTEMFL"] == "Y"]


def poisson_ci(k: int, t: float, conf_level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) CI of a Poisson rate k/t, as R's ``poisson.test(k, t)$conf.int``."""
    a = 1 - conf_level
    lo = stats.chi2.ppf(a / 2, 2 * k) / 2 / t if k > 0 else 0.0
    hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2 / t
    return float(lo), float(hi)
