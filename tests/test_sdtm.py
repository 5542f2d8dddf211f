"""SDTM-like domains turned into the contract's tables, checked value by value by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import survlupus


def domains() -> dict[str, pd.DataFrame]:
    dm = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2"],
            "RFSTDTC": ["2021-01-10T09:30", "2021-02-01"],
            "ARM": ["MSC", "MSC"],
            "SEX": ["F", "M"],
            "AGE": [40, 55],
            "RFENDTC": ["2021-07-01", "2021-08-01"],
        }
    )
    lb = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S2", "S2", "S2"],
            "LBTESTCD": ["CREAT", "CREAT", "HGB", "CREAT", "RBC", "PLAT"],
            "LBSPEC": ["SERUM", "SERUM", "BLOOD", "SERUM", "URINE", "BLOOD"],
            "LBSTRESN": [1.2, 1.0, 115.0, 80.0, 12.0, 150.0],
            "LBSTRESU": ["mg/dL", "mg/dL", "g/L", "umol/L", "/HPF", "10^9/L"],
            "LBDTC": [
                "2021-01-09",
                "2021-02-07",
                "2021-01-09",
                "2021-02-01",
                "2021-02-01",
                "2021-02-01",
            ],
            "VISIT": ["SCR", "W4", "SCR", "D1", "D1", "D1"],
        }
    )
    qs = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2"],
            "QSTESTCD": ["SLEDAI2K", "PGA"],
            "QSSTRESN": [12, 1.5],
            "QSDTC": ["2021-01-09", "2021-02-01"],
        }
    )
    cm = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2"],
            "CMDECOD": ["PREDNISONE", "Mycophenolate Mofetil"],
            "CMDOSE": [10, 1000],
            "CMDOSFRQ": ["BID", "BID"],
            "CMSTDTC": ["2020-12-01", "2021-03-01"],
            "CMENDTC": ["2021-03-31", ""],
        }
    )
    ae = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "AEDECOD": ["Headache"],
            "AEBODSYS": ["Nervous system disorders"],
            "AESTDTC": ["2021-01-11"],
            "AETOXGR": ["1"],
            "AESER": ["N"],
            "AEREL": ["POSSIBLY RELATED"],
            "AEOUT": ["RECOVERED/RESOLVED"],
        }
    )
    ex = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2"],
            "EXTRT": ["MSC", "MSC"],
            "EXDOSE": [2e6, 2e6],
            "EXSTDTC": ["2021-01-10", "2021-02-01"],
        }
    )
    ds = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2"],
            "DSCAT": ["DISPOSITION EVENT", "DISPOSITION EVENT"],
            "DSDECOD": ["COMPLETED", "WITHDRAWAL BY SUBJECT"],
            "DSSTDTC": ["2021-07-01", "2021-08-01"],
        }
    )
    return {"DM": dm, "LB": lb, "QS": qs, "CM": cm, "AE": ae, "EX": ex, "DS": ds}


def test_domains_become_a_valid_trial_with_units_converted_once():
    trial = survlupus.read_trial(survlupus.tables_from_sdtm(domains()))
    v = trial.visits.set_index(["subject_id", "visit_date"])
    s1 = v.loc[("S1", pd.Timestamp("2021-01-09"))]
    assert s1["creatinine_umol_l"] == pytest.approx(1.2 * 88.42)  # mg/dL -> µmol/L by hand
    assert s1["hemoglobin_g_dl"] == pytest.approx(11.5)  # 115 g/L = 11.5 g/dL
    assert s1["sledai2k"] == 12 and s1["visit"] == "SCR"
    s2 = v.loc[("S2", pd.Timestamp("2021-02-01"))]
    assert s2["urine_rbc_hpf"] == 12 and s2["pga"] == 1.5 and s2["platelets_10e9_l"] == 150
    st = trial.steroids.iloc[0]
    assert (st["drug"], st["dose_mg_day"]) == ("prednisone", 20.0)  # 10 mg twice a day
    ev = trial.events
    assert ev[["subject_id", "event", "detail"]].values.tolist() == [
        ["S2", "immunosuppressant_start", "mycophenolate mofetil"]
    ]
    ae = trial.adverse_events.iloc[0]
    assert (ae["related"], ae["outcome"], bool(ae["serious"])) == ("possible", "recovered", False)
    subj = trial.subjects.set_index("subject_id")
    assert subj.loc["S2", "discontinued"] and subj.loc["S2", "discontinuation_reason"] == (
        "withdrawal by subject"
    )
    assert subj.loc["S1", "start_date"] == pd.Timestamp("2021-01-10")
    assert len(trial.infusions) == 2
    # no VS domain, so no weight: every endpoint still derives (SFI (c) cannot fire)
    assert "weight_kg" not in trial.subjects
    adtte = survlupus.derive_adtte(trial)
    assert set(adtte["USUBJID"]) == {"S1", "S2"}


def test_sdtm_problems_name_the_domain_and_the_record():
    d = domains()
    d["LB"] = pd.concat([d["LB"], d["LB"].iloc[[0]].assign(LBSTRESN=1.5)], ignore_index=True)
    with pytest.raises(
        survlupus.DataError, match=r"creatinine_umol_l given twice on 2021-01-09.*records 1, 7"
    ):
        survlupus.tables_from_sdtm(d)
    d = domains()
    d["LB"].loc[0, "LBSTRESU"] = "mmol/L"
    with pytest.raises(
        survlupus.DataError, match="creatinine_umol_l: unit 'mmol/L' cannot be converted"
    ):
        survlupus.tables_from_sdtm(d)
    d = domains()
    d["DM"] = d["DM"].drop(columns="RFSTDTC")
    with pytest.raises(survlupus.DataError, match="required SDTM variable RFSTDTC is missing"):
        survlupus.tables_from_sdtm(d)
