"""Synthetic adverse events with planted rates, on a random stream of their own (so that every
other table of a design is unchanged).

Each term of :data:`CATALOGUE` occurs as a Poisson process over each subject's follow-up (day 1
to ``end_date``) at ``rate`` per patient-year, ``early`` times that rate in the first 90 days and
``late_only`` terms only after day 365; infusion-related reactions occur on the day of an
infusion with probability ``per_infusion`` (a fifth of it on placebo). A subject who dies has a
fatal adverse event (sepsis, grade 5) on the day of death. Grades, seriousness and relationship
are drawn per event; an event lasts 3-30 days, and one still running at the last contact is
ongoing (no ``end_date``). ``truth_adverse_events.csv`` lists the planted rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

INFECTIONS = "Infections and infestations"


@dataclass(frozen=True)
class PlantedAE:
    term: str
    body_system: str
    rate: float  # per patient-year
    grades: tuple[float, ...]  # probabilities of grades 1, 2, 3, 4
    serious: float = 0.0
    related: float = 0.1  # probability that the investigator calls it possibly related or closer
    early: float = 1.0
    late_only: bool = False


CATALOGUE = (
    PlantedAE("Upper respiratory tract infection", INFECTIONS, 0.45, (0.6, 0.4, 0.0, 0.0)),
    PlantedAE("Urinary tract infection", INFECTIONS, 0.20, (0.5, 0.45, 0.05, 0.0)),
    PlantedAE("Herpes zoster", INFECTIONS, 0.05, (0.2, 0.6, 0.2, 0.0), serious=0.1),
    PlantedAE("Pneumonia", INFECTIONS, 0.04, (0.0, 0.3, 0.6, 0.1), serious=0.8),
    PlantedAE(
        "Pyrexia",
        "General disorders and administration site conditions",
        0.25,
        (0.7, 0.3, 0.0, 0.0),
        related=0.4,
        early=4.0,
    ),
    PlantedAE(
        "Headache", "Nervous system disorders", 0.35, (0.8, 0.2, 0.0, 0.0), related=0.3, early=3.0
    ),
    PlantedAE("Nausea", "Gastrointestinal disorders", 0.15, (0.8, 0.2, 0.0, 0.0), early=2.0),
    PlantedAE(
        "Arthralgia", "Musculoskeletal and connective tissue disorders", 0.2, (0.6, 0.4, 0.0, 0.0)
    ),
    PlantedAE("Leukopenia", "Blood and lymphatic system disorders", 0.08, (0.3, 0.5, 0.2, 0.0)),
    PlantedAE("Hypertension", "Vascular disorders", 0.08, (0.4, 0.5, 0.1, 0.0)),
    PlantedAE(
        "Basal cell carcinoma",
        "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
        0.02,
        (0.0, 1.0, 0.0, 0.0),
        serious=1.0,
        late_only=True,
    ),
)
INFUSION_REACTION = PlantedAE(
    "Infusion related reaction",
    "Injury, poisoning and procedural complications",
    0.0,
    (0.7, 0.3, 0.0, 0.0),
    related=0.95,
)
PER_INFUSION = 0.15
RELATED_CODES = ("possible", "probable", "definite")
UNRELATED_CODES = ("not", "unlikely")


def _events(rng, ae: PlantedAE, sid, start, end, days_total) -> list[dict]:
    early_days = np.minimum(days_total, 90)
    rate_days = ae.rate / 365.25
    if ae.late_only:
        n = rng.poisson(rate_days * np.maximum(days_total - 365, 0))
        onsets = [
            rng.integers(366, d + 1, size=k) if k else []
            for k, d in zip(n, days_total, strict=True)
        ]
    else:
        n_early = rng.poisson(rate_days * ae.early * early_days)
        n_late = rng.poisson(rate_days * np.maximum(days_total - 90, 0))
        onsets = [
            np.concatenate(
                [rng.integers(1, e + 1, size=a), rng.integers(91, d + 1, size=b) if b else []]
            )
            for a, b, e, d in zip(n_early, n_late, early_days, days_total, strict=True)
        ]
    rows = []
    for i, days in enumerate(onsets):
        for day in sorted(int(x) for x in days):
            rows.append(_row(rng, ae, sid[i], start[i], end[i], day))
    return rows


def _row(rng, ae: PlantedAE, sid, start, end, day, infusion: bool = False) -> dict:
    onset = start + pd.Timedelta(days=day - 1)
    stop = onset + pd.Timedelta(days=int(rng.integers(3, 31)))
    grade = int(rng.choice([1, 2, 3, 4], p=ae.grades))
    related = rng.random() < ae.related
    return {
        "subject_id": sid,
        "term": ae.term,
        "body_system": ae.body_system,
        "start_date": onset,
        "end_date": None if stop > end else stop,
        "grade": float(grade),
        "serious": bool(rng.random() < ae.serious or grade >= 4),
        "related": str(rng.choice(RELATED_CODES if related else UNRELATED_CODES)),
        "infusion_related": infusion,
        "outcome": "recovered" if stop <= end else "recovering",
        "action": "none",
    }


def simulate_adverse_events(design, tables: dict[str, pd.DataFrame], seed: int):
    """``adverse_events`` and ``truth_adverse_events`` of a simulated design."""
    rng = np.random.default_rng([seed, 0xAE])
    subj = tables["subjects"]
    sid = subj["subject_id"].to_numpy()
    start = pd.to_datetime(subj["start_date"]).to_numpy()
    end = pd.to_datetime(subj["end_date"]).to_numpy()
    start_ts, end_ts = [pd.Timestamp(x) for x in start], [pd.Timestamp(x) for x in end]
    days_total = ((end - start) / np.timedelta64(1, "D")).astype(int) + 1
    rows = []
    for ae in CATALOGUE:
        rows += _events(rng, ae, sid, start_ts, end_ts, days_total)
    arm = dict(zip(sid, subj["arm"], strict=True))
    inf = tables["infusions"]
    for r in inf.itertuples():
        p = PER_INFUSION * (0.2 if "placebo" in str(arm[r.subject_id]).lower() else 1.0)
        if rng.random() < p:
            i = int(np.flatnonzero(sid == r.subject_id)[0])
            day = int((pd.Timestamp(r.infusion_date) - start_ts[i]).days) + 1
            row = _row(rng, INFUSION_REACTION, r.subject_id, start_ts[i], end_ts[i], day, True)
            row["end_date"] = row["start_date"] + pd.Timedelta(days=1)
            row["outcome"] = "recovered"
            rows.append(row)
    ev = tables["events"]
    for r in ev[ev["event"] == "death"].itertuples():
        rows.append(
            {
                "subject_id": r.subject_id,
                "term": "Sepsis",
                "body_system": INFECTIONS,
                "start_date": pd.Timestamp(r.start_date),
                "end_date": pd.Timestamp(r.start_date),
                "grade": 5.0,
                "serious": True,
                "related": "unlikely",
                "infusion_related": False,
                "outcome": "fatal",
                "action": "none",
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "subject_id",
            "term",
            "body_system",
            "start_date",
            "end_date",
            "grade",
            "serious",
            "related",
            "infusion_related",
            "outcome",
            "action",
        ],
    )
    out = out.sort_values(["subject_id", "start_date", "term"], kind="stable")
    out = out.drop_duplicates(["subject_id", "term", "start_date"]).reset_index(drop=True)
    truth = pd.DataFrame(
        [
            {
                "term": a.term,
                "body_system": a.body_system,
                "rate_per_100py": 100 * a.rate,
                "early_factor_days_1_90": a.early,
                "after_day_365_only": a.late_only,
                "per_infusion": 0.0,
                "p_serious": a.serious,
                "p_related": a.related,
            }
            for a in CATALOGUE
        ]
        + [
            {
                "term": INFUSION_REACTION.term,
                "body_system": INFUSION_REACTION.body_system,
                "rate_per_100py": 0.0,
                "early_factor_days_1_90": 1.0,
                "after_day_365_only": False,
                "per_infusion": PER_INFUSION,
                "p_serious": 0.0,
                "p_related": INFUSION_REACTION.related,
            }
        ]
    )
    return out, truth
