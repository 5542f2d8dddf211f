"""Clinical quantities computed in one place each: SLEDAI-2K, steroid dose, eGFR, baseline."""

from survlupus.clinical.baseline import baseline_long, baseline_values
from survlupus.clinical.egfr import ckd_epi_2021
from survlupus.clinical.sledai import sledai2k_score
from survlupus.clinical.steroids import (
    PREDNISONE_EQUIVALENT,
    daily_dose,
    prednisone_equivalent,
    steroid_steps,
)

__all__ = [
    "PREDNISONE_EQUIVALENT",
    "baseline_long",
    "baseline_values",
    "ckd_epi_2021",
    "daily_dose",
    "prednisone_equivalent",
    "sledai2k_score",
    "steroid_steps",
]
