"""SLEDAI-2K from its 24 descriptors.

Source: Gladman DD, Ibañez D, Urowitz MB. Systemic lupus erythematosus disease activity index 2000.
*J Rheumatol* 2002;29:288-91. Weights: 8 for the CNS and vascular descriptors, 4 for arthritis,
myositis and the four renal descriptors, 2 for the mucocutaneous, serosal and serological
descriptors, 1 for fever, thrombocytopenia and leukopenia; maximum 105.

>>> import pandas as pd
>>> row = {d: False for d in SLEDAI_DESCRIPTORS} | {"sledai_arthritis": True, "sledai_rash": True}
>>> int(sledai2k_score(pd.DataFrame([row])).iloc[0])
6
"""

from __future__ import annotations

import pandas as pd

from survlupus.trial.schema import SLEDAI_DESCRIPTORS, SLEDAI_WEIGHTS

__all__ = ["SLEDAI_DESCRIPTORS", "SLEDAI_WEIGHTS", "has_descriptors", "sledai2k_score"]

RENAL_DESCRIPTORS = (
    "sledai_urinary_casts",
    "sledai_hematuria",
    "sledai_proteinuria",
    "sledai_pyuria",
)
CNS_DESCRIPTORS = (
    "sledai_seizure",
    "sledai_psychosis",
    "sledai_organic_brain",
    "sledai_visual",
    "sledai_cranial_nerve",
    "sledai_headache",
    "sledai_cva",
)


def has_descriptors(visits: pd.DataFrame) -> bool:
    """True when all 24 descriptor columns are present."""
    return all(d in visits.columns for d in SLEDAI_DESCRIPTORS)


def sledai2k_score(visits: pd.DataFrame) -> pd.Series:
    """SLEDAI-2K per row from the 24 boolean descriptors.

    A row with any descriptor missing has no score (NaN): an unassessed descriptor is "not
    assessed", never "absent". Raises ``KeyError`` naming the missing columns if any is absent.
    """
    missing = [d for d in SLEDAI_DESCRIPTORS if d not in visits.columns]
    if missing:
        raise KeyError(f"visits: SLEDAI-2K descriptor columns missing: {', '.join(missing)}")
    desc = visits[list(SLEDAI_DESCRIPTORS)]
    weights = pd.Series(SLEDAI_WEIGHTS, dtype="float64")
    score = desc.astype("float64").mul(weights, axis=1).sum(axis=1, min_count=len(weights))
    score[desc.isna().any(axis=1)] = float("nan")
    return score.rename("sledai2k")
