"""Maintenance corticosteroid regimens of a synthetic subject: a taper (CS20AT04, LTFU), the
Nanjing study's stepwise reduction, or MUSC's stable background dose; doses only fall, except
short +2.5 mg excursions that never double the dose."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from survlupus.synthetic.designs import Design
    from survlupus.synthetic.generate import SubjectState


def steroid_regimen(design: Design, s: SubjectState) -> list[dict]:
    """Maintenance corticosteroid intervals (pred-eq steps converted to the subject's drug)."""
    rng, w = s.rng, s.weight
    names, factors = ("prednisolone", "prednisone", "methylprednisolone"), (1.0, 1.0, 1.25)
    i = int(rng.choice(3, p=[0.6, 0.25, 0.15]))
    drug, f = names[i], factors[i]
    if design.steroid_regimen == "taper":
        d0 = float(rng.choice([d for d in (15.0, 20.0, 25.0, 30.0) if d <= 0.4 * w] or [15.0]))
        profile = str(rng.choice(["fast", "slow", "fail"], p=[0.5, 0.3, 0.2]))
        high = 15.0 if d0 > 15 else 12.5
        steps = {
            "fast": [(-90, d0), (8, 10.0), (22, 7.5), (113, 5.0)],
            "slow": [
                (-90, d0),
                (15, high),
                (43, 10.0),
                (int(rng.choice([57, 71, 85])), 7.5),
                (141, 5.0),
            ],
            "fail": [(-90, d0), (29, high), (85, 10.0)],
        }[profile]
        excursion = profile != "fail" and rng.random() < 0.35
    elif design.name == "nanjing":
        d0 = float(rng.choice([d for d in (20.0, 25.0, 30.0) if d <= 0.45 * w] or [20.0]))
        steps = [(-60, d0), (31, 17.5), (91, 15.0), (181, 10.0), (365, 7.5)]
        excursion = False
    else:
        d0 = float(rng.choice([d for d in (0.0, 5.0, 7.5, 10.0, 15.0, 20.0) if d <= 0.4 * w]))
        steps = [(-120, d0)]
        if d0 >= 7.5 and s.plan.course in ("improve", "remission", "partial"):
            steps.append((int(rng.integers(80, 120)), d0 - 2.5))
        excursion = False
    steps = [(day, dose) for day, dose in steps if day <= s.end_day and dose > 0]
    rows = []
    for j, (day, dose) in enumerate(steps):
        end = (
            steps[j + 1][0] - 1
            if j + 1 < len(steps)
            else (None if rng.random() < 0.5 else s.end_day)
        )
        rows.append(
            {"drug": drug, "dose_mg_day": round(dose / f, 3), "start_day": day, "end_day": end}
        )
    if excursion and rows:
        start = int(rng.integers(86, 106))
        length = int(rng.choice([6, 7]))
        if start + length <= s.end_day:
            rows.append(
                {
                    "drug": drug,
                    "dose_mg_day": round(2.5 / f, 3),
                    "start_day": start,
                    "end_day": start + length - 1,
                }
            )
    return rows
