"""The datasets of the MMRM check against R (``validation/r/mmrm.R``): written to
``validation/data/mmrm_*.csv`` with the columns R reads (``USUBJID, ARM, AVISIT, VISITN, BASE,
CHG``; VISITN is the visit's position 1..T).

    python validation/mmrm_datasets.py && Rscript validation/r/mmrm.R

Slopes (``slope_*_egfr.csv``: ``USUBJID, ARM, TIME, AVAL``, TIME in years from day 1): eGFR in
the synthetic MUSC (three arms) and Nanjing (single arm) trials, for ``nlme::lme``.

Cases: the synthetic MUSC trial (three arms, complement C3 and SLEDAI-2K at W12/W24/W36/W52),
the synthetic Nanjing trial (single arm, SLEDAI-2K at M6, M12, M18, M24), and a hand-built trial of 16
subjects: unbalanced missingness, one subject with a single post-baseline visit, and a last visit
with only seven subjects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import survlupus
from survlupus.derive.bds import derive_bds

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "validation" / "data"


def _analysed(bds: pd.DataFrame, paramcd: str, visits: list[str]) -> pd.DataFrame:
    d = bds[(bds.PARAMCD == paramcd) & (bds.ANL01FL == "Y") & bds.AVISIT.isin(visits)]
    d = d[d.CHG.notna()].copy()
    d["VISITN"] = d["AVISIT"].map({v: i + 1 for i, v in enumerate(visits)})
    return d[["USUBJID", "ARM", "AVISIT", "VISITN", "BASE", "CHG"]].sort_values(
        ["USUBJID", "VISITN"]
    )


def hand_built() -> pd.DataFrame:
    """16 subjects, 2 arms, 3 visits; H12 has one post-baseline visit; W12 has 7 subjects."""
    rng = np.random.default_rng(20261127)
    rows = []
    seen = {
        "H01": [1, 2, 3],
        "H02": [1, 2, 3],
        "H03": [1, 2],
        "H04": [1, 3],
        "H05": [2, 3],
        "H06": [1, 2],
        "H07": [1, 2, 3],
        "H08": [1, 2],
        "H09": [1, 3],
        "H10": [1, 2],
        "H11": [1, 2],
        "H12": [2],
        "H13": [1, 2, 3],
        "H14": [1, 2, 3],
        "H15": [1, 2],
        "H16": [2, 3],
    }
    for i, (sid, visits) in enumerate(seen.items()):
        arm = "Active" if i % 2 == 0 else "Control"
        base = float(np.round(rng.normal(10, 2), 1))
        for v in visits:
            effect = -1.5 * v if arm == "Active" else -0.5 * v
            chg = float(np.round(effect + 0.4 * (base - 10) + rng.normal(0, 1.5), 2))
            rows.append((sid, arm, f"W{4 * v}", v, base, chg))
    return pd.DataFrame(rows, columns=["USUBJID", "ARM", "AVISIT", "VISITN", "BASE", "CHG"])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    data = ROOT / "data" / "synthetic"
    musc = survlupus.read_trial(data / "musc")
    bds = derive_bds(musc, ["c3_g_l", "sledai2k"], survlupus.load_plan(data / "musc" / "plan.toml"))
    weeks = ["W12", "W24", "W36", "W52"]
    _analysed(bds, "C3", weeks).to_csv(OUT / "mmrm_musc_c3.csv", index=False)
    _analysed(bds, "SLEDAI", weeks).to_csv(OUT / "mmrm_musc_sledai.csv", index=False)
    nj = survlupus.read_trial(data / "nanjing")
    bds = derive_bds(nj, ["sledai2k"], survlupus.load_plan(data / "nanjing" / "plan.toml"))
    months = ["M6", "M12", "M18", "M24"]
    _analysed(bds, "SLEDAI", months).to_csv(OUT / "mmrm_nanjing_sledai.csv", index=False)
    hand_built().to_csv(OUT / "mmrm_hand.csv", index=False)
    for name, trial, folder in (("musc", musc, "musc"), ("nanjing", nj, "nanjing")):
        plan = survlupus.load_plan(data / folder / "plan.toml")
        egfr = derive_bds(trial, ["egfr_ml_min"], plan)
        egfr = egfr[(egfr.ANL01FL == "Y") & egfr.AVAL.notna()].copy()
        egfr["TIME"] = (egfr["ADY"].clip(lower=1) - 1) / 365.25
        egfr[["USUBJID", "ARM", "TIME", "AVAL"]].to_csv(OUT / f"slope_{name}_egfr.csv", index=False)


if __name__ == "__main__":
    main()
