"""Bad input gives a DataError (or a report line) that names table, column, subject and row.

Each case mutates the hand-built tiny trial of ``conftest.py`` in one way. Rows are counted as a
spreadsheet counts them: in a CSV the header is line 1, so the first record is line 2.
"""

from __future__ import annotations

import pandas as pd
import pytest

import survlupus
from survlupus.cli import main
from survlupus.trial.schema import SLEDAI_DESCRIPTORS

from .conftest import write_csvs


def problems_of(tables, tmp_path, **kw):
    """Read the tables from CSV files and return the report's problems."""
    report = survlupus.validate_trial(write_csvs(tables, tmp_path / "trial"), **kw)
    return report


def only_error(report):
    assert len(report.errors) >= 1, str(report)
    return report.errors[0]


def test_clean_tiny_trial_reads(tables):
    trial = survlupus.read_trial(tables)
    assert trial.n_subjects == 2
    assert trial.visits["visit_date"].dtype == "datetime64[ns]"
    # eGFR filled by CKD-EPI 2021 where creatinine is present
    assert trial.visits["egfr_ml_min"].notna().sum() == 5


def test_missing_required_table(tables, tmp_path):
    del tables["visits"]
    rep = problems_of(tables, tmp_path)
    err = only_error(rep)
    assert err.table == "visits" and "required table is missing" in err.message


def test_missing_required_column(tables, tmp_path):
    tables["subjects"] = tables["subjects"].drop(columns="start_date")
    err = only_error(problems_of(tables, tmp_path))
    assert (err.table, err.column) == ("subjects", "start_date")
    assert "required column is missing" in err.message


def test_unknown_column_is_a_warning(tables, tmp_path):
    tables["visits"]["crp_mg_l"] = "5"
    rep = problems_of(tables, tmp_path)
    assert rep.ok
    assert any(w.column == "crp_mg_l" and "unknown column" in w.message for w in rep.warnings)


def test_duplicate_subject(tables, tmp_path):
    subj = tables["subjects"]
    tables["subjects"] = pd.concat([subj, subj.iloc[[1]]], ignore_index=True)
    rep = problems_of(tables, tmp_path)
    errs = [e for e in rep.errors if e.column == "subject_id"]
    # S002 is on lines 3 and 4 of subjects.csv
    assert {(e.subject, e.row) for e in errs} == {("S002", 3), ("S002", 4)}
    assert all("more than once" in e.message for e in errs)


def test_duplicate_visit_rows_conflicting(tables, tmp_path):
    v = tables["visits"]
    dup = v.iloc[[2]].copy()
    dup["creatinine_umol_l"] = "150"
    tables["visits"] = pd.concat([v, dup], ignore_index=True)
    err = only_error(problems_of(tables, tmp_path))
    assert (err.table, err.subject, err.row) == ("visits", "S001", 4)
    assert "2021-02-07 disagree on creatinine_umol_l" in err.message


def test_duplicate_visit_rows_identical_are_dropped_with_warning(tables, tmp_path):
    v = tables["visits"]
    tables["visits"] = pd.concat([v, v.iloc[[2]]], ignore_index=True)
    rep = problems_of(tables, tmp_path)
    assert rep.ok
    assert len(rep.trial.visits) == 6
    assert any("exact duplicate" in w.message for w in rep.warnings)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("03/02/2021", "is not an ISO date"),
        ("2021-02-30", "is not a real calendar date"),
        ("1021-02-03", "implausible year"),
    ],
)
def test_bad_dates(tables, tmp_path, value, words):
    tables["visits"].loc[4, "visit_date"] = value
    err = only_error(problems_of(tables, tmp_path))
    # visits row index 4 is line 6 of visits.csv, subject S002
    assert (err.table, err.column, err.subject, err.row) == ("visits", "visit_date", "S002", 6)
    assert words in err.message and "YYYY-MM-DD" in str(err) or words in err.message


def test_orphan_subject_in_visits_steroids_events(tables, tmp_path):
    tables["visits"].loc[5, "subject_id"] = "S999"
    tables["steroids"].loc[1, "subject_id"] = "S998"
    tables["events"].loc[0, "subject_id"] = "S997"
    rep = problems_of(tables, tmp_path)
    found = {(e.table, e.subject, e.row) for e in rep.errors}
    assert found == {("visits", "S999", 7), ("steroids", "S998", 3), ("events", "S997", 2)}
    assert all("is not in subjects" in e.message for e in rep.errors)


def test_negative_and_implausible_lab_values(tables, tmp_path):
    tables["visits"].loc[3, "platelets_10e9_l"] = "-5"
    tables["visits"].loc[4, "hemoglobin_g_dl"] = "91"  # g/L in a g/dL column
    rep = problems_of(tables, tmp_path)
    by_col = {e.column: e for e in rep.errors}
    assert by_col["platelets_10e9_l"].subject == "S002" and by_col["platelets_10e9_l"].row == 5
    assert "below 0" in by_col["platelets_10e9_l"].message
    assert "probable unit error" in by_col["hemoglobin_g_dl"].message
    assert "units={'hemoglobin': 'g/L'}" in by_col["hemoglobin_g_dl"].fix


def test_text_in_numeric_column_and_decimal_comma(tables, tmp_path):
    tables["visits"].loc[0, "upcr_g_g"] = "2,1"
    tables["visits"].loc[1, "pga"] = "high"
    rep = problems_of(tables, tmp_path)
    by_col = {e.column: e for e in rep.errors}
    assert "decimal point" in by_col["upcr_g_g"].fix and by_col["upcr_g_g"].row == 2
    assert "'high' is not a number" in by_col["pga"].message


def test_steroid_interval_ending_before_start(tables, tmp_path):
    tables["steroids"].loc[0, "end_date"] = "2020-11-01"
    err = only_error(problems_of(tables, tmp_path))
    assert (err.table, err.column, err.subject, err.row) == ("steroids", "end_date", "S001", 2)
    assert "before start_date" in err.message


def test_unknown_steroid_drug_and_event_name(tables, tmp_path):
    tables["steroids"].loc[1, "drug"] = "cortisol"
    tables["events"].loc[0, "event"] = "flare"
    rep = problems_of(tables, tmp_path)
    by_table = {e.table: e for e in rep.errors}
    assert (
        by_table["steroids"].column == "drug"
        and "unknown steroid drug 'cortisol'" in by_table["steroids"].message
        and by_table["steroids"].subject == "S002"
    )
    assert (
        by_table["events"].column == "event"
        and "unknown event name 'flare'" in by_table["events"].message
        and "rescue_therapy" in by_table["events"].fix
    )


def test_sledai_score_disagreeing_with_descriptors(tables, tmp_path):
    v = tables["visits"]
    for d in SLEDAI_DESCRIPTORS:
        v[d] = "false"
    v.loc[:, "sledai_arthritis"] = "true"  # 4 points
    v.loc[:, "sledai2k"] = "4"
    v.loc[2, "sledai2k"] = "6"  # disagrees: descriptors add up to 4
    rep = problems_of(tables, tmp_path)
    err = only_error(rep)
    assert (err.table, err.column, err.subject, err.row) == ("visits", "sledai2k", "S001", 4)
    assert "sledai2k is 6 but its descriptors add up to 4" in err.message


def test_partial_descriptors_exceeding_the_score_are_an_error(tables, tmp_path):
    """Only some descriptor columns: they bound the score from below (spec: an error)."""
    v = tables["visits"]
    v["sledai_arthritis"] = "true"  # 4
    v["sledai_rash"] = "true"  # 2
    v["sledai2k"] = "8"
    v.loc[2, "sledai2k"] = "5"  # below the 6 the two descriptors already give
    rep = problems_of(tables, tmp_path)
    err = only_error(rep)
    assert (err.table, err.column, err.subject, err.row) == ("visits", "sledai2k", "S001", 4)
    assert "sledai2k is 5 but the descriptors given already add up to 6" in err.message
    assert "sledai_arthritis, sledai_rash" in err.message
    assert any("score is not computed" in w.message for w in rep.warnings)


def test_sledai_filled_from_descriptors(tables):
    v = tables["visits"]
    for d in SLEDAI_DESCRIPTORS:
        v[d] = "false"
    v["sledai_rash"] = "true"
    v["sledai2k"] = ""
    trial = survlupus.read_trial(tables)
    assert trial.visits["sledai2k"].tolist() == [2.0] * 6


def test_read_trial_raises_one_error_listing_all(tables):
    tables["visits"].loc[0, "visit_date"] = "yesterday"
    tables["steroids"].loc[0, "drug"] = "aspirin"
    with pytest.raises(survlupus.DataError) as exc:
        survlupus.read_trial(tables)
    assert len(exc.value.errors) == 2
    text = str(exc.value)
    assert "visits (DataFrame) row 0, column visit_date, subject S001" in text
    assert "steroids (DataFrame) row 0, column drug, subject S001" in text


def test_cli_validate_prints_all_problems_and_exit_codes(tables, tmp_path, capsys):
    good = write_csvs(tables, tmp_path / "good")
    assert main(["validate", str(good)]) == 0
    tables["visits"].loc[0, "visit_date"] = "2021-13-01"
    tables["events"].loc[0, "event"] = "party"
    bad = write_csvs(tables, tmp_path / "bad")
    capsys.readouterr()
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "visits.csv line 2, column visit_date, subject S001" in out
    assert "events.csv line 2, column event, subject S001" in out
    assert "2 error(s)" in out


def test_empty_file_and_bom(tables, tmp_path):
    folder = write_csvs(tables, tmp_path / "t")
    text = (folder / "subjects.csv").read_text()
    (folder / "subjects.csv").write_text("\ufeff" + text, encoding="utf-8")
    assert survlupus.validate_trial(folder).ok  # a byte-order mark is harmless
    (folder / "events.csv").write_text("")
    rep = survlupus.validate_trial(folder)
    assert any(e.table == "events" and "file is empty" in e.message for e in rep.errors)


def test_parquet_text_gives_the_messages_csv_gives(tables, tmp_path):
    """Parquet text columns are read dictionary-encoded and parsed per distinct value: the same
    bad cells must give the same problems, rows and subjects as the CSV path."""
    tables["visits"].loc[4, "visit_date"] = "2021-02-30"
    tables["visits"].loc[1, "visit_date"] = "03/02/2021"
    tables["visits"].loc[0, "upcr_g_g"] = "2,1"
    tables["visits"].loc[2, "pga"] = "high"
    tables["steroids"].loc[1, "drug"] = "cortisol"
    tables["events"].loc[0, "event"] = "flare"
    tables["visits"].loc[5, "subject_id"] = "S999"
    csv = survlupus.validate_trial(write_csvs(tables, tmp_path / "csv"))
    folder = tmp_path / "parquet"
    folder.mkdir()
    for name, df in tables.items():  # every column as text, as an export from a database
        text = df.astype(object).where(df.notna(), None).astype("string")
        text.to_parquet(folder / f"{name}.parquet", index=False)
    parquet = survlupus.validate_trial(folder)

    def key(p):
        return (p.table, p.column, p.subject, p.row, p.message, p.fix, p.severity)

    assert len(csv.errors) >= 7
    assert sorted(map(key, parquet.problems)) == sorted(map(key, csv.problems))
