"""The datasets a reviewer receives follow ADaM: required variables, names and labels, PARAMCD,
event and censoring descriptions, source pointers that point at the record, the same variables
for every trial; R's haven reads every XPT (committed output); every Dataset-JSON file passes the
v1.1 schema check."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from survlupus.render.adam.conform import conform, recorded_decimals
from survlupus.render.adam.datasetjson import check_dataset_json, to_dataset_json
from survlupus.render.adam.specs import SPECS, spec_for
from survlupus.render.adam.write import adam_datasets

ROOT = Path(__file__).resolve().parents[1]
TRIALS = ("cs20at04", "musc", "nanjing")
REQUIRED = {
    "ADSL": {
        "STUDYID",
        "USUBJID",
        "SUBJID",
        "ARM",
        "TRT01P",
        "TRT01A",
        "AGE",
        "SEX",
        "ITTFL",
        "SAFFL",
        "FASFL",
        "TRTSDT",
        "TRTEDT",
        "RANDDT",
        "EOSSTT",
        "DTHFL",
        "LSTALVDT",
    },
    "ADTTE": {
        "STUDYID",
        "USUBJID",
        "ASEQ",
        "PARAMCD",
        "PARAM",
        "PARAMN",
        "STARTDT",
        "ADT",
        "AVAL",
        "CNSR",
        "EVNTDESC",
        "CNSDTDSC",
        "SRCDOM",
        "SRCVAR",
        "SRCSEQ",
        "TRT01P",
        "TRT01A",
        "ITTFL",
        "SAFFL",
        "AGE",
        "SEX",
    },
    "ADRS": {
        "STUDYID",
        "USUBJID",
        "PARAMCD",
        "PARAM",
        "PARAMN",
        "PARCAT1",
        "AVISIT",
        "AVISITN",
        "ADT",
        "ADY",
        "AVALC",
        "AVAL",
        "DTYPE",
        "ANL01FL",
        "CRIT1",
        "CRIT1FL",
    },
    "ADBDS": {
        "STUDYID",
        "USUBJID",
        "PARAMCD",
        "PARAM",
        "AVISIT",
        "AVISITN",
        "ADT",
        "ADY",
        "AVAL",
        "BASE",
        "CHG",
        "ABLFL",
        "ANL01FL",
    },
    "ADAE": {"STUDYID", "USUBJID", "AESEQ", "AEDECOD", "AEBODSYS", "ASTDT", "TRTEMFL", "SAFFL"},
}


@pytest.fixture(scope="module")
def adam(analysed):
    warnings.simplefilter("ignore")
    return {name: (analysed(name), adam_datasets(analysed(name))) for name in TRIALS}


@pytest.mark.parametrize("trial", TRIALS)
def test_every_dataset_follows_the_adam_rules(adam, trial):
    results, datasets = adam[trial]
    n_subjects = results.trial.n_subjects
    for name, df in datasets.items():
        spec = spec_for(name)
        assert REQUIRED.get(spec.name, {"STUDYID", "USUBJID"}) <= set(df.columns), spec.name
        assert all(re.fullmatch(r"[A-Z][A-Z0-9]{0,7}", c) for c in df.columns), spec.name
        labels = [spec.label_of(c) for c in df.columns]
        assert all(0 < len(lab) <= 40 for lab in labels) and labels != list(df.columns)
        assert 0 < len(spec.label) <= 40
        assert df["STUDYID"].nunique() == 1 and df["STUDYID"].iloc[0] == results.plan.study.id
        if "PARAMCD" in df and len(df):
            assert df["PARAMCD"].str.fullmatch(r"[A-Z][A-Z0-9_]{0,7}").all(), spec.name
            # one PARAMN per PARAMCD and one PARAM per PARAMCD
            per_code = [c for c in ("PARAMN", "PARAM") if c in df]
            assert (df.groupby("PARAMCD")[per_code].nunique() == 1).all().all()
        if "ASEQ" in df and len(df):  # 1..n within each subject
            expect = df.groupby("USUBJID").cumcount() + 1
            assert (df["ASEQ"].astype(int) == expect).all()
        for c in df.columns:  # text: ASCII, at most 200 bytes a variable
            if df[c].dtype == object:
                text = df[c].astype(str)
                assert text.map(lambda s: s.isascii() and len(s.encode()) <= 200).all(), c
    adsl = datasets["adsl"]
    assert len(adsl) == n_subjects and adsl["USUBJID"].is_unique  # every subject, once
    assert set(adsl["ITTFL"]) == {"Y"}


@pytest.mark.parametrize("trial", TRIALS)
def test_event_and_censoring_descriptions_and_source_pointers(adam, trial):
    results, datasets = adam[trial]
    trial_obj = results.trial
    for name in ("adtte", "adaette"):
        df = datasets[name]
        assert (df["EVNTDESC"] != "").all()  # filled on every row
        censored = df[df["CNSR"] > 0]
        assert (censored["CNSDTDSC"] != "").all()
        assert (df.loc[df["CNSR"] == 0, "CNSDTDSC"] == "").all()
        assert censored["EVNTDESC"].str.startswith("censored").all()
        assert set(df["SRCDOM"]) <= {"VISITS", "EVENTS", "STEROIDS", "SUBJECTS", "ADAE"}
        assert not df["SRCVAR"].str.contains("/").any() and (df["SRCVAR"].str.len() <= 12).all()
    adtte = datasets["adtte"]
    # window-end censoring says so: AVAL equals the window length exactly there
    window = results.plan.window_days()
    at_end = adtte[adtte["CNSDTDSC"].str.startswith("end of the analysis window")]
    assert (at_end["AVAL"] == window).all()
    # SRCSEQ points at the record: the subject's n-th visit (by date) is dated ADT
    visits = trial_obj.visits.sort_values(["subject_id", "visit_date"])
    nth = visits.assign(seq=visits.groupby("subject_id").cumcount() + 1)
    on_visits = adtte[adtte["SRCDOM"] == "VISITS"]
    looked_up = on_visits.merge(
        nth, left_on=["USUBJID", "SRCSEQ"], right_on=["subject_id", "seq"], how="left"
    )
    assert len(on_visits) > 0 and (looked_up["visit_date"] == looked_up["ADT"]).all()
    events = trial_obj.events.sort_values(["subject_id", "start_date", "event"])
    nth = events.assign(seq=events.groupby("subject_id").cumcount() + 1)
    on_events = adtte[adtte["SRCDOM"] == "EVENTS"]
    looked_up = on_events.merge(
        nth, left_on=["USUBJID", "SRCSEQ"], right_on=["subject_id", "seq"], how="left"
    )
    assert (looked_up["start_date"] == looked_up["ADT"]).all()
    assert on_events["SRCVAR"].eq("START_DATE").all()


def test_responders_carry_dates_flags_and_imputation(adam):
    _, datasets = adam["musc"]
    adrs = datasets["adrs"]
    assert adrs["ADT"].notna().all() and adrs["ADY"].notna().all()  # no missing dates
    imputed = adrs[adrs["DTYPE"] == "NRI"]
    assert len(imputed) > 0
    assert (imputed["AVALC"] == "N").all() and imputed["REASON"].str.startswith("missing").all()
    # an imputed record is dated at the visit's nominal day
    assert (imputed["ADY"] == imputed["AVISITN"]).all()
    assert set(adrs["CRIT1FL"]) <= {"Y", "N", ""}
    assert ((adrs["CRIT1FL"] == "Y") == (adrs["AVALC"] == "Y")).all()
    analysed = adrs[adrs["ANL01FL"] == "Y"]
    assert ((analysed["ELIGFL"] == "Y") & (analysed["AVALC"] != "")).all()


def test_the_same_variables_for_every_trial(adam):
    for name in SPECS:
        columns = {tuple(adam[t][1][name].columns) for t in TRIALS if name in adam[t][1]}
        assert len(columns) == 1, name


def test_conform_rounds_to_the_recorded_precision_and_splits_text():
    adsl = pd.DataFrame(
        {
            "STUDYID": "S",
            "USUBJID": ["A"],
            "TRT01P": "X",
            "TRT01A": "X",
            "AGE": 30.0,
            "SEX": "F",
            "ITTFL": "Y",
            "SAFFL": "Y",
            "FASFL": "Y",
        }
    )
    bds = pd.DataFrame(
        {
            "USUBJID": ["A", "A"],
            "PARAMCD": "C3",
            "PARAM": "C3 (g/L)",
            "AVAL": [1.5, 1.1],
            "BASE": [1.5, 1.5],
            "CHG": [0.0, 1.1 - 1.5],
            "PCHG": [0.0, 100 * (1.1 - 1.5) / 1.5],
            "ADT": pd.to_datetime(["2020-01-01", "2020-02-01"]),
            "AVISIT": ["BASELINE", "M1"],
            "AVISITN": [1, 31],
        }
    )
    assert bds["CHG"].iloc[1] != -0.4  # float noise: -0.3999999999999999
    out = conform("adbds", bds, adsl)
    assert out["CHG"].tolist() == [0.0, -0.4]  # AVAL has one decimal, so has CHG
    assert out["PCHG"].tolist() == [0.0, -26.67]  # 100 x -0.4 / 1.5 = -26.666.., 2 places
    assert out["ASEQ"].tolist() == [1, 2]
    assert recorded_decimals(pd.Series([1.25, 3.5, 2.0])) == 2
    # text: 450 characters become EVIDENCE (200), EVIDENC1 (200), EVIDENC2 (50)
    text = "x" * 450
    tte = pd.DataFrame({"USUBJID": ["A"], "PARAMCD": "TTX", "EVIDENCE": [text], "CNSR": [1]})
    out = conform("adtte", tte, adsl)
    assert [len(out[c].iloc[0]) for c in ("EVIDENCE", "EVIDENC1", "EVIDENC2")] == [200, 200, 50]
    with pytest.warns(UserWarning, match="longer than 600 characters"):
        out = conform("adtte", tte.assign(EVIDENCE="y" * 700), adsl)
    assert out["EVIDENC2"].iloc[0].endswith("...") and len(out["EVIDENC2"].iloc[0]) == 200
    with pytest.raises(ValueError, match="not in ADSL"):
        conform("adtte", tte.assign(USUBJID="Z"), adsl)


@pytest.mark.parametrize("trial", TRIALS)
def test_dataset_json_passes_the_schema_check(adam, trial):
    results, datasets = adam[trial]
    for name, df in datasets.items():
        doc = to_dataset_json(df, spec_for(name), "S", "2024-01-31T00:00:00", "0")
        assert check_dataset_json(doc) == [], name
        assert doc["records"] == len(df) and len(doc["rows"]) == len(df)


def test_the_schema_check_catches_what_is_wrong(adam):
    _, datasets = adam["cs20at04"]
    doc = to_dataset_json(datasets["adsl"], SPECS["adsl"], "S", "2024-01-31T00:00:00", "0")
    broken = dict(doc, datasetJSONVersion="1.0.0")
    assert any("does not match" in p for p in check_dataset_json(broken))
    broken = {k: v for k, v in doc.items() if k != "itemGroupOID"}
    assert check_dataset_json(broken) == ["'itemGroupOID' is a required property"]
    rows = [list(r) for r in doc["rows"]]
    rows[0][3] = 5  # SITEID is a string
    assert check_dataset_json(dict(doc, rows=rows)) == ["row 1, SITEID: 5 is not a string"]
    assert check_dataset_json(dict(doc, records=1)) == [
        f"records is 1 but there are {len(rows)} rows"
    ]
    rows = [list(r) for r in doc["rows"]]
    rows[1] = rows[1][:-1]
    assert "row 2 has" in check_dataset_json(dict(doc, rows=rows))[0]


def test_haven_reads_every_xpt_as_written(adam):
    """validation/r/xpt_haven.R ran haven::read_xpt on the datasets of validation/adam_reports.py
    (the same datasets as the fixture's); what R read equals what survlupus writes."""
    seen = pd.read_csv(
        ROOT / "validation" / "r" / "output" / "xpt_haven.csv", keep_default_na=False
    )
    assert len(seen) == 3 * len(SPECS)
    for trial in TRIALS:
        for name, df in adam[trial][1].items():
            spec = spec_for(name)
            row = seen[(seen.trial == trial) & (seen.file == f"{name}.xpt")].iloc[0]
            assert (row.rows, row.cols, row.label) == (len(df), len(df.columns), spec.label)
            assert row.names.split(" ") == list(df.columns)
            assert row.labels.split("|") == [spec.label_of(c) for c in df.columns]
            dates = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
            assert (row.dates.split(" ") if row.dates else []) == dates
