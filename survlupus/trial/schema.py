"""The data contract as data: tables, columns, their kinds, vocabularies and plausible ranges.

This module only *describes* the input (``docs/data-contract.md``); reading and checking it
live in :mod:`survlupus.trial.read` and :mod:`survlupus.trial.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "date", "number", "bool", "grade", "sex"]

SLEDAI_WEIGHTS: dict[str, int] = {
    "sledai_seizure": 8,
    "sledai_psychosis": 8,
    "sledai_organic_brain": 8,
    "sledai_visual": 8,
    "sledai_cranial_nerve": 8,
    "sledai_headache": 8,
    "sledai_cva": 8,
    "sledai_vasculitis": 8,
    "sledai_arthritis": 4,
    "sledai_myositis": 4,
    "sledai_urinary_casts": 4,
    "sledai_hematuria": 4,
    "sledai_proteinuria": 4,
    "sledai_pyuria": 4,
    "sledai_rash": 2,
    "sledai_alopecia": 2,
    "sledai_mucosal_ulcers": 2,
    "sledai_pleurisy": 2,
    "sledai_pericarditis": 2,
    "sledai_low_complement": 2,
    "sledai_dna_binding": 2,
    "sledai_fever": 1,
    "sledai_thrombocytopenia": 1,
    "sledai_leukopenia": 1,
}
"""SLEDAI-2K descriptor weights (Gladman DD et al. J Rheumatol 2002;29:288-91). Sum = 105."""

SLEDAI_DESCRIPTORS: tuple[str, ...] = tuple(SLEDAI_WEIGHTS)

BILAG_DOMAINS: tuple[str, ...] = (
    "bilag_constitutional",
    "bilag_mucocutaneous",
    "bilag_neuropsychiatric",
    "bilag_musculoskeletal",
    "bilag_cardiorespiratory",
    "bilag_gastrointestinal",
    "bilag_ophthalmic",
    "bilag_renal",
    "bilag_haematological",
)
"""BILAG-2004 domains (Isenberg DA et al. Rheumatology 2005;44:902-6); grades A (most active) to E."""

BILAG_GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E")

STEROID_DRUGS: tuple[str, ...] = (
    "prednisone",
    "prednisolone",
    "methylprednisolone",
    "dexamethasone",
    "hydrocortisone",
    "betamethasone",
    "deflazacort",
    "triamcinolone",
    "cortisone",
)

EVENT_NAMES: tuple[str, ...] = (
    "death",
    "dialysis",
    "kidney_transplant",
    "rescue_therapy",
    "sle_hospitalization",
    "immunosuppressant_start",
    "sfi_flare",
    "adverse_event",
)

SFI_SEVERITIES: tuple[str, ...] = ("mild_moderate", "severe")
AE_RELATED: tuple[str, ...] = ("not", "unlikely", "possible", "probable", "definite")
"""Relationship of an adverse event to the study treatment (``possible`` or closer = related)."""
AE_OUTCOMES: tuple[str, ...] = ("recovered", "recovering", "not recovered", "fatal", "unknown")

SUBGROUPS: tuple[str, ...] = ("nephritis", "cytopenia")


@dataclass(frozen=True)
class Range:
    """Limits for a numeric column in its canonical unit.

    ``low``/``high`` are hard limits (outside = impossible); ``plausible`` is the physiological range
    outside which a value is reported as a probable unit error, with ``hint`` saying which unit the
    value looks like.
    """

    low: float | None = 0.0
    high: float | None = None
    plausible: tuple[float, float] | None = None
    hint_low: str = ""
    hint_high: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: tuple[str, ...]
    required: dict[str, Kind]
    optional: dict[str, Kind] = field(default_factory=dict)

    @property
    def columns(self) -> dict[str, Kind]:
        return {**self.required, **self.optional}


_VISIT_NUMBERS = {
    "creatinine_umol_l": "number",
    "upcr_g_g": "number",
    "proteinuria_g_24h": "number",
    "urine_rbc_hpf": "number",
    "urine_wbc_hpf": "number",
    "egfr_ml_min": "number",
    "hemoglobin_g_dl": "number",
    "platelets_10e9_l": "number",
    "neutrophils_10e9_l": "number",
    "lymphocytes_10e9_l": "number",
    "wbc_10e9_l": "number",
    "reticulocytes_pct": "number",
    "c3_g_l": "number",
    "c4_g_l": "number",
    "anti_dsdna_iu_ml": "number",
    "ana_titer": "number",
    "bun_mmol_l": "number",
    "treg_pct": "number",
    "sledai2k": "number",
    "pga": "number",
}

TABLES: dict[str, TableSpec] = {
    "subjects": TableSpec(
        name="subjects",
        key=("subject_id",),
        required={"subject_id": "text", "start_date": "date", "arm": "text"},
        optional={
            "subgroup": "text",
            "sex": "sex",
            "age_years": "number",
            "weight_kg": "number",
            "end_date": "date",
            "discontinued": "bool",
            "discontinuation_reason": "text",
        },
    ),
    "visits": TableSpec(
        name="visits",
        key=("subject_id", "visit_date"),
        required={"subject_id": "text", "visit_date": "date"},
        optional={
            "visit": "text",
            **_VISIT_NUMBERS,
            "cellular_casts": "bool",
            "hemolysis": "bool",
            **{d: "bool" for d in SLEDAI_DESCRIPTORS},
            **{d: "grade" for d in BILAG_DOMAINS},
        },
    ),
    "steroids": TableSpec(
        name="steroids",
        key=("subject_id", "drug", "start_date"),
        required={
            "subject_id": "text",
            "drug": "text",
            "dose_mg_day": "number",
            "start_date": "date",
        },
        optional={"end_date": "date", "route": "text"},
    ),
    "events": TableSpec(
        name="events",
        key=("subject_id", "event", "start_date"),
        required={"subject_id": "text", "event": "text", "start_date": "date"},
        optional={"end_date": "date", "severity": "text", "detail": "text"},
    ),
    "adverse_events": TableSpec(
        name="adverse_events",
        key=("subject_id", "term", "start_date"),
        required={"subject_id": "text", "term": "text", "start_date": "date"},
        optional={
            "body_system": "text",
            "end_date": "date",
            "grade": "number",
            "serious": "bool",
            "related": "text",
            "infusion_related": "bool",
            "outcome": "text",
            "action": "text",
        },
    ),
    "infusions": TableSpec(
        name="infusions",
        key=("subject_id", "infusion_date"),
        required={"subject_id": "text", "infusion_date": "date"},
        optional={"dose_cells_per_kg": "number"},
    ),
}

REQUIRED_TABLES: tuple[str, ...] = ("subjects", "visits")
OPTIONAL_TABLES: tuple[str, ...] = ("steroids", "events", "infusions", "adverse_events")

RANGES: dict[str, Range] = {
    "creatinine_umol_l": Range(
        0, 3000, (15, 2000), hint_low="looks like mg/dL; pass units={'creatinine': 'mg/dL'}"
    ),
    "upcr_g_g": Range(
        0, None, (0, 30), hint_high="looks like mg/mmol or mg/g; pass units={'upcr': 'mg/mmol'}"
    ),
    "proteinuria_g_24h": Range(
        0, None, (0, 30), hint_high="looks like mg/24 h; pass units={'proteinuria': 'mg/24h'}"
    ),
    "urine_rbc_hpf": Range(0, None, (0, 1000)),
    "urine_wbc_hpf": Range(0, None, (0, 1000)),
    "egfr_ml_min": Range(0, None, (1, 200)),
    "hemoglobin_g_dl": Range(
        0, None, (2, 25), hint_high="looks like g/L; pass units={'hemoglobin': 'g/L'}"
    ),
    "platelets_10e9_l": Range(
        0, None, (0, 2000), hint_high="looks like per mm³; pass units={'counts': '/mm3'}"
    ),
    "neutrophils_10e9_l": Range(
        0, None, (0, 150), hint_high="looks like per mm³; pass units={'counts': '/mm3'}"
    ),
    "lymphocytes_10e9_l": Range(
        0, None, (0, 150), hint_high="looks like per mm³; pass units={'counts': '/mm3'}"
    ),
    "wbc_10e9_l": Range(
        0, None, (0, 300), hint_high="looks like per mm³; pass units={'counts': '/mm3'}"
    ),
    "reticulocytes_pct": Range(0, 100, (0, 50)),
    "c3_g_l": Range(0, None, (0, 5), hint_high="looks like mg/dL; pass units={'c3': 'mg/dL'}"),
    "c4_g_l": Range(0, None, (0, 2), hint_high="looks like mg/dL; pass units={'c4': 'mg/dL'}"),
    "anti_dsdna_iu_ml": Range(0, None, (0, 100000)),
    "ana_titer": Range(0, None, (0, 100000), hint_low="give the reciprocal titre: 1:160 is 160"),
    "bun_mmol_l": Range(
        0, None, (0.5, 80), hint_high="looks like mg/dL; pass units={'bun': 'mg/dL'}"
    ),
    "treg_pct": Range(0, 100, (0, 40)),
    "sledai2k": Range(0, 105),
    "pga": Range(0, 3),
    "age_years": Range(0, 120, (12, 100)),
    "weight_kg": Range(0, 400, (25, 250)),
    "dose_mg_day": Range(0, None, (0, 2000)),
    "dose_cells_per_kg": Range(0, None),
    "grade": Range(1, 5),
}
