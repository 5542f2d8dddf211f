"""Shared fixtures: a tiny valid trial built by hand, as DataFrames."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import survlupus

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Two subjects, three visits each; every value written as text, as a CSV would hold it."""
    subjects = pd.DataFrame(
        {
            "subject_id": ["S001", "S002"],
            "start_date": ["2021-01-10", "2021-02-01"],
            "arm": ["MSC", "MSC"],
            "subgroup": ["nephritis", "cytopenia"],
            "sex": ["F", "M"],
            "age_years": ["40", "55"],
            "weight_kg": ["60", "80"],
            "end_date": ["2021-07-01", "2021-08-01"],
            "discontinued": ["false", "false"],
            "discontinuation_reason": ["", ""],
        }
    )
    visits = pd.DataFrame(
        {
            "subject_id": ["S001", "S001", "S001", "S002", "S002", "S002"],
            "visit_date": [
                "2021-01-03",
                "2021-01-10",
                "2021-02-07",
                "2021-02-01",
                "2021-03-01",
                "2021-04-01",
            ],
            "visit": ["SCR", "D1", "W4", "D1", "W4", "W8"],
            "creatinine_umol_l": ["120", "", "110", "70", "72", "71"],
            "upcr_g_g": ["2.1", "2.0", "1.5", "0.1", "0.1", "0.1"],
            "hemoglobin_g_dl": ["11.5", "11.4", "11.6", "8.0", "9.1", "10.2"],
            "platelets_10e9_l": ["250", "240", "260", "40", "70", "110"],
            "pga": ["", "1.5", "1.0", "2.0", "1.5", "1.0"],
            "sledai2k": ["", "12", "8", "6", "4", "2"],
        }
    )
    steroids = pd.DataFrame(
        {
            "subject_id": ["S001", "S002"],
            "drug": ["prednisolone", "methylprednisolone"],
            "dose_mg_day": ["20", "16"],
            "start_date": ["2020-12-01", "2021-01-15"],
            "end_date": ["2021-03-31", ""],
            "route": ["oral", "oral"],
        }
    )
    events = pd.DataFrame(
        {
            "subject_id": ["S001"],
            "event": ["rescue_therapy"],
            "start_date": ["2021-05-01"],
            "end_date": [""],
            "severity": [""],
            "detail": ["rituximab"],
        }
    )
    infusions = pd.DataFrame(
        {
            "subject_id": ["S001", "S002"],
            "infusion_date": ["2021-01-10", "2021-02-01"],
            "dose_cells_per_kg": ["2000000", "2000000"],
        }
    )
    return {
        "subjects": subjects,
        "visits": visits,
        "steroids": steroids,
        "events": events,
        "infusions": infusions,
    }


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return tiny_tables()


def write_csvs(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def analysed():
    """``analysed(name)``: a bundled synthetic trial analysed by its own plan, once for the
    whole session (tests read the results, never change them)."""
    done = {}

    def get(name: str):
        if name not in done:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                done[name] = survlupus.analyse(survlupus.read_trial(SYNTHETIC / name))
        return done[name]

    return get
