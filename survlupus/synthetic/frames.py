"""From simulated subjects to the contract's tables: collecting each subject's records and
building the sorted frames (visits, steroids, events, infusions, subjects, truth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from survlupus.synthetic import values
from survlupus.synthetic.designs import Design
from survlupus.synthetic.measures import extra_values
from survlupus.synthetic.steroids import steroid_regimen
from survlupus.trial.schema import SLEDAI_DESCRIPTORS

if TYPE_CHECKING:
    from survlupus.synthetic.generate import SubjectState

IMPLIES = {
    "complete_remission": "TTCR",
    "renal_flare": "TTRFLR;TTTF",
    "proteinuric_flare": "TTRFLR;TTTF",
    "creatinine_doubling": "TTDSCR;TTRFLR;TTTF",
    "dialysis": "TTESRD;TTTF",
    "kidney_transplant": "TTESRD;TTTF",
    "death": "TTDTH;TTTF",
    "rescue_therapy": "TTRESC;TTTF",
    "severe_flare": "TTSFLR;TTEXFLR;TTTF",
    "haematologic_flare": "TTHFLR",
    "mild_flare": "",
}
"""Endpoints (PARAMCD) each planted kind should trigger under the default definitions."""


def _collect(design: Design, s: SubjectState, out: dict[str, list]) -> None:
    sid = s.plan.subject_id
    out["subjects"].append(
        {
            "subject_id": sid,
            "start_date": s.start,
            "arm": s.plan.arm.label,
            "subgroup": s.plan.subgroup,
            "sex": s.sex,
            "age_years": s.age,
            "weight_kg": s.weight,
            "end_date": s.date(s.end_day),
            "discontinued": s.discontinued,
            "discontinuation_reason": s.reason,
        }
    )
    vis = values.visit_values(design, s)
    if design.extra_measures:
        extra = extra_values(design, s, vis["creatinine_umol_l"], *s.stream)
        names = list(vis)
        at = names.index("anti_dsdna_iu_ml") + 1
        vis = {k: vis[k] for k in names[:at]} | extra | {k: vis[k] for k in names[at:]}
    out["visits"].append((sid, s.start, vis))
    for row in steroid_regimen(design, s) + s.steroid_rows:
        out["steroids"].append(
            {
                "subject_id": sid,
                "drug": row["drug"],
                "dose_mg_day": row["dose_mg_day"],
                "start_date": s.date(row["start_day"]),
                "end_date": None if row["end_day"] is None else s.date(row["end_day"]),
                "route": row.get("route", "oral"),
            }
        )
    if design.cyclophosphamide_pretreatment:
        s.add_event("immunosuppressant_start", 0, detail="cyclophosphamide pre-treatment")
    for row in s.event_rows:
        out["events"].append(
            {
                "subject_id": sid,
                "event": row["event"],
                "start_date": s.date(row["start_day"]),
                "end_date": None if row["end_day"] is None else s.date(row["end_day"]),
                "severity": row["severity"],
                "detail": row["detail"],
            }
        )
    for day in design.infusion_days:
        if day <= s.end_day:
            out["infusions"].append(
                {
                    "subject_id": sid,
                    "infusion_date": s.date(day),
                    "dose_cells_per_kg": s.plan.arm.dose_cells_per_kg,
                }
            )
    for row in s.planted:
        out["truth"].append(
            {
                "subject_id": sid,
                "event": row["event"],
                "onset_date": s.date(row["onset_day"]),
                "onset_day": row["onset_day"],
                "detected_by": row["detected_by"],
                "implies": IMPLIES[row["event"]],
                "detail": row["detail"],
            }
        )


def _visits(parts: list[tuple[str, pd.Timestamp, dict[str, np.ndarray]]]) -> pd.DataFrame:
    """The visits table from every subject's column arrays, concatenated once per column."""
    counts = np.array([len(cols["visit_day"]) for _, _, cols in parts])
    names = list(parts[0][2])
    columns = {k: np.concatenate([cols[k] for _, _, cols in parts]) for k in names}
    day = columns.pop("visit_day").astype("int64") - 1
    start = np.repeat(np.array([st for _, st, _ in parts], dtype="datetime64[ns]"), counts)
    table = pd.DataFrame(
        {
            "subject_id": np.repeat(np.array([sid for sid, _, _ in parts], dtype=object), counts),
            "visit_date": start + day.astype("timedelta64[D]"),
        }
        | columns
    )
    for d in SLEDAI_DESCRIPTORS:
        if d in table and d not in values.URINE_SEDIMENT:
            table[d] = pd.array(table[d].to_numpy(bool), dtype="boolean")
    return table


def _frames(design: Design, out: dict[str, list]) -> dict[str, pd.DataFrame]:
    tables = {
        "subjects": pd.DataFrame(out["subjects"]),
        "visits": _visits(out["visits"]),
        "steroids": pd.DataFrame(out["steroids"]),
        "events": pd.DataFrame(
            out["events"],
            columns=["subject_id", "event", "start_date", "end_date", "severity", "detail"],
        ),
        "infusions": pd.DataFrame(out["infusions"]),
        "truth": pd.DataFrame(
            out["truth"],
            columns=[
                "subject_id",
                "event",
                "onset_date",
                "onset_day",
                "detected_by",
                "implies",
                "detail",
            ],
        ),
    }
    keys = {
        "subjects": ["subject_id"],
        "visits": ["subject_id", "visit_date"],
        "steroids": ["subject_id", "start_date", "drug"],
        "events": ["subject_id", "start_date", "event"],
        "infusions": ["subject_id", "infusion_date"],
        "truth": ["subject_id", "onset_date", "event"],
    }
    out_tables = {
        k: v.sort_values(keys[k], kind="stable").reset_index(drop=True) for k, v in tables.items()
    }
    trajectories = out["truth_trajectories"][0]
    if len(trajectories):
        out_tables["truth_trajectories"] = trajectories
    return out_tables
