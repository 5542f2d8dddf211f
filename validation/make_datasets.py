"""Write the datasets that R (validation/r/validate.R) and the tests both analyse.

    python validation/make_datasets.py     # rewrites validation/data/*.csv (deterministic)

* ``ties``: two arms of 30 with times on visit days only (heavy ties), seeded;
* ``flat``: S exactly 0.5 on a flat, once followed by a drop and once to the end of follow-up;
* ``zero``: an arm with no event at all (Firth's case);
* ``musc_sflr``, ``cs_sflr``: the synthetic trials' TTSFLR ADTTE;
* ``musc_cr``: renal flare with death as a competing event (nephritis subjects of ``musc``),
  ``CRSTAT`` 0 censored, 1 renal flare, 2 death before a renal flare;
* ``cr_ties``: two arms of 40 with two competing causes on visit days (heavy ties), seeded;
* ``cr_strata``: four arms of unequal size in two sites, ties, and an arm whose subjects are all
  gone by day 60 (it leaves the risk sets early), for Gray's test stratified and with rho = 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import survlupus

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SYN = HERE.parent / "data" / "synthetic"


def ties() -> pd.DataFrame:
    rng = np.random.default_rng(20240101)
    days = np.array([4, 8, 29, 57, 85, 113, 141, 169, 183])
    rows = []
    for arm, p_event in (("A", 0.55), ("B", 0.3)):
        for i in range(30):
            rows.append(
                {
                    "USUBJID": f"{arm}{i:02d}",
                    "ARM": arm,
                    "AVAL": int(rng.choice(days)),
                    "CNSR": 0 if rng.random() < p_event else 1,
                    "STRATUM": "s1" if i % 2 else "s2",
                    "X": round(float(rng.normal(50, 10)), 1),
                }
            )
    return pd.DataFrame(rows)


def flat_exact() -> pd.DataFrame:
    # "drop": events at 1 and 2 of 4 subjects: S = 0.5 from day 2 until the event on day 4
    # "end": events at 1 and 2 of 4 subjects, the other two censored on day 3: S = 0.5 to the end
    rows = [
        ("A1", "drop", 1, 0),
        ("A2", "drop", 2, 0),
        ("A3", "drop", 4, 0),
        ("A4", "drop", 6, 1),
        ("B1", "end", 1, 0),
        ("B2", "end", 2, 0),
        ("B3", "end", 3, 1),
        ("B4", "end", 3, 1),
    ]
    return pd.DataFrame([{"USUBJID": u, "ARM": a, "AVAL": t, "CNSR": c} for u, a, t, c in rows])


def zero() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(12):
        rows.append(
            {
                "USUBJID": f"T{i:02d}",
                "ARM": "Treated",
                "AVAL": int(rng.integers(20, 180)),
                "CNSR": 1,
                "X": round(float(rng.normal(0, 1)), 2),
            }
        )
    for i in range(12):
        rows.append(
            {
                "USUBJID": f"P{i:02d}",
                "ARM": "Placebo",
                "AVAL": int(rng.integers(20, 180)),
                "CNSR": 0 if i < 6 else 1,
                "X": round(float(rng.normal(0, 1)), 2),
            }
        )
    return pd.DataFrame(rows)


def synthetic(design: str, paramcd: str) -> pd.DataFrame:
    from survlupus.synthetic import DESIGNS

    trial = survlupus.read_trial(SYN / design)
    adtte = survlupus.derive_adtte(trial, window_days=DESIGNS[design].analysis_window_days)
    out = adtte[adtte.PARAMCD == paramcd][["USUBJID", "ARM", "SUBGROUP", "AVAL", "CNSR"]]
    out = out.merge(
        trial.subjects[["subject_id", "age_years"]].rename(
            columns={"subject_id": "USUBJID", "age_years": "AGE"}
        )
    )
    out["STRATUM"] = out["SUBGROUP"].replace("", "none")
    return out.reset_index(drop=True)


def competing() -> pd.DataFrame:
    from survlupus.synthetic import DESIGNS

    trial = survlupus.read_trial(SYN / "musc")
    window = DESIGNS["musc"].analysis_window_days
    adtte = survlupus.derive_adtte(trial, window_days=window)
    rf = adtte[adtte.PARAMCD == "TTRFLR"].set_index("USUBJID")
    dth = adtte[adtte.PARAMCD == "TTDTH"].set_index("USUBJID").reindex(rf.index)
    status = np.where(rf.CNSR == 0, 1, np.where((dth.CNSR == 0) & (dth.ADT <= rf.ADT), 2, 0))
    aval = np.where(status == 2, dth.AVAL, rf.AVAL)
    return pd.DataFrame(
        {"USUBJID": rf.index, "ARM": rf.ARM.to_numpy(), "AVAL": aval, "CRSTAT": status}
    ).reset_index(drop=True)


def cr_ties() -> pd.DataFrame:
    """Two arms of 40, cause 1 (e.g. renal flare), cause 2 (death) or censored, on visit days."""
    rng = np.random.default_rng(99)
    days = np.array([29, 57, 85, 113, 141, 169, 183])
    rows = []
    for arm, probs in (("A", [0.35, 0.4, 0.25]), ("B", [0.55, 0.25, 0.2])):
        for i in range(40):
            rows.append(
                {
                    "USUBJID": f"{arm}{i:02d}",
                    "ARM": arm,
                    "AVAL": int(rng.choice(days)),
                    "CRSTAT": int(rng.choice([0, 1, 2], p=probs)),
                }
            )
    return pd.DataFrame(rows)


def cr_strata() -> pd.DataFrame:
    """Four arms (C small and over by day 60), two sites, causes 0/1/2 on a coarse day grid."""
    rng = np.random.default_rng(2026)
    rows = []
    for arm, n, probs, last in (
        ("A", 30, [0.3, 0.45, 0.25], 200),
        ("B", 25, [0.4, 0.3, 0.3], 200),
        ("C", 8, [0.25, 0.5, 0.25], 60),
        ("D", 20, [0.5, 0.25, 0.25], 200),
    ):
        for i in range(n):
            rows.append(
                {
                    "USUBJID": f"{arm}{i:02d}",
                    "ARM": arm,
                    "SITE": f"S{int(rng.integers(1, 3))}",
                    "AVAL": int(rng.integers(1, last // 10 + 1) * 10),
                    "CRSTAT": int(rng.choice([0, 1, 2], p=probs)),
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    sets = {
        "ties": ties(),
        "flat": flat_exact(),
        "zero": zero(),
        "musc_sflr": synthetic("musc", "TTSFLR"),
        "cs_sflr": synthetic("cs20at04", "TTSFLR"),
        "musc_cr": competing(),
        "cr_ties": cr_ties(),
        "cr_strata": cr_strata(),
    }
    for name, df in sets.items():
        df.to_csv(DATA / f"{name}.csv", index=False, lineterminator="\n")
        print(f"wrote {DATA / name}.csv ({len(df)} rows)")


if __name__ == "__main__":
    main()
