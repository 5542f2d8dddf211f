"""A catalogue of bad inputs: each is a small fixture, and each must give a ``DataError`` or a
validation-report line that names the table (and, where the problem is in a cell, the column,
subject and row) and says what to do; never a traceback from pandas, never a silently wrong
result. Rows are spreadsheet lines: the header is line 1, the first record line 2."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pytest

import survlupus
from survlupus.trial.schema import SLEDAI_DESCRIPTORS

from .conftest import tiny_tables, write_csvs


@dataclass
class Case:
    name: str
    mutate: Callable  # (tables, folder) -> None; files are written before mutate is called
    table: str
    message: str  # a fragment of the message
    column: str | None = None
    subject: str | None = None
    row: int | None = None
    severity: str = "error"
    units: dict | None = None


def cell(table, row, column, value):
    """Set a cell of the tiny trial (0-based record index) and rewrite the CSV."""

    def mutate(tables, folder):
        tables[table].loc[row, column] = value
        write_csvs({table: tables[table]}, folder)

    return mutate


def raw(table, text):
    def mutate(tables, folder):
        (folder / f"{table}.csv").write_bytes(
            text if isinstance(text, bytes) else text.encode("utf-8")
        )

    return mutate


def frame(table, fn):
    def mutate(tables, folder):
        tables[table] = fn(tables[table])
        write_csvs({table: tables[table]}, folder)

    return mutate


def semicolons(tables, folder):
    df = tables["visits"]
    (folder / "visits.csv").write_text(df.to_csv(index=False, sep=";"))


def title_line(tables, folder):
    text = (folder / "subjects.csv").read_text()
    (folder / "subjects.csv").write_text("Exported from EDC 2021-06-01\n" + text)


def descriptors_disagree(tables, folder):
    v = tables["visits"]
    for d in SLEDAI_DESCRIPTORS:
        v[d] = "false"
    v["sledai_rash"] = "true"
    v["sledai2k"] = "2"
    v.loc[4, "sledai2k"] = "4"
    write_csvs({"visits": v}, folder)


def second_death(tables, folder):
    ev = pd.concat(
        [
            tables["events"],
            pd.DataFrame(
                [
                    {"subject_id": "S002", "event": "death", "start_date": "2021-05-01"},
                    {"subject_id": "S002", "event": "death", "start_date": "2021-05-02"},
                ]
            ),
        ],
        ignore_index=True,
    ).fillna("")
    write_csvs({"events": ev}, folder)


def visit_after_death(tables, folder):
    ev = pd.concat(
        [
            tables["events"],
            pd.DataFrame([{"subject_id": "S002", "event": "death", "start_date": "2021-03-15"}]),
        ],
        ignore_index=True,
    ).fillna("")
    write_csvs({"events": ev}, folder)


def no_baseline(tables, folder):
    v = tables["visits"]
    v = v[~((v.subject_id == "S002") & (v.visit_date == "2021-02-01"))]
    write_csvs({"visits": v}, folder)


def duplicate_column(tables, folder):
    text = (folder / "infusions.csv").read_text().splitlines()
    text[0] = text[0] + ",dose_cells_per_kg"
    text[1:] = [line + ",1" for line in text[1:]]
    (folder / "infusions.csv").write_text("\n".join(text) + "\n")


def dup_visit_conflict(tables, folder):
    v = tables["visits"]
    extra = v.iloc[[2]].copy()
    extra["upcr_g_g"] = "3.0"
    write_csvs({"visits": pd.concat([v, extra], ignore_index=True)}, folder)


def link_outside(tables, folder):
    outside = folder.parent / "elsewhere.csv"
    outside.write_text((folder / "infusions.csv").read_text())
    (folder / "infusions.csv").unlink()
    (folder / "infusions.csv").symlink_to(outside)


def repeat_row(table, row, **changes):
    """Append a copy of record ``row`` of ``table`` with ``changes``."""

    def mutate(tables, folder):
        df = tables[table]
        extra = df.iloc[[row]].copy()
        for col, value in changes.items():
            extra[col] = value
        tables[table] = pd.concat([df, extra], ignore_index=True)
        write_csvs({table: tables[table]}, folder)

    return mutate


def add_event(event, subject="S002", date="2021-01-01", detail=""):
    def mutate(tables, folder):
        row = {
            "subject_id": subject,
            "event": event,
            "start_date": date,
            "end_date": "",
            "severity": "severe" if event == "sfi_flare" else "",
            "detail": detail,
        }
        tables["events"] = pd.concat([tables["events"], pd.DataFrame([row])], ignore_index=True)
        write_csvs({"events": tables["events"]}, folder)

    return mutate


def case_variant_subject(tables, folder):
    tables["subjects"].loc[1, "subject_id"] = "s001"
    for name in ("visits", "steroids", "infusions"):
        tables[name]["subject_id"] = tables[name]["subject_id"].replace("S002", "s001")
    write_csvs(tables, folder)


CASES = [
    # broken files
    Case("wrong delimiter", semicolons, "visits", "required column is missing", "subject_id"),
    Case("extra title line", title_line, "subjects", "required column is missing", "subject_id"),
    Case("empty file", raw("events", ""), "events", "file is empty"),
    Case(
        "binary garbage",
        raw("steroids", b"\x00\x01\x02\xff\xfe garbage\n\x00"),
        "steroids",
        "cannot be read",
    ),
    Case("header only", raw("visits", "subject_id,visit_date\n"), "visits", "table has no rows"),
    Case(
        "duplicate column",
        duplicate_column,
        "infusions",
        "column appears more than once",
        "dose_cells_per_kg",
    ),
    Case("link outside the folder", link_outside, "infusions", "points outside the trial folder"),
    # types
    Case(
        "text in a numeric column",
        cell("visits", 1, "creatinine_umol_l", "high"),
        "visits",
        "'high' is not a number",
        "creatinine_umol_l",
        "S001",
        3,
    ),
    Case(
        "decimal comma",
        cell("visits", 3, "hemoglobin_g_dl", "8,5"),
        "visits",
        "'8,5' is not a number",
        "hemoglobin_g_dl",
        "S002",
        5,
    ),
    Case(
        "impossible date",
        cell("visits", 2, "visit_date", "2021-02-30"),
        "visits",
        "not a real calendar date",
        "visit_date",
        "S001",
        4,
    ),
    Case(
        "day-first date",
        cell("visits", 4, "visit_date", "01/03/2021"),
        "visits",
        "is not an ISO date",
        "visit_date",
        "S002",
        6,
    ),
    Case(
        "date with a time of day",
        cell("steroids", 0, "start_date", "2020-12-01T08:30"),
        "steroids",
        "is not an ISO date",
        "start_date",
        "S001",
        2,
    ),
    Case(
        "implausible year",
        cell("subjects", 1, "start_date", "1899-02-01"),
        "subjects",
        "implausible year",
        "start_date",
        "S002",
        3,
    ),
    Case(
        "not a boolean",
        cell("subjects", 0, "discontinued", "maybe"),
        "subjects",
        "'maybe' is not true/false",
        "discontinued",
        "S001",
        2,
    ),
    Case(
        "unknown sex",
        cell("subjects", 1, "sex", "X"),
        "subjects",
        "unknown sex 'X'",
        "sex",
        "S002",
        3,
    ),
    Case(
        "unknown subgroup",
        cell("subjects", 0, "subgroup", "renal"),
        "subjects",
        "unknown subgroup 'renal'",
        "subgroup",
        "S001",
        2,
    ),
    # structure
    Case(
        "duplicate subject",
        frame("subjects", lambda d: pd.concat([d, d.iloc[[0]]])),
        "subjects",
        "subject appears more than once",
        "subject_id",
        "S001",
        2,
    ),
    Case(
        "duplicate visit, conflicting values",
        dup_visit_conflict,
        "visits",
        "disagree on upcr_g_g",
        "upcr_g_g",
        "S001",
        4,
    ),
    Case(
        "orphan visit",
        cell("visits", 5, "subject_id", "S404"),
        "visits",
        "subject S404 is not in subjects",
        "subject_id",
        "S404",
        7,
    ),
    Case(
        "orphan steroid interval",
        cell("steroids", 0, "subject_id", "S405"),
        "steroids",
        "is not in subjects",
        "subject_id",
        "S405",
        2,
    ),
    Case(
        "orphan event",
        cell("events", 0, "subject_id", "S406"),
        "events",
        "is not in subjects",
        "subject_id",
        "S406",
        2,
    ),
    Case(
        "missing required value",
        cell("visits", 0, "subject_id", ""),
        "visits",
        "value is missing",
        "subject_id",
        None,
        2,
    ),
    Case(
        "missing required column",
        frame("infusions", lambda d: d.drop(columns="infusion_date")),
        "infusions",
        "required column is missing",
        "infusion_date",
    ),
    Case(
        "missing baseline",
        no_baseline,
        "subjects",
        "no visit on or before start_date",
        "start_date",
        "S002",
        3,
        severity="warning",
    ),
    Case(
        "visit long before screening",
        cell("visits", 0, "visit_date", "2019-01-03"),
        "visits",
        "days before start_date",
        "visit_date",
        "S001",
        2,
        severity="warning",
    ),
    Case(
        "visit after death",
        visit_after_death,
        "visits",
        "after the subject's death",
        "visit_date",
        "S002",
        7,
        severity="warning",
    ),
    Case("second death", second_death, "events", "a second death", "event", "S002", 4),
    Case(
        "follow-up ending before it starts",
        cell("subjects", 0, "end_date", "2020-01-01"),
        "subjects",
        "end_date 2020-01-01 is before start_date",
        "end_date",
        "S001",
        2,
    ),
    Case(
        "steroid interval ending before it starts",
        cell("steroids", 1, "end_date", "2021-01-01"),
        "steroids",
        "is before start_date",
        "end_date",
        "S002",
        3,
    ),
    Case(
        "unknown steroid drug",
        cell("steroids", 0, "drug", "cortisol"),
        "steroids",
        "unknown steroid drug 'cortisol'",
        "drug",
        "S001",
        2,
    ),
    Case(
        "unknown event",
        cell("events", 0, "event", "flare"),
        "events",
        "unknown event name 'flare'",
        "event",
        "S001",
        2,
    ),
    Case(
        "unknown SFI severity",
        frame("events", lambda d: d.assign(event="sfi_flare", severity="moderate")),
        "events",
        "sfi_flare severity 'moderate' is unknown",
        "severity",
        "S001",
        2,
    ),
    # units
    Case(
        "creatinine in mg/dL declared as umol/L",
        cell("visits", 2, "creatinine_umol_l", "1.2"),
        "visits",
        "probable unit error",
        "creatinine_umol_l",
        "S001",
        4,
    ),
    Case(
        "platelets per mm3 in a 10^9/L column",
        cell("visits", 3, "platelets_10e9_l", "150000"),
        "visits",
        "probable unit error",
        "platelets_10e9_l",
        "S002",
        5,
    ),
    Case(
        "haemoglobin in g/L in a g/dL column",
        cell("visits", 4, "hemoglobin_g_dl", "91"),
        "visits",
        "probable unit error",
        "hemoglobin_g_dl",
        "S002",
        6,
    ),
    # clinical impossibilities
    Case(
        "negative count",
        cell("visits", 5, "platelets_10e9_l", "-3"),
        "visits",
        "below 0",
        "platelets_10e9_l",
        "S002",
        7,
    ),
    Case("PGA 4", cell("visits", 1, "pga", "4"), "visits", "above the maximum 3", "pga", "S001", 3),
    Case(
        "SLEDAI-2K 110",
        cell("visits", 2, "sledai2k", "110"),
        "visits",
        "above the maximum 105",
        "sledai2k",
        "S001",
        4,
    ),
    Case(
        "BILAG grade F",
        frame("visits", lambda d: d.assign(bilag_renal=["A", "B", "F", "E", "E", "E"])),
        "visits",
        "unknown BILAG-2004 grade 'F'",
        "bilag_renal",
        "S001",
        4,
    ),
    Case(
        "SLEDAI-2K disagreeing with its descriptors",
        descriptors_disagree,
        "visits",
        "sledai2k is 4 but its descriptors add up to 2",
        "sledai2k",
        "S002",
        6,
    ),
    Case(
        "negative steroid dose",
        cell("steroids", 0, "dose_mg_day", "-5"),
        "steroids",
        "below 0",
        "dose_mg_day",
        "S001",
        2,
    ),
    # keys, repeats and the order of dates (issue 19)
    Case(
        "exact duplicate steroid row",
        repeat_row("steroids", 0),
        "steroids",
        "1 exact duplicate row(s) dropped",
        severity="warning",
    ),
    Case(
        "same steroid key, other dose",
        repeat_row("steroids", 0, dose_mg_day="30"),
        "steroids",
        "two rows for drug and start date prednisolone, 2020-12-01 disagree on dose_mg_day",
        "dose_mg_day",
        "S001",
        2,
    ),
    Case(
        "same-day visit with an empty cell",
        repeat_row("visits", 2, pga=""),
        "visits",
        "two rows for visit date 2021-02-07 disagree on pga (one of them empty)",
        "pga",
        "S001",
        4,
    ),
    Case(
        "exact duplicate event",
        repeat_row("events", 0),
        "events",
        "1 exact duplicate row(s) dropped",
        severity="warning",
    ),
    Case(
        "open steroid rows of one drug",
        repeat_row("steroids", 1, start_date="2021-03-01", dose_mg_day="8"),
        "steroids",
        "methylprednisolone 16 mg/day from 2021-01-15 has no end_date and a later "
        "methylprednisolone row starts on 2021-03-01 (line 4), also without one",
        "end_date",
        "S002",
        3,
    ),
    Case(
        "death before start_date",
        add_event("death"),
        "events",
        "death on 2021-01-01 is before the subject's start_date 2021-02-01",
        "start_date",
        "S002",
        3,
    ),
    Case(
        "flare before start_date",
        add_event("sfi_flare"),
        "events",
        "sfi_flare on 2021-01-01 is before the subject's start_date 2021-02-01",
        "start_date",
        "S002",
        3,
        severity="warning",
    ),
    Case(
        "subject IDs differing in case",
        case_variant_subject,
        "subjects",
        "subject IDs differ only in case or spacing: 'S001', 's001'",
        "subject_id",
    ),
    Case(
        "subject ID in another case in visits",
        cell("visits", 0, "subject_id", "s001"),
        "visits",
        "subject s001 is not in subjects (subjects has S001; IDs are case-sensitive)",
        "subject_id",
        "s001",
        2,
    ),
    Case(
        "infinite value",
        cell("visits", 2, "upcr_g_g", "inf"),
        "visits",
        "'inf' is not a number",
        "upcr_g_g",
        "S001",
        4,
    ),
    Case(
        "not-done code",
        cell("visits", 2, "upcr_g_g", "ND"),
        "visits",
        "'ND' is not a number",
        "upcr_g_g",
        "S001",
        4,
    ),
    Case(
        "arms differing in case",
        cell("subjects", 1, "arm", "msc"),
        "subjects",
        "arm labels differ only in case or spacing: 'MSC', 'msc'",
        "arm",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_reported_where_it_is(case, tmp_path):
    tables = tiny_tables()
    folder = write_csvs(tables, tmp_path / "trial")
    case.mutate(tables, folder)
    report = survlupus.validate_trial(folder, units=case.units)  # never raises for bad data
    found = [
        p
        for p in report.problems
        if p.table == case.table
        and case.message in p.message
        and (case.column is None or p.column == case.column)
    ]
    assert found, f"no problem '{case.message}' in {case.table}; got:\n{report}"
    p = found[0]
    assert p.severity == case.severity
    assert p.fix, "every problem says what to do"
    if case.column:
        assert p.column == case.column
    if case.subject:
        assert p.subject == case.subject
    if case.row:
        assert p.row == case.row
    text = str(p)
    assert case.table in text and (case.column or "") in text
    if case.severity == "error":
        with pytest.raises(survlupus.DataError) as exc:
            survlupus.read_trial(folder, units=case.units)
        assert case.message in str(exc.value)
    else:
        assert survlupus.read_trial(folder).warnings


def test_catalogue_has_at_least_thirty_cases():
    assert len(CASES) >= 30


def test_byte_order_mark_and_cli_never_traceback(tmp_path, capsys):
    from survlupus.cli import main

    tables = tiny_tables()
    folder = write_csvs(tables, tmp_path / "trial")
    text = (folder / "visits.csv").read_text()
    (folder / "visits.csv").write_text("\ufeff" + text)
    assert survlupus.validate_trial(folder).ok  # a BOM is harmless
    raw("steroids", b"\x00\xff\xfe")(tables, folder)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and "steroids" in out.out


def test_unknown_unit_map_is_a_data_error():
    with pytest.raises(survlupus.DataError, match="unknown unit 'mmol/L' for creatinine"):
        survlupus.read_trial(tiny_tables(), units={"creatinine": "mmol/L"})


def test_file_size_limit(tmp_path):
    folder = write_csvs(tiny_tables(), tmp_path / "trial")
    report = survlupus.validate_trial(folder, max_file_bytes=100)
    assert any("above the limit" in p.message for p in report.errors)


def test_an_exported_row_twice_does_not_double_the_dose(tmp_path):
    """Hand check: S001 takes prednisolone 20 mg/day (= 20 mg prednisone) from 2020-12-01; the
    same row twice is still 20 mg/day, not 40."""
    tables = tiny_tables()
    folder = write_csvs(tables, tmp_path / "trial")
    repeat_row("steroids", 0)(tables, folder)
    trial = survlupus.read_trial(folder)
    assert len(trial.steroids) == 2  # the repeat is dropped on reading
    doses = trial.steroid_daily()
    day = doses[(doses["subject_id"] == "S001") & (doses["date"] == "2021-01-01")]
    assert day["pred_eq_mg_day"].tolist() == [20.0]


def test_an_event_before_day_one_is_not_counted(tmp_path):
    """A severe SFI flare dated before start_date is history: TTSFLR has no event for S002."""
    tables = tiny_tables()
    folder = write_csvs(tables, tmp_path / "trial")
    add_event("sfi_flare")(tables, folder)
    adtte = survlupus.derive_adtte(survlupus.read_trial(folder))
    row = adtte[(adtte["PARAMCD"] == "TTSFLR") & (adtte["USUBJID"] == "S002")]
    assert row["CNSR"].tolist() != [0]


def test_missing_value_codes_of_r_and_sas_are_read_as_missing(tmp_path):
    """Documented acceptance: NA (R), . (SAS), N/A, NULL and NaN, in any case, are empty cells."""
    tables = tiny_tables()
    tables["visits"]["creatinine_umol_l"] = ["NA", " . ", "n/a", "NULL", "NaN", "72"]
    trial = survlupus.read_trial(write_csvs(tables, tmp_path / "trial"))
    assert trial.visits["creatinine_umol_l"].isna().tolist() == [True] * 5 + [False]


def test_an_add_on_over_an_ongoing_dose_is_summed(tmp_path):
    """Documented acceptance: prednisolone 20 mg/day ongoing from 2020-12-01 plus a closed
    10 mg/day add-on 2021-03-01..2021-03-10 is 30 mg/day on 2021-03-05 and 20 after."""
    tables = tiny_tables()
    folder = write_csvs(tables, tmp_path / "trial")
    tables["steroids"].loc[0, "end_date"] = ""
    repeat_row("steroids", 0, start_date="2021-03-01", end_date="2021-03-10", dose_mg_day="10")(
        tables, folder
    )
    trial = survlupus.read_trial(folder)
    assert not trial.warnings
    doses = trial.steroid_daily().set_index(["subject_id", "date"])["pred_eq_mg_day"]
    assert doses[("S001", pd.Timestamp("2021-03-05"))] == 30.0
    assert doses[("S001", pd.Timestamp("2021-03-20"))] == 20.0
