"""Laboratory toxicity grades (CTCAE v5.0) of visit values, as definitions with their thresholds.

Each :class:`ToxicityGrading` is a frozen definition: the direction (a fall or a rise), the limit
of normal and the lower bounds of grades 1-4 (a value below LLN but not below the grade-2 bound
is grade 1, and so on; grade 0 within normal limits). Defaults (CTCAE v5.0, National Cancer
Institute, 27 November 2017; the LLN/ULN are typical adult reference limits, fields to set to the
laboratory's own):

========================  ==========  ====================================================
variable                  normal      grade 1 / 2 / 3 / 4
========================  ==========  ====================================================
hemoglobin_g_dl (anaemia) LLN 12.0    < LLN / < 10.0 / < 8.0 / (4: not lab-defined)
platelets_10e9_l          LLN 150     < LLN / < 75 / < 50 / < 25
neutrophils_10e9_l        LLN 2.0     < LLN / < 1.5 / < 1.0 / < 0.5
wbc_10e9_l                LLN 4.0     < LLN / < 3.0 / < 2.0 / < 1.0
lymphocytes_10e9_l        LLN 1.0     < LLN / < 0.8 / < 0.5 / < 0.2
creatinine_umol_l         ULN 106     > ULN / > 1.5 ULN / > 3.0 ULN / > 6.0 ULN
========================  ==========  ====================================================

>>> grades = toxicity_grades(bds, DEFAULT_GRADINGS)       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survlupus.derive.bds import paramcd_of

CTCAE = "Common Terminology Criteria for Adverse Events (CTCAE) v5.0, NCI, 27 Nov 2017"


@dataclass(frozen=True)
class ToxicityGrading:
    """CTCAE grading of one visit variable (see the module docstring)."""

    term: str
    direction: str  # "low" (a fall is toxic) or "high"
    limit: float  # LLN for "low", ULN for "high"
    grade2: float | None
    grade3: float | None
    grade4: float | None = None
    relative: bool = False  # grade bounds are multiples of the limit (creatinine)
    citation: str = CTCAE

    def grade(self, values) -> np.ndarray:
        """Grade 0-4 of each value (NaN stays NaN)."""
        v = np.asarray(values, float)
        scale = self.limit if self.relative else 1.0
        bounds = [
            self.limit,
            *(
                b * scale if b is not None else np.nan
                for b in (self.grade2, self.grade3, self.grade4)
            ),
        ]
        if self.relative:
            bounds[0] = self.limit
        out = np.zeros(len(v))
        for g, b in enumerate(bounds, start=1):
            if np.isnan(b):
                continue
            hit = v < b if self.direction == "low" else v > b
            out = np.where(hit, g, out)
        return np.where(np.isnan(v), np.nan, out)


DEFAULT_GRADINGS: dict[str, ToxicityGrading] = {
    "hemoglobin_g_dl": ToxicityGrading("Anaemia", "low", 12.0, 10.0, 8.0),
    "platelets_10e9_l": ToxicityGrading("Platelet count decreased", "low", 150.0, 75.0, 50.0, 25.0),
    "neutrophils_10e9_l": ToxicityGrading("Neutrophil count decreased", "low", 2.0, 1.5, 1.0, 0.5),
    "wbc_10e9_l": ToxicityGrading("White blood cell decreased", "low", 4.0, 3.0, 2.0, 1.0),
    "lymphocytes_10e9_l": ToxicityGrading("Lymphocyte count decreased", "low", 1.0, 0.8, 0.5, 0.2),
    "creatinine_umol_l": ToxicityGrading(
        "Creatinine increased", "high", 106.0, 1.5, 3.0, 6.0, relative=True
    ),
}


def toxicity_grades(
    bds: pd.DataFrame, gradings: Mapping[str, ToxicityGrading] = DEFAULT_GRADINGS
) -> pd.DataFrame:
    """The BDS rows of graded variables with ``ATOXGR`` (the grade of AVAL) and ``BTOXGR`` (of
    BASE)."""
    parts = []
    for var, g in gradings.items():
        d = bds[bds["PARAMCD"] == paramcd_of(var)]
        if d.empty:
            continue
        parts.append(
            d.assign(ATOXGR=g.grade(d["AVAL"]), BTOXGR=g.grade(d["BASE"]), ATOXDSCL=g.term)
        )
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else bds.iloc[:0].assign(ATOXGR=np.nan, BTOXGR=np.nan, ATOXDSCL="")
    )
