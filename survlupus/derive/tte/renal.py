"""Renal endpoints: renal flare, complete renal remission, sustained creatinine doubling, ESRD.

Scope: ``nephritis`` subjects. Missing values: a criterion that needs a missing value is not met at
that visit (it is neither an event nor, if the rule's adequacy variables are missing, an adequate
assessment for censoring).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survlupus.derive.tte.base import (
    Endpoint,
    date_text,
    event_records,
    fmt,
    last_adequate_assessment,
    last_contact,
    visit_source,
)
from survlupus.derive.tte.engine import EventSource
from survlupus.derive.tte.panel import VisitPanel
from survlupus.derive.tte.scope import UNLIMITED_WINDOW_DAYS, observation
from survlupus.trial.keys import runs

CREAT, UPCR, PROT24, RBC, CASTS = (
    "creatinine_umol_l",
    "upcr_g_g",
    "proteinuria_g_24h",
    "urine_rbc_hpf",
    "cellular_casts",
)

EULAR_2012 = (
    "Bertsias GK et al. Ann Rheum Dis 2012;71:1771-82 (EULAR/ERA-EDTA); "
    "Fanouriakis A et al. Ann Rheum Dis 2020;79:713-23"
)


def _bool(panel: VisitPanel, var: str) -> pd.Series:
    return panel.num(var).eq(1.0)


@dataclass(frozen=True)
class RenalFlare(Endpoint):
    """Nephritic flare (creatinine ≥ factor × reference with active sediment) or proteinuric
    flare (UPCR ≥ max(factor × reference, floor)); reference = lowest value so far, baseline
    included; optional confirmation at the next assessment within ``confirm_days``."""

    variables = (CREAT, UPCR, RBC, CASTS)

    paramcd: str = "TTRFLR"
    param: str = "Time to first renal flare (days)"
    scope: str | None = "nephritis"
    citation: str = EULAR_2012
    creatinine_factor: float = 1.30
    rbc_active_hpf: float = 10.0
    upcr_factor: float = 2.0
    upcr_floor_g_g: float = 1.0
    confirm_days: int | None = None

    def criteria(self, panel: VisitPanel) -> tuple[pd.Series, pd.Series, pd.Series]:
        """Boolean Series: nephritic, proteinuric, adequate (per visit row)."""
        creat, upcr = panel.analysis(CREAT), panel.analysis(UPCR)
        active = (panel.num(RBC) > self.rbc_active_hpf) | _bool(panel, CASTS)
        nephritic = (creat >= self.creatinine_factor * panel.lowest_before(CREAT)) & active
        ref_u = panel.lowest_before(UPCR)
        proteinuric = upcr >= np.maximum(self.upcr_factor * ref_u, self.upcr_floor_g_g)
        proteinuric &= ref_u.notna()
        adequate = panel.present(CREAT, UPCR) & panel.post
        if self.confirm_days is not None:
            met = (nephritic | proteinuric).astype(float)
            nxt, nxt_date = panel.next_assessed(adequate, met)
            ok = (nxt == 1.0) & ((nxt_date - panel.date).dt.days <= self.confirm_days)
            nephritic, proteinuric = nephritic & ok, proteinuric & ok
        return nephritic, proteinuric, adequate

    def sources(self, trial, panel):
        nephritic, proteinuric, adequate = self.criteria(panel)
        confirm = "" if self.confirm_days is None else f" (confirmed within {self.confirm_days} d)"
        rules = np.array([f"proteinuric flare{confirm}", f"nephritic flare{confirm}"], dtype=object)
        rule = pd.Series(rules[nephritic.to_numpy(dtype=bool).astype(int)], index=panel.frame.index)
        f = panel.frame
        ref_c, ref_u = panel.lowest_before(CREAT), panel.lowest_before(UPCR)

        def extra(i):
            ratio = f[CREAT].iloc[i].to_numpy() / ref_c.iloc[i].to_numpy()
            neph = (
                "= "
                + fmt(ratio, decimals=2)
                + " × reference "
                + fmt(ref_c.iloc[i], CREAT)
                + " µmol/L"
            )
            prot = "reference UPCR " + fmt(ref_u.iloc[i], UPCR) + " g/g"
            return np.where(nephritic.iloc[i].to_numpy(), neph, prot)

        events = [
            visit_source(
                panel,
                nephritic | proteinuric,
                rule,
                "renal flare",
                [CREAT, UPCR, RBC, CASTS],
                extra,
            )
        ]
        # adequate = creatinine and UPCR present after baseline: the default assessment
        return events, [last_adequate_assessment(panel, [CREAT, UPCR])]


@dataclass(frozen=True)
class CompleteRenalRemission(Endpoint):
    """Complete renal remission (a positive event): creatinine below the limit, proteinuria below
    the limit (24-h protein; UPCR where it is missing, switchable) and inactive sediment
    (urine RBC ≤ limit, no cellular casts)."""

    variables = (CREAT, PROT24, UPCR, RBC, CASTS)
    event_is_good = True

    paramcd: str = "TTCR"
    param: str = "Time to complete renal remission (days)"
    scope: str | None = "nephritis"
    citation: str = (
        EULAR_2012 + "; CS20AT04 phase IIa trial registration (Hanyang University Seoul "
        "Hospital, 2021)"
    )
    creatinine_below_umol_l: float = 106.0
    proteinuria_below_g: float = 0.3
    upcr_when_24h_missing: bool = True
    rbc_max_hpf: float = 5.0

    def proteinuria(self, panel: VisitPanel) -> pd.Series:
        p = panel.num(PROT24)
        return p.fillna(panel.num(UPCR)) if self.upcr_when_24h_missing else p

    def sources(self, trial, panel):
        prot = self.proteinuria(panel)
        met = (
            (panel.num(CREAT) < self.creatinine_below_umol_l)
            & (prot < self.proteinuria_below_g)
            & (panel.num(RBC) <= self.rbc_max_hpf)
            & panel.num(CASTS).eq(0.0)
        )
        adequate = panel.present(CREAT, RBC, CASTS) & prot.notna() & panel.post
        evars = [CREAT, PROT24, UPCR, RBC, CASTS]
        events = [
            visit_source(
                panel,
                met,
                "complete renal remission",
                "complete renal remission",
                evars,
            )
        ]
        censor = last_adequate_assessment(panel, evars, adequate)
        return events, [censor]


@dataclass(frozen=True)
class CreatinineDoubling(Endpoint):
    """Sustained doubling of serum creatinine: creatinine ≥ factor × baseline at a visit and at
    every assessment up to one at least ``sustain_days`` later; dated at the first visit of the
    run. A run not confirmed by the end of follow-up is not an event (confirmation may use visits
    after the analysis window, up to the last contact)."""

    variables = (CREAT,)

    paramcd: str = "TTDSCR"
    param: str = "Time to sustained doubling of serum creatinine (days)"
    scope: str | None = "nephritis"
    citation: str = "Dooley MA et al. N Engl J Med 2011;365:1886-95 (ALMS treatment failure)"
    factor: float = 2.0
    sustain_days: int = 28

    def sources(self, trial, panel):
        f = panel.frame
        creat = panel.analysis(CREAT)
        base = panel.baseline(CREAT)
        assessed = np.flatnonzero((creat.notna() & panel.post).to_numpy())
        # runs of consecutive assessments (within a subject) at or above factor x baseline
        s = panel.subject.to_numpy()[assessed]
        d = panel.date.to_numpy(dtype="datetime64[ns]")[assessed]
        flag = (creat >= self.factor * base).to_numpy(dtype=bool)[assessed]
        starts, lengths = runs(s.astype(np.int64) * 2 + flag)  # runs of one subject and flag
        ends = starts + lengths - 1
        length = (d[ends] - d[starts]) // np.timedelta64(1, "D")
        sustained = flag[starts] & (length >= self.sustain_days)
        start_rows = assessed[starts[sustained]]
        mask = pd.Series(False, index=f.index)
        mask.iloc[start_rows] = True
        confirm = pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns]")
        confirm.iloc[start_rows] = d[ends[sustained]]

        def extra(i):
            ratio = (f[CREAT].iloc[i] / base.iloc[i]).to_numpy()
            return (
                "= "
                + fmt(ratio, decimals=2)
                + " × baseline "
                + fmt(base.iloc[i], CREAT)
                + " µmol/L, still ≥ "
                + f"{self.factor:g}"
                + " × baseline through "
                + date_text(confirm.iloc[i])
            )

        events = [
            visit_source(
                panel,
                mask,
                f"creatinine ≥ {self.factor:g} × baseline sustained ≥ {self.sustain_days} days",
                "sustained doubling of creatinine",
                [CREAT],
                extra,
            )
        ]
        return events, [last_adequate_assessment(panel, [CREAT])]


@dataclass(frozen=True)
class EndStageRenalDisease(Endpoint):
    """End-stage renal disease: dialysis lasting at least ``min_dialysis_days`` (or still ongoing
    at last contact after that long), or kidney transplant; dated at the start."""

    paramcd: str = "TTESRD"
    param: str = "Time to end-stage renal disease (days)"
    scope: str | None = "nephritis"
    citation: str = "Dooley MA et al. N Engl J Med 2011;365:1886-95 (ALMS treatment failure)"
    min_dialysis_days: int = 42

    def sources(self, trial, panel):
        scope = observation(trial, UNLIMITED_WINDOW_DAYS)
        dia = event_records(trial, ["dialysis"])
        lc = dia["subject_id"].map(scope.set_index("subject_id")["last_contact"])
        until = dia["end_date"].fillna(lc)
        length = (until - dia["date"]).dt.days + 1
        chronic = dia[length >= self.min_dialysis_days].copy()
        chronic["rule"] = f"dialysis ≥ {self.min_dialysis_days} days"
        ongoing = dia["end_date"].isna()[chronic.index]
        chronic["evidence"] = (
            "dialysis from "
            + date_text(chronic["date"])
            + np.where(
                ongoing,
                " ongoing at last contact " + date_text(until[chronic.index]),
                " to " + date_text(until[chronic.index]),
            )
            + " ("
            + length[chronic.index].astype(str).to_numpy(dtype=object)
            + " days)"
        )
        tx = event_records(trial, ["kidney_transplant"])
        tx["rule"] = "kidney transplant"
        tx["evidence"] = "kidney transplant on " + date_text(tx["date"])
        events = [
            EventSource(chronic, "ESRD: chronic dialysis", "EVENTS", "START_DATE", on_start=True),
            EventSource(tx, "ESRD: kidney transplant", "EVENTS", "START_DATE", on_start=True),
        ]
        return events, [last_contact(trial)]
