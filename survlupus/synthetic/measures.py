"""Planted longitudinal effects of the synthetic designs, and the extra measures some carry.

* **Serology arm effect** (``Design.serology_effect``, MUSC: MSC low 0.6, MSC high 1.0, placebo
  0): an arm with effect e improves C3 by ``0.12 e`` g/L, C4 by ``0.025 e`` g/L, anti-dsDNA by a
  further ``30 e`` % of its baseline and PGA by ``0.3 e`` points (floored at 0), each reached in
  proportion to the subject's improvement ramp (complete by day 150 at the latest, so in full at
  week 52). Deterministic given the subject's draws: no random number is taken for it. SLEDAI-2K
  follows through its low-complement and anti-dsDNA descriptors.
* **Extra measures** (``Design.extra_measures``, Nanjing): the ANA titre (reciprocal, powers of 2
  × 10; improving subjects lose one dilution by month 6 and another by month 12), blood urea
  nitrogen (0.07 × creatinine µmol/L, in mmol/L, ±5 %) and the regulatory T-cell fraction
  (% of CD4+, at baseline and every 3 months; improving subjects gain 3 points by month 12),
  drawn from a random stream of their own (seeded by the design's seed and the subject's number)
  so that every other value of the trial is unchanged.

``truth_trajectories(design)`` lists these planted effects (written as ``truth_trajectories.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FULL_SEROLOGY_EFFECT = {"c3_g_l": 0.12, "c4_g_l": 0.025, "anti_dsdna_iu_ml": -0.30, "pga": -0.3}
"""The change at full improvement of an arm with serology effect 1 (anti-dsDNA: a fraction of
the baseline value)."""

TREG_GAIN = 3.0
ANA_STEPS = ((183, 1), (365, 2))  # (study day from which, dilutions lost) for improving subjects
BUN_PER_CREATININE = 0.07


def extra_values(design, s, creatinine: np.ndarray, seed: int, index: int) -> dict:
    """ANA, BUN and Treg of one subject (see the module docstring)."""
    rng = np.random.default_rng([seed, index, 0x5E])
    n, days = len(s.days), s.days
    improving = s.plan.course in ("improve", "remission", "partial")
    out: dict[str, np.ndarray] = {}
    if "ana_titer" in design.extra_measures:
        start = int(rng.choice([3, 4, 5]))  # 1:80, 1:160 or 1:320
        lost = np.zeros(n, int)
        if improving:
            for day, k in ANA_STEPS:
                lost = np.where(days >= day, k, lost)
        out["ana_titer"] = (10 * 2.0 ** (start - lost)).astype(float)
    if "bun_mmol_l" in design.extra_measures:
        out["bun_mmol_l"] = np.round(
            BUN_PER_CREATININE * creatinine * (1 + rng.uniform(-0.05, 0.05, n)), 1
        )
    if "treg_pct" in design.extra_measures:
        base = rng.uniform(2.0, 5.0)
        gain = TREG_GAIN if improving else 0.3
        ramp = np.clip(np.maximum(days, 0) / 365.0, 0, 1)
        value = np.round(base + gain * ramp + rng.uniform(-0.3, 0.3, n), 1)
        quarterly = np.isin(s.labels, ["D1", *[f"M{m}" for m in range(3, 25, 3)]])
        out["treg_pct"] = np.where(quarterly, value, np.nan)
    return out


def truth_trajectories(design) -> pd.DataFrame:
    """The planted longitudinal effects of ``design`` (empty when it plants none)."""
    rows = []
    for arm, e in sorted(design.serology_effect.items()):
        for var, full in FULL_SEROLOGY_EFFECT.items():
            unit = "fraction of baseline" if var == "anti_dsdna_iu_ml" else "absolute"
            rows.append(
                {
                    "arm": arm,
                    "variable": var,
                    "group": "all subjects",
                    "planted_change": full * e + 0.0,
                    "scale": unit,
                    "in_full_from_day": 151,
                    "note": "over placebo (effect 0)",
                }
            )
    if "ana_titer" in design.extra_measures:
        for day, k in ANA_STEPS:
            rows.append(
                {
                    "arm": "all",
                    "variable": "ana_titer",
                    "group": "improving course",
                    "planted_change": -float(k),
                    "scale": "dilutions (log2)",
                    "in_full_from_day": day,
                    "note": "stable course: 0",
                }
            )
    if "treg_pct" in design.extra_measures:
        rows.append(
            {
                "arm": "all",
                "variable": "treg_pct",
                "group": "improving course",
                "planted_change": TREG_GAIN,
                "scale": "absolute (% points)",
                "in_full_from_day": 366,
                "note": "stable course: +0.3; linear from day 1",
            }
        )
    if "bun_mmol_l" in design.extra_measures:
        rows.append(
            {
                "arm": "all",
                "variable": "bun_mmol_l",
                "group": "all subjects",
                "planted_change": BUN_PER_CREATININE,
                "scale": "x creatinine umol/L",
                "in_full_from_day": 1,
                "note": "BUN follows creatinine",
            }
        )
    return pd.DataFrame(
        rows,
        columns=["arm", "variable", "group", "planted_change", "scale", "in_full_from_day", "note"],
    )
