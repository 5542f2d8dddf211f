"""Planning a synthetic trial: who is in which arm and subgroup, which course each subject follows
and which events are planted, with every kind of event guaranteed to appear at least once.

A plan is cheap data (one :class:`SubjectPlan` per subject); :mod:`survlupus.synthetic.generate`
turns it into visit-level tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from survlupus.synthetic.designs import ArmSpec, Design

SEVERE_TRIGGERS = ("steroid_burst", "immunosuppressant", "hospitalization", "pga", "investigator")
"""How a planted severe flare shows in the data (modified SFI criteria c, d, d, e, f)."""

NEPHRITIS_COURSES = ("remission", "renal_flare", "proteinuric_flare", "progression", "partial")
CYTOPENIA_TYPES = ("thrombo_severe", "thrombo_moderate", "haemolytic", "neutropenic")


@dataclass
class SubjectPlan:
    subject_id: str
    arm: ArmSpec
    subgroup: str  # "nephritis", "cytopenia" or ""
    course: str  # nephritis: NEPHRITIS_COURSES; cytopenia: improve/stable; none: improve/stable
    cytopenia_type: str = ""
    chronic_dialysis: bool = False
    transplant: bool = False
    withdraw: bool = False
    death: bool = False
    haem_flare: str = ""  # "", "platelets" or "haemoglobin"
    severe_flares: list[str] = field(default_factory=list)
    mild_flare: bool = False
    rescue: bool = False
    infusion_reaction: bool = False


def _subgroups(design: Design, n: int, rng: np.random.Generator) -> list[str]:
    shares = design.subgroup_shares
    n_neph = int(round(shares.get("nephritis", 0.0) * n))
    n_cyto = min(n - n_neph, int(round(shares.get("cytopenia", 0.0) * n)))
    groups = ["nephritis"] * n_neph + ["cytopenia"] * n_cyto + [""] * (n - n_neph - n_cyto)
    return [groups[i] for i in rng.permutation(n)]


def make_plan(design: Design, rng: np.random.Generator) -> list[SubjectPlan]:
    """Draw every subject's plan, then make sure each kind of event appears at least once."""
    plans: list[SubjectPlan] = []
    for arm in design.arms:
        for sg in _subgroups(design, arm.n, rng):
            plans.append(_draw(design, arm, sg, rng))
    order = rng.permutation(len(plans))  # randomised allocation order across arms
    plans = [plans[i] for i in order]
    width = max(3, len(str(len(plans))))
    for i, p in enumerate(plans, start=1):
        p.subject_id = f"{design.id_prefix}-{i:0{width}d}"
    _ensure_coverage(design, plans, rng)
    return plans


def _draw(design: Design, arm: ArmSpec, subgroup: str, rng: np.random.Generator) -> SubjectPlan:
    h = arm.hazard
    p = SubjectPlan(subject_id="", arm=arm, subgroup=subgroup, course="stable")
    if subgroup == "nephritis":
        w = np.array([0.30 / h, 0.15 * h, 0.10 * h, 0.08 * h, 0.0])
        w[-1] = max(0.05, 1.0 - w[:-1].sum())
        p.course = str(rng.choice(NEPHRITIS_COURSES, p=w / w.sum()))
        p.chronic_dialysis = p.course == "progression" and rng.random() < 0.6
    elif subgroup == "cytopenia":
        p.cytopenia_type = str(rng.choice(CYTOPENIA_TYPES))
        p.course = "improve" if rng.random() < min(0.9, 0.5 / h) else "stable"
        if rng.random() < 0.25 * h:
            p.haem_flare = (
                "haemoglobin"
                if p.cytopenia_type == "thrombo_severe"
                else str(rng.choice(["platelets", "haemoglobin"]))
            )
    else:
        p.course = "improve" if rng.random() < min(0.9, 0.5 / h) else "stable"
    p.withdraw = rng.random() < 0.08
    p.death = not p.withdraw and rng.random() < 0.03 * h
    if rng.random() < 0.25 * h:
        p.severe_flares.append(str(rng.choice(SEVERE_TRIGGERS)))
    p.mild_flare = rng.random() < 0.3
    p.rescue = rng.random() < 0.08 * h
    p.infusion_reaction = arm.dose_cells_per_kg > 0 and rng.random() < 0.1
    return p


def _ensure_coverage(design: Design, plans: list[SubjectPlan], rng: np.random.Generator) -> None:
    """Give each missing kind of event to a randomly chosen eligible subject."""

    def pick(cond) -> SubjectPlan | None:
        pool = [p for p in plans if cond(p)]
        return pool[int(rng.integers(len(pool)))] if pool else None

    def need(present, cond, apply) -> None:
        if not any(present(p) for p in plans):
            chosen = pick(cond)
            if chosen is not None:
                apply(chosen)

    neph = [p for p in plans if p.subgroup == "nephritis"]
    for course in NEPHRITIS_COURSES[:4]:
        need(
            lambda p, c=course: p.course == c,
            lambda p: (
                p.subgroup == "nephritis"
                and p.course == "partial"
                or (p.subgroup == "nephritis" and sum(q.course == p.course for q in neph) > 1)
            ),
            lambda p, c=course: setattr(p, "course", c),
        )
    need(
        lambda p: p.chronic_dialysis,
        lambda p: p.course == "progression",
        lambda p: setattr(p, "chronic_dialysis", True),
    )
    if design.name == "nanjing":
        need(
            lambda p: p.transplant,
            lambda p: p.chronic_dialysis,
            lambda p: setattr(p, "transplant", True),
        )
    for ctype in CYTOPENIA_TYPES[:3]:
        need(
            lambda p, t=ctype: p.cytopenia_type == t,
            lambda p: (
                p.subgroup == "cytopenia"
                and sum(q.cytopenia_type == p.cytopenia_type for q in plans) > 1
            ),
            lambda p, t=ctype: setattr(p, "cytopenia_type", t),
        )
    need(
        lambda p: p.subgroup == "cytopenia" and p.course == "improve",
        lambda p: p.subgroup == "cytopenia",
        lambda p: setattr(p, "course", "improve"),
    )
    need(
        lambda p: p.subgroup == "cytopenia" and p.course == "stable",
        lambda p: (
            p.subgroup == "cytopenia"
            and p.course == "improve"
            and sum(q.subgroup == "cytopenia" and q.course == "improve" for q in plans) > 1
        ),
        lambda p: setattr(p, "course", "stable"),
    )
    for kind in ("platelets", "haemoglobin"):
        need(
            lambda p, k=kind: p.haem_flare == k,
            lambda p, k=kind: (
                p.subgroup == "cytopenia"
                and not p.haem_flare
                and (k == "haemoglobin" or p.cytopenia_type != "thrombo_severe")
            ),
            lambda p, k=kind: setattr(p, "haem_flare", k),
        )
    for trigger in SEVERE_TRIGGERS:
        need(
            lambda p, t=trigger: t in p.severe_flares,
            lambda p: not p.severe_flares and not p.death,
            lambda p, t=trigger: p.severe_flares.append(t),
        )
    need(
        lambda p: p.death,
        lambda p: not p.withdraw and p.course != "remission",
        lambda p: setattr(p, "death", True),
    )
    need(
        lambda p: p.withdraw,
        lambda p: not p.death and not p.chronic_dialysis,
        lambda p: setattr(p, "withdraw", True),
    )
    need(lambda p: p.rescue, lambda p: not p.withdraw, lambda p: setattr(p, "rescue", True))
    need(lambda p: p.mild_flare, lambda p: True, lambda p: setattr(p, "mild_flare", True))
    need(
        lambda p: p.infusion_reaction,
        lambda p: p.arm.dose_cells_per_kg > 0,
        lambda p: setattr(p, "infusion_reaction", True),
    )
