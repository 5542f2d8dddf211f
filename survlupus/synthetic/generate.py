"""Simulating a synthetic trial from a design: visit-level tables plus ``truth.csv``.

How a subject is made (all randomness from one ``numpy`` generator seeded by the user):

1. demographics, an enrolment date, and the nominal visits with jitter (about 5 % of 4-weekly
   visits fall outside their window), missed visits (6 %) and unscheduled visits (``UNS``);
2. follow-up: completion, early withdrawal at a visit, or death (visits after it removed);
3. planted events (:mod:`survlupus.synthetic.plan`), each at a latent onset day, at least 30 days
   apart. A visit-detected event changes the first one or two assessments on or after its onset;
   a record-detected event (steroid burst, events table) is dated at its onset;
4. trajectories kept clear of every rule threshold except where an event is planted, so that the
   default endpoint rules find exactly the planted events (``truth.csv`` lists them with the
   endpoints each implies).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survlupus.synthetic.adverse import simulate_adverse_events
from survlupus.synthetic.designs import Design
from survlupus.synthetic.frames import _collect, _frames
from survlupus.synthetic.measures import truth_trajectories
from survlupus.synthetic.plan import SubjectPlan, make_plan

DRUG_CHOICES = (("prednisolone", 1.0), ("prednisone", 1.0), ("methylprednisolone", 1.25))


@dataclass
class SubjectState:
    """A subject under construction."""

    plan: SubjectPlan
    rng: np.random.Generator
    start: pd.Timestamp
    sex: str
    age: float
    weight: float
    days: np.ndarray
    labels: list[str]
    end_day: int
    discontinued: bool = False
    reason: str = ""
    occupied: list[int] = field(default_factory=list)
    planted: list[dict] = field(default_factory=list)
    steroid_rows: list[dict] = field(default_factory=list)
    event_rows: list[dict] = field(default_factory=list)
    protected: set[int] = field(default_factory=set)
    stream: tuple[int, int] = (0, 0)
    """(seed, subject number): the seed of the extra measures' own random stream."""

    def date(self, day: int) -> pd.Timestamp:
        return self.start + pd.Timedelta(days=int(day) - 1)

    def first_visit_at(self, day: int) -> int | None:
        idx = np.flatnonzero(self.days >= day)
        return int(idx[0]) if len(idx) else None

    def pick_onset(
        self, lo: int, hi: int, *, visits_after: int = 1, gap: int = 30, followup_after: int = 0
    ) -> int | None:
        """A free onset day in [lo, hi] with enough visits (and follow-up) after it."""
        hi = min(hi, self.end_day - followup_after)
        cand = np.arange(lo, hi + 1)
        if len(cand) == 0:
            return None
        ok = np.ones(len(cand), bool)
        for d in self.occupied:
            ok &= np.abs(cand - d) >= gap
        n_after = len(self.days) - np.searchsorted(self.days, cand, side="left")
        ok &= n_after >= visits_after
        cand = cand[ok]
        if len(cand) == 0:
            return None
        return int(self.rng.choice(cand))

    def plant(
        self, kind: str, day: int, detected_by: str, detail: str = "", affects: int = 0
    ) -> int | None:
        """Record a planted event; return the index of its first visit on/after onset."""
        self.occupied.append(day)
        self.planted.append(
            {"event": kind, "onset_day": day, "detected_by": detected_by, "detail": detail}
        )
        k = self.first_visit_at(day)
        if k is not None:
            self.protected.update(range(k, min(k + max(affects, 1), len(self.days))))
        return k

    def add_event(
        self,
        event: str,
        day: int,
        *,
        end_day: int | None = None,
        severity: str = "",
        detail: str = "",
    ) -> None:
        self.event_rows.append(
            {
                "event": event,
                "start_day": day,
                "end_day": end_day,
                "severity": severity,
                "detail": detail,
            }
        )


def simulate(
    design: Design, seed: int | None = None, n: int | None = None
) -> dict[str, pd.DataFrame]:
    """All tables of a synthetic trial (``subjects, visits, steroids, events, infusions, truth``).

    >>> from survlupus.synthetic.designs import CS20AT04
    >>> tables = simulate(CS20AT04)
    >>> len(tables["subjects"])
    10
    """
    design = design.with_n(n)
    seed = design.default_seed if seed is None else seed
    rng = np.random.default_rng(seed)
    plans = make_plan(design, rng)
    first = pd.Timestamp(design.first_enrolment)
    out: dict[str, list] = {
        k: [] for k in ("subjects", "visits", "steroids", "events", "infusions", "truth")
    }
    out["truth_trajectories"] = [truth_trajectories(design)]
    for index, plan in enumerate(plans):
        start = first + pd.Timedelta(days=int(rng.integers(design.enrolment_days)))
        s = _build_subject(design, plan, rng, start)
        s.stream = (seed, index)
        _collect(design, s, out)
    tables = _frames(design, out)
    tables["adverse_events"], tables["truth_adverse_events"] = simulate_adverse_events(
        design, tables, seed
    )
    return tables


def _build_subject(
    design: Design, plan: SubjectPlan, rng: np.random.Generator, start: pd.Timestamp
) -> SubjectState:
    days, labels = _schedule(design, rng)
    s = SubjectState(
        plan=plan,
        rng=rng,
        start=start,
        sex="F" if rng.random() < 0.9 else "M",
        age=float(np.round(rng.uniform(19, 62), 0)),
        weight=float(np.round(rng.uniform(46, 84), 1)),
        days=days,
        labels=labels,
        end_day=int(days[-1]),
    )
    _follow_up(design, s)
    _unscheduled(design, s)
    _plant_events(design, s)
    return s


def _schedule(design: Design, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    days, labels = [], []
    for v in design.visits:
        if v.label not in ("SCR", "D1") and rng.random() < 0.06:
            continue  # missed visit
        jitter = 0
        if v.window > 0:
            span = min(3, v.window)
            jitter = int(rng.integers(-span, span + 1))
            if v.window >= 7 and rng.random() < 0.05:
                jitter = int(rng.choice([-1, 1]) * rng.integers(v.window + 1, v.window + 5))
        day = v.day + jitter
        if day == 0:
            day = -1
        if days and day <= days[-1]:
            continue
        days.append(day)
        labels.append(v.label)
    return np.array(days, dtype=int), labels


def _truncate(s: SubjectState, last_day: int) -> None:
    keep = s.days <= last_day
    s.days = s.days[keep]
    s.labels = [lab for lab, k in zip(s.labels, keep, strict=True) if k]
    s.end_day = last_day


def _follow_up(design: Design, s: SubjectState) -> None:
    rng = s.rng
    post = s.days[s.days > 29]
    if s.plan.withdraw and len(post) > 1:
        last = int(rng.choice(post[:-1]))
        _truncate(s, last)
        s.discontinued = True
        s.reason = str(rng.choice(["withdrew consent", "lost to follow-up", "moved away"]))
    elif s.plan.death:
        hi = min(s.end_day, design.analysis_window_days + 200)
        t = int(rng.integers(45, max(46, hi)))
        _truncate(s, t)
        s.discontinued = True
        s.reason = "death"
        s.occupied.append(t)
        s.planted.append(
            {
                "event": "death",
                "onset_day": t,
                "detected_by": "record",
                "detail": str(rng.choice(["sepsis", "pneumonia", "cardiac arrest"])),
            }
        )
        s.add_event("death", t, detail=s.planted[-1]["detail"])


def _unscheduled(design: Design, s: SubjectState) -> None:
    rng = s.rng
    if rng.random() < 0.2:
        day = int(rng.integers(10, max(11, min(s.end_day, design.analysis_window_days))))
        if day not in s.days and day > 1:
            pos = int(np.searchsorted(s.days, day))
            s.days = np.insert(s.days, pos, day)
            s.labels.insert(pos, "UNS")


def _window_hi(design: Design, s: SubjectState) -> int:
    return min(design.analysis_window_days - 14, s.end_day)


def _plant_events(design: Design, s: SubjectState) -> None:
    p, rng = s.plan, s.rng
    hi = _window_hi(design, s)
    if p.subgroup == "nephritis":
        if p.course == "remission":
            t = s.pick_onset(50, hi)
            if t is not None:
                s.plant("complete_remission", t, "visit", affects=len(s.days))
        elif p.course in ("renal_flare", "proteinuric_flare"):
            t = s.pick_onset(20, hi, visits_after=2)
            if t is not None:
                s.plant(
                    p.course,
                    t,
                    "visit",
                    "nephritic" if p.course == "renal_flare" else "proteinuric",
                    affects=2,
                )
        elif p.course == "progression":
            _plant_progression(design, s)
    if p.haem_flare:
        t = s.pick_onset(20, hi, visits_after=2)
        if t is not None:
            s.plant("haematologic_flare", t, "visit", p.haem_flare, affects=2)
    for trigger in p.severe_flares:
        detected = "visit" if trigger == "pga" else "record"
        t = s.pick_onset(15, hi, visits_after=1, followup_after=1)
        if t is not None:
            k = s.plant("severe_flare", t, detected, trigger, affects=1)
            _severe_flare_records(s, trigger, t, k)
    if p.mild_flare:
        t = s.pick_onset(15, hi, visits_after=1, followup_after=1)
        if t is not None:
            s.plant("mild_flare", t, "visit", "rash and arthralgia", affects=1)
            s.add_event("sfi_flare", t, severity="mild_moderate", detail="rash and arthralgia")
    if p.rescue:
        t = s.pick_onset(30, hi, visits_after=0, followup_after=1)
        if t is not None:
            drug = str(rng.choice(["rituximab", "intravenous cyclophosphamide"]))
            s.plant("rescue_therapy", t, "record", drug)
            s.add_event("rescue_therapy", t, detail=drug)
    if p.infusion_reaction:
        s.add_event("adverse_event", 1, severity="1", detail="infusion reaction: chills")


def _plant_progression(design: Design, s: SubjectState) -> None:
    """Sustained creatinine doubling (with active sediment, so also a renal flare), then ESRD."""
    hi = _window_hi(design, s) - 30
    if s.plan.transplant:
        hi = min(hi, s.end_day - 330)  # room for dialysis and a transplant
    t = s.pick_onset(20, hi, visits_after=2)
    if t is None:
        return
    k = s.first_visit_at(t)
    if not (s.days >= s.days[k] + 28).any():
        return
    s.plant("creatinine_doubling", t, "visit", "sustained", affects=len(s.days))
    if not s.plan.chronic_dialysis:
        return
    start = int(s.days[k]) + int(s.rng.integers(35, 70))
    if start + 42 > s.end_day:
        return
    s.occupied.append(start)
    stop = None
    if s.plan.transplant and start + 150 < s.end_day - 30:
        tx = start + int(s.rng.integers(120, 150))
        stop = tx - 1
        s.planted.append(
            {
                "event": "kidney_transplant",
                "onset_day": tx,
                "detected_by": "record",
                "detail": "living donor",
            }
        )
        s.add_event("kidney_transplant", tx, detail="living donor")
    s.planted.append(
        {
            "event": "dialysis",
            "onset_day": start,
            "detected_by": "record",
            "detail": "haemodialysis, chronic",
        }
    )
    s.add_event("dialysis", start, end_day=stop, detail="haemodialysis")


def _severe_flare_records(s: SubjectState, trigger: str, t: int, k: int | None) -> None:
    if trigger == "steroid_burst":
        s.steroid_rows.append(
            {
                "drug": "methylprednisolone",
                "dose_mg_day": 500.0,
                "start_day": t,
                "end_day": t + 2,
                "route": "iv",
            }
        )
    elif trigger == "immunosuppressant":
        s.add_event("immunosuppressant_start", t, detail="mycophenolate mofetil 2 g/day")
    elif trigger == "hospitalization":
        s.add_event("sle_hospitalization", t, end_day=t + 5, detail="lupus serositis")
    elif trigger == "investigator":
        s.add_event("sfi_flare", t, severity="severe", detail="severe polyarthritis")
