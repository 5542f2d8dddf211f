"""SLEDAI-2K, steroid equivalence and daily dose, CKD-EPI 2021 and baseline: expected values
worked out by hand (written out beside each assertion) or taken from a published example."""

import numpy as np
import pandas as pd
import pytest

from survlupus.clinical.baseline import baseline_long, baseline_values
from survlupus.clinical.egfr import ckd_epi_2021
from survlupus.clinical.sledai import sledai2k_score
from survlupus.clinical.steroids import (
    daily_dose,
    dose_on,
    prednisone_equivalent,
    steroid_steps,
)
from survlupus.trial.schema import SLEDAI_DESCRIPTORS, SLEDAI_WEIGHTS

# --- SLEDAI-2K -----------------------------------------------------------------------------


def _row(*present):
    return {d: d in present for d in SLEDAI_DESCRIPTORS}


def test_sledai_weights_sum_to_105():
    # 8 descriptors x 8 + 6 x 4 + 7 x 2 + 3 x 1 = 64 + 24 + 14 + 3 = 105 (Gladman 2002)
    assert sum(SLEDAI_WEIGHTS.values()) == 105
    assert len(SLEDAI_WEIGHTS) == 24


def test_sledai_hand_scored_rows():
    rows = pd.DataFrame(
        [
            _row(),  # nothing active: 0
            # typical active nephritis: haematuria 4 + proteinuria 4 + low complement 2 + DNA 2 = 12
            _row(
                "sledai_hematuria",
                "sledai_proteinuria",
                "sledai_low_complement",
                "sledai_dna_binding",
            ),
            # seizure 8 + vasculitis 8 + arthritis 4 + rash 2 + fever 1 + leukopenia 1 = 24
            _row(
                "sledai_seizure",
                "sledai_vasculitis",
                "sledai_arthritis",
                "sledai_rash",
                "sledai_fever",
                "sledai_leukopenia",
            ),
            _row(*SLEDAI_DESCRIPTORS),  # all: 105
        ]
    )
    assert sledai2k_score(rows).tolist() == [0, 12, 24, 105]


def test_sledai_unassessed_descriptor_gives_no_score():
    row = _row("sledai_rash")
    row["sledai_hematuria"] = None
    df = pd.DataFrame([row]).astype("boolean")
    assert np.isnan(sledai2k_score(df).iloc[0])


# --- steroids ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "mg", "expected"),
    [
        ("prednisone", 10, 10.0),
        ("prednisolone", 7.5, 7.5),
        ("methylprednisolone", 4, 5.0),  # 4 mg MP = 5 mg prednisone
        ("triamcinolone", 8, 10.0),  # 4 mg = 5 mg
        ("hydrocortisone", 20, 5.0),  # 20 mg = 5 mg
        ("cortisone", 25, 5.0),  # 25 mg = 5 mg
        ("dexamethasone", 0.75, 5.0),  # 0.75 mg = 5 mg
        ("betamethasone", 1.2, 10.0),  # 0.6 mg = 5 mg, so 1.2 mg = 10 mg
        ("deflazacort", 6, 5.0),  # 6 mg = 5 mg
    ],
)
def test_prednisone_equivalence(drug, mg, expected):
    assert prednisone_equivalent(mg, drug) == pytest.approx(expected)


def _steroids(rows):
    return pd.DataFrame(
        rows, columns=["subject_id", "drug", "dose_mg_day", "start_date", "end_date"]
    ).astype({"start_date": "datetime64[ns]", "end_date": "datetime64[ns]"})


def test_overlapping_intervals_add_up_and_open_interval_runs_to_cut():
    st = _steroids(
        [
            # 10 mg prednisolone 1-10 Jan; 4 mg MP (= 5 mg) 5-7 Jan overlaps; open 2.5 mg from 20 Jan
            ("S1", "prednisolone", 10.0, "2021-01-01", "2021-01-10"),
            ("S1", "methylprednisolone", 4.0, "2021-01-05", "2021-01-07"),
            ("S1", "prednisone", 2.5, "2021-01-20", None),
        ]
    )
    cut = pd.Series(pd.to_datetime(["2021-01-22"]), index=["S1"])
    daily = daily_dose(steroid_steps(st, cut)).set_index("date")["pred_eq_mg_day"]
    # Jan 1-4: 10; Jan 5-7: 10 + 5 = 15; Jan 8-10: 10; Jan 11-19: 0; Jan 20-22: 2.5 (to the cut)
    expected = [10] * 4 + [15] * 3 + [10] * 3 + [0] * 9 + [2.5] * 3
    assert daily.index[0] == pd.Timestamp("2021-01-01")
    assert daily.index[-1] == pd.Timestamp("2021-01-22")
    assert daily.tolist() == pytest.approx(expected)


def test_dose_on_lookup():
    st = _steroids(
        [
            ("S1", "prednisone", 20.0, "2021-01-01", "2021-01-31"),
            ("S2", "dexamethasone", 1.5, "2021-02-01", "2021-02-02"),
        ]
    )
    steps = steroid_steps(st, pd.Series(pd.to_datetime(["2021-03-01"] * 2), index=["S1", "S2"]))
    q = pd.DataFrame(
        {
            "s": ["S1", "S1", "S2", "S2", "S3"],
            "d": pd.to_datetime(
                ["2020-12-31", "2021-01-31", "2021-02-02", "2021-02-03", "2021-02-02"]
            ),
        }
    )
    # S1: before start 0, last day 20; S2: 1.5 mg dexa = 10 mg, then 0; S3 has no steroid: 0
    assert dose_on(steps, q["s"], q["d"]).tolist() == pytest.approx([0, 20, 10, 0, 0])


# --- eGFR ----------------------------------------------------------------------------------


def test_ckd_epi_2021_woman_by_hand():
    # Scr 1.0 mg/dL (88.42 umol/L), woman of 50: kappa 0.7, alpha -0.241; Scr/kappa = 1.4286 > 1
    # 142 * 1^-0.241 * 1.4286^-1.2 * 0.9938^50 * 1.012
    # 1.4286^-1.2 = exp(-1.2 * ln 1.4286) = exp(-0.42801) = 0.651805
    # 0.9938^50 = exp(50 * ln 0.9938) = exp(-0.310965) = 0.732756
    # 142 * 0.651805 * 0.732756 * 1.012 = 68.635 (the NKF calculator prints 68)
    assert ckd_epi_2021(88.42, 50, "F") == pytest.approx(68.635, abs=0.01)


def test_ckd_epi_2021_man_by_hand():
    # Scr 1.2 mg/dL, man of 60: kappa 0.9; Scr/kappa = 1.3333
    # 1.3333^-1.2 = exp(-1.2 * 0.287682) = 0.708066; 0.9938^60 = exp(-0.373158) = 0.688553
    # 142 * 0.708066 * 0.688553 = 69.231 (the NKF calculator prints 69)
    assert ckd_epi_2021(1.2 * 88.42, 60, "M") == pytest.approx(69.231, abs=0.01)


def test_ckd_epi_2021_below_kappa_uses_alpha():
    # Scr 0.6 mg/dL, woman of 30: Scr/kappa = 0.857143 < 1, so the alpha term applies
    # 0.857143^-0.241 = exp(0.241 * 0.154151) = 1.037849; 0.9938^30 = exp(-0.186579) = 0.829792
    # 142 * 1.037843 * 0.829791 * 1.012 = 123.758
    assert ckd_epi_2021(0.6 * 88.42, 30, "F") == pytest.approx(123.758, abs=0.01)


def test_ckd_epi_2021_vectorised_and_missing():
    out = ckd_epi_2021(pd.Series([88.42, np.nan]), pd.Series([50, 50]), pd.Series(["F", "F"]))
    assert out.iloc[0] == pytest.approx(68.635, abs=0.01) and np.isnan(out.iloc[1])


# --- baseline ------------------------------------------------------------------------------


def test_baseline_is_last_non_missing_on_or_before_start_per_variable():
    subjects = pd.DataFrame(
        {"subject_id": ["A", "B", "C"], "start_date": pd.to_datetime(["2021-01-10"] * 3)}
    )
    visits = pd.DataFrame(
        {
            "subject_id": ["A", "A", "A", "B", "C"],
            "visit_date": pd.to_datetime(
                ["2021-01-01", "2021-01-10", "2021-01-11", "2021-01-20", "2021-01-10"]
            ),
            "creatinine_umol_l": [120.0, np.nan, 80.0, 90.0, 100.0],
            "pga": [2.0, 1.5, 0.5, 1.0, np.nan],
        }
    )
    base = baseline_values(visits, subjects, ["creatinine_umol_l", "pga"]).set_index("subject_id")
    # A: creatinine missing on day 1, so screening's 120; PGA from day 1 (1.5); day 2 not used
    assert base.loc["A"].tolist() == [120.0, 1.5]
    # B: only a post-baseline visit: no baseline at all, but B keeps its row
    assert base.loc["B"].isna().all()
    # C: creatinine on day 1; PGA never measured
    assert base.loc["C", "creatinine_umol_l"] == 100.0 and np.isnan(base.loc["C", "pga"])
    long = baseline_long(visits, subjects, ["creatinine_umol_l"])
    assert long.loc[long.subject_id == "A", "date"].iloc[0] == pd.Timestamp("2021-01-01")
