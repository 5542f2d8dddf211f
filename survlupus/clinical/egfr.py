"""eGFR by the race-free CKD-EPI 2021 creatinine equation.

Source: Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin C-based equations to
estimate GFR without race. *N Engl J Med* 2021;385:1737-49.

eGFR = 142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^-1.200 × 0.9938^age × 1.012 [if female],
Scr in mg/dL, κ = 0.7 (F) / 0.9 (M), α = -0.241 (F) / -0.302 (M). Result in mL/min/1.73 m².

>>> round(float(ckd_epi_2021(88.42, 50, "F")), 1)   # creatinine 1.0 mg/dL, woman of 50
68.6
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survlupus.trial.units import CREATININE_UMOL_PER_MG_DL


def ckd_epi_2021(creatinine_umol_l, age_years, sex):
    """eGFR (mL/min/1.73 m²) from creatinine (µmol/L), age (years) and sex (``"F"``/``"M"``).

    Accepts scalars or aligned arrays/Series; a missing input gives NaN.
    """
    scr = np.asarray(creatinine_umol_l, dtype="float64") / CREATININE_UMOL_PER_MG_DL
    age = np.asarray(age_years, dtype="float64")
    sex_arr = np.asarray(pd.Series(np.atleast_1d(sex)).astype("string").fillna(""), dtype=object)
    female = sex_arr == "F"
    male = sex_arr == "M"
    kappa = np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    ratio = scr / kappa
    with np.errstate(invalid="ignore", divide="ignore"):
        egfr = (
            142.0
            * np.minimum(ratio, 1.0) ** alpha
            * np.maximum(ratio, 1.0) ** -1.200
            * 0.9938**age
            * np.where(female, 1.012, 1.0)
        )
    egfr = np.where(female | male, egfr, np.nan)
    if np.ndim(creatinine_umol_l) == 0 and np.ndim(age_years) == 0 and np.ndim(sex) == 0:
        return float(egfr.reshape(-1)[0])
    if isinstance(creatinine_umol_l, pd.Series):
        return pd.Series(egfr, index=creatinine_umol_l.index, name="egfr_ml_min")
    return egfr
