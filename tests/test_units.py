"""Unit conversions, checked against factors worked out by hand from the data contract."""

import pytest

import survlupus
from survlupus.trial.units import column_unit, convert, expand_unit_map


def test_creatinine_mg_dl_to_umol_l():
    # 1 mg/dL = 88.42 umol/L, so 1.2 mg/dL = 1.2 * 88.42 = 106.104 umol/L
    assert convert(1.2, "creatinine", "mg/dL") == pytest.approx(106.104)


def test_upcr_mg_mmol_to_g_g():
    # creatinine molar mass 113.12 g/mol: 113.12 mg/mmol = 1 g/g; 50 mg/mmol = 50/113.12 = 0.44201 g/g
    assert convert(113.12, "upcr", "mg/mmol") == pytest.approx(1.0)
    assert convert(50.0, "upcr", "mg/mmol") == pytest.approx(0.442008, abs=1e-6)
    assert convert(500.0, "upcr", "mg/g") == pytest.approx(0.5)


def test_haemoglobin_and_counts():
    assert convert(125.0, "hemoglobin", "g/L") == pytest.approx(12.5)
    assert convert(150000.0, "platelets", "/mm3") == pytest.approx(150.0)
    assert convert(1500.0, "neutrophils", "per mm³") == pytest.approx(1.5)


def test_column_names_carry_units():
    assert column_unit("creatinine_mg_dl") == ("creatinine", "mg/dl")
    assert column_unit("platelets_per_mm3") == ("platelets", "/mm3")
    assert column_unit("creatinine_umol_l") is None
    assert column_unit("visit_date") is None


def test_unit_map_rejects_unknown_quantity_and_unit():
    with pytest.raises(KeyError, match="unknown quantity 'creatinin'"):
        expand_unit_map({"creatinin": "mg/dL"})
    with pytest.raises(KeyError, match="unknown unit 'mmol/L' for creatinine"):
        expand_unit_map({"creatinine": "mmol/L"})
    assert expand_unit_map({"counts": "/mm3"})["wbc"] == "/mm3"


def test_read_trial_converts_on_entry_by_unit_map(tables):
    v = tables["visits"]
    v["creatinine_umol_l"] = ["1.2", "", "1.0", "0.8", "0.9", "0.8"]  # really mg/dL
    v["platelets_10e9_l"] = ["250000", "240000", "260000", "40000", "70000", "110000"]
    trial = survlupus.read_trial(tables, units={"creatinine": "mg/dL", "counts": "/mm3"})
    s1 = trial.visits[trial.visits.subject_id == "S001"]
    assert s1["creatinine_umol_l"].iloc[0] == pytest.approx(1.2 * 88.42)
    assert s1["platelets_10e9_l"].iloc[0] == pytest.approx(250.0)
    assert any("creatinine_umol_l given in mg/dL" in c for c in trial.conversions)


def test_read_trial_converts_suffixed_columns(tables):
    v = tables["visits"]
    v["hemoglobin_g_l"] = ["115", "114", "116", "80", "91", "102"]
    v.drop(columns="hemoglobin_g_dl", inplace=True)
    v["upcr_mg_mmol"] = ["113.12"] * 6
    v.drop(columns="upcr_g_g", inplace=True)
    trial = survlupus.read_trial(tables)
    assert trial.visits["hemoglobin_g_dl"].iloc[0] == pytest.approx(11.5)
    assert trial.visits["upcr_g_g"].tolist() == pytest.approx([1.0] * 6)
    assert "upcr_g_g" in trial.visits and "upcr_mg_mmol" not in trial.visits


def test_unconverted_mg_dl_creatinine_is_reported_as_unit_error(tables):
    tables["visits"]["creatinine_umol_l"] = ["1.2", "", "1.1", "0.8", "0.9", "0.8"]
    with pytest.raises(survlupus.DataError) as exc:
        survlupus.read_trial(tables)
    msg = str(exc.value)
    assert "probable unit error" in msg and "units={'creatinine': 'mg/dL'}" in msg
    first = exc.value.errors[0]
    assert (first.table, first.column, first.subject) == ("visits", "creatinine_umol_l", "S001")
