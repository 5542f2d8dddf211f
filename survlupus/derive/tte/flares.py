"""Severe flares by the SELENA-SLEDAI Flare Index (modified by default, classic as a variant) and
extrarenal flares.

"New" means present now and not at the previous assessment of that variable (baseline included);
with no previous assessment a finding counts as new. Treatment escalation "within 14 days" is
looked for from ``escalation_before_days`` before to ``escalation_after_days`` after the visit.
These are survlupus's adaptations of the published wording to visit data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from survlupus.clinical.immunosuppressants import SFI_D_IMMUNOSUPPRESSANTS, names_drug
from survlupus.clinical.sledai import CNS_DESCRIPTORS, RENAL_DESCRIPTORS
from survlupus.clinical.steroids import dose_on
from survlupus.derive.tte.base import (
    Endpoint,
    date_text,
    event_records,
    fmt,
    join_parts,
    last_adequate_assessment,
    record_seq,
    visit_source,
)
from survlupus.derive.tte.engine import EventSource
from survlupus.derive.tte.panel import VisitPanel
from survlupus.trial.keys import runs, subject_day_key, subject_positions, take_by_subject
from survlupus.trial.model import Trial
from survlupus.trial.schema import BILAG_DOMAINS

ONE_DAY = pd.Timedelta(days=1)
OTHER_MAJOR = (*CNS_DESCRIPTORS, "sledai_vasculitis", "sledai_myositis")
NON_RENAL_BILAG = tuple(d for d in BILAG_DOMAINS if d != "bilag_renal")
SFI_CITATION = (
    "Petri M et al. N Engl J Med 2005;353:2550-8; Buyon JP et al. Ann Intern Med "
    "2005;142:953-62; modified SFI: Navarra SV et al. Lancet 2011;377:721-31, "
    "Furie R et al. Arthritis Rheum 2011;63:3918-30"
)


def names_where(masks: dict[str, pd.Series], rows: np.ndarray, prefix: int) -> np.ndarray:
    """For the selected rows, the comma-joined names (without prefix) whose mask holds."""
    parts = [np.where(m.to_numpy()[rows], name[prefix:], "") for name, m in masks.items()]
    return join_parts(*parts, sep=", ") if parts else np.full(len(rows), "", dtype=object)


def _subject_day_keys(*tables: tuple[pd.Series, pd.Series]) -> list[np.ndarray]:
    """One int64 key per (subject, date) row of each table, equal across tables exactly when
    subject and date are (``keys.subject_day_key`` over subjects coded in one index)."""
    ids = pd.Index(pd.unique(np.concatenate([sid.to_numpy(dtype=object) for sid, _ in tables])))
    return [subject_day_key(subject_positions(sid, ids), d.to_numpy()) for sid, d in tables]


def steroid_seq(steroids: pd.DataFrame, steps: pd.DataFrame) -> np.ndarray:
    """``SRCSEQ`` of dose steps: the first steroid record (by drug) starting on the step's date."""
    if steroids.empty or steps.empty:
        return np.full(len(steps), np.nan)
    seq = record_seq(steroids, "start_date", "drug").to_numpy(dtype="float64")
    rec, step = _subject_day_keys(
        (steroids["subject_id"], steroids["start_date"]), (steps["subject_id"], steps["date"])
    )
    # the lowest sequence number per (subject, start date), looked up for each step
    order = np.lexsort((seq, rec))
    rec, seq = rec[order], seq[order]
    first = np.r_[True, rec[1:] != rec[:-1]]
    rec, seq = rec[first], seq[first]
    at = np.clip(np.searchsorted(rec, step), 0, len(rec) - 1)
    return np.where(rec[at] == step, seq[at], np.nan)


@dataclass(frozen=True)
class SevereFlare(Endpoint):
    """Severe SFI flare: (a) new CNS, vasculitis, renal or myositis descriptor with escalation;
    (b) platelets newly < 60, Hb newly < 7 or fallen > 3 g/dL, with escalation; (c) prednisone-
    equivalent rising above 0.5 mg/kg/day; (d) new immunosuppressant or SLE hospitalisation;
    (e) PGA rising above 2.5; (f) investigator-recorded severe flare; classic SFI only: (g)
    SLEDAI-2K rising above 12."""

    variables = ("sledai2k", "pga", "platelets_10e9_l", "hemoglobin_g_dl")

    paramcd: str = "TTSFLR"
    param: str = "Time to first severe flare, modified SFI (days)"
    scope: str | None = None
    citation: str = SFI_CITATION
    include_sledai_above_12: bool = False
    sledai_above: float = 12.0
    platelets_below: float = 60.0
    hemoglobin_below_g_dl: float = 7.0
    hemoglobin_fall_g_dl: float = 3.0
    steroid_mg_per_kg_above: float = 0.5
    steroid_doubled_above_mg: float = 7.5
    pga_above: float = 2.5
    escalation_before_days: int = 14
    escalation_after_days: int = 14
    adequacy: tuple[str, ...] = field(default=("sledai2k", "pga"))
    immunosuppressants: tuple[str, ...] = SFI_D_IMMUNOSUPPRESSANTS
    """SFI (d): an ``immunosuppressant_start`` counts only when its ``detail`` names one of
    these (case-insensitive); validation warns about the others."""

    @classmethod
    def classic(cls) -> SevereFlare:
        """The classic SFI: adds (g) SLEDAI-2K rising above 12."""
        return cls(
            paramcd="TTSFLRC",
            param="Time to first severe flare, classic SFI (days)",
            include_sledai_above_12=True,
        )

    # -- visit criteria ------------------------------------------------------------------

    def _new_any(self, panel: VisitPanel, names) -> tuple[pd.Series, dict[str, pd.Series]]:
        """Rows where any of the descriptors is new, and the per-descriptor masks."""
        hit = pd.Series(False, index=panel.frame.index)
        masks: dict[str, pd.Series] = {}
        for d in names:
            if not panel.has(d):
                continue
            masks[d] = panel.memo(("newly_true", d), lambda d=d: panel.newly_true(d))
            hit |= masks[d]
        return hit, masks

    def visit_criteria(self, trial: Trial, panel: VisitPanel) -> dict[str, pd.Series]:
        """Per visit row, each criterion that holds (escalation already required for a, b);
        computed once per panel (the extrarenal flare reads the same criteria)."""
        return panel.memo(("sfi_criteria", self), lambda: self._visit_criteria(trial, panel))[0]

    def _visit_criteria(self, trial: Trial, panel: VisitPanel):
        """The criteria, and the escalation text of the rows whose escalation was looked for."""
        a_renal, _ = self._new_any(panel, RENAL_DESCRIPTORS)
        a_other, _ = self._new_any(panel, OTHER_MAJOR)
        plt, hb = panel.analysis("platelets_10e9_l"), panel.analysis("hemoglobin_g_dl")
        prev_plt, prev_hb = panel.previous("platelets_10e9_l"), panel.previous("hemoglobin_g_dl")
        b = (
            panel.newly(
                plt < self.platelets_below, "platelets_10e9_l", prev_plt < self.platelets_below
            )
            | panel.newly(
                hb < self.hemoglobin_below_g_dl,
                "hemoglobin_g_dl",
                prev_hb < self.hemoglobin_below_g_dl,
            )
            | (prev_hb - hb > self.hemoglobin_fall_g_dl)
        )
        need_esc = (a_renal | a_other | b) & panel.post
        esc, esc_text = self.escalation(trial, panel, need_esc)
        pga = panel.analysis("pga")
        e = panel.newly(pga > self.pga_above, "pga", panel.previous("pga") > self.pga_above)
        out = {"a_renal": a_renal & esc, "a_other": a_other & esc, "b": b & esc, "e": e}
        if self.include_sledai_above_12:
            s = panel.analysis("sledai2k")
            out["g"] = panel.newly(
                s > self.sledai_above, "sledai2k", panel.previous("sledai2k") > self.sledai_above
            )
        crit = {k: v.fillna(False).astype(bool) & panel.post for k, v in out.items()}
        return crit, esc_text

    def escalation(
        self, trial: Trial, panel: VisitPanel, rows: pd.Series
    ) -> tuple[pd.Series, pd.Series]:
        """Treatment escalation near each selected visit: (bool, description) Series."""
        esc = pd.Series(False, index=panel.frame.index)
        text = pd.Series("", index=panel.frame.index, dtype=object)
        idx = np.flatnonzero(rows.fillna(False).to_numpy())
        if len(idx) == 0:
            return esc, text
        f = panel.frame.iloc[idx]
        lo = f["visit_date"] - self.escalation_before_days * ONE_DAY
        hi = f["visit_date"] + self.escalation_after_days * ONE_DAY
        steps = trial.steroid_steps
        before = dose_on(steps, f["subject_id"], lo - ONE_DAY)
        peak = dose_on(steps, f["subject_id"], lo)
        q = pd.DataFrame({"subject_id": f["subject_id"], "lo": lo, "hi": hi, "_r": f.index})
        m = q.merge(steps, on="subject_id")
        m = m[(m["date"] > m["lo"]) & (m["date"] <= m["hi"])]
        peak = np.maximum(peak, m.groupby("_r")["pred_eq_mg_day"].max().reindex(f.index).fillna(0))
        weight = f["weight_kg"] if "weight_kg" in f else pd.Series(np.nan, index=f.index)
        doubled = (peak >= 2 * before) & (peak > self.steroid_doubled_above_mg)
        per_kg = peak > self.steroid_mg_per_kg_above * weight
        hosp = event_records(trial, ["sle_hospitalization"])
        hq = q.merge(hosp[["subject_id", "date"]], on="subject_id")
        hq = hq[(hq["date"] >= hq["lo"]) & (hq["date"] <= hq["hi"])]
        hosp_hit = pd.Series(f.index.isin(hq["_r"]), index=f.index)
        ok = doubled | per_kg | hosp_hit
        words = np.where(
            hosp_hit,
            "SLE hospitalisation within 14 days",
            "prednisone-equivalent "
            + fmt(before, decimals=1)
            + " → "
            + fmt(peak, decimals=1)
            + " mg/day within 14 days",
        )
        esc[f.index] = ok.to_numpy()
        text[f.index] = words
        return esc, text

    # -- record criteria -----------------------------------------------------------------

    def steroid_rises(self, trial: Trial) -> pd.DataFrame:
        """(c): steps where the dose rises above ``steroid_mg_per_kg_above`` × weight."""
        steps = trial.steroid_steps
        spos = subject_positions(steps["subject_id"], pd.Index(trial.subjects["subject_id"]))
        if "weight_kg" in trial.subjects:
            weight = take_by_subject(trial.subjects["weight_kg"], spos).astype("float64")
            weight.index = steps.index
        else:
            weight = pd.Series(np.nan, index=steps.index)  # no weight: (c) cannot be assessed
        limit = self.steroid_mg_per_kg_above * weight
        # the dose of the subject's previous step (steps are grouped by subject, in date order)
        dose = steps["pred_eq_mg_day"].to_numpy()
        starts, _ = runs(steps["subject_id"].to_numpy(dtype=object))
        before = np.zeros_like(dose)
        before[1:] = dose[:-1]
        before[starts] = 0.0
        prev = pd.Series(before, index=steps.index)
        rises = ((steps["pred_eq_mg_day"] > limit) & ~(prev > limit)).to_numpy()
        hit = steps[rises].copy()
        hit["_spos"] = spos[rises]  # the engine matches subjects by position
        hit["rule"] = f"SFI-c prednisone-equivalent > {self.steroid_mg_per_kg_above} mg/kg/day"
        hit["seq"] = steroid_seq(trial.steroids, hit)
        hit["evidence"] = (
            "prednisone-equivalent "
            + fmt(hit["pred_eq_mg_day"], decimals=1)
            + " mg/day from "
            + date_text(hit["date"])
            + " > "
            + fmt(limit[hit.index], decimals=1)
            + " mg/day ("
            + f"{self.steroid_mg_per_kg_above:g} mg/kg); was "
            + fmt(prev[hit.index], decimals=1)
        )
        return hit

    def record_sources(self, trial: Trial, panel: VisitPanel | None = None) -> list[EventSource]:
        """(c), (d), (f) from the steroid and event records; once per panel when one is given
        (the extrarenal flare reuses them)."""
        if panel is not None:
            return panel.memo(("sfi_records", self), lambda: self.record_sources(trial))
        imm = event_records(trial, ["immunosuppressant_start"])
        imm = imm[names_drug(imm["detail"], self.immunosuppressants)]
        imm["rule"] = "SFI-d new immunosuppressant"
        hosp = event_records(trial, ["sle_hospitalization"])
        hosp["rule"] = "SFI-d SLE hospitalisation"
        inv = event_records(trial, ["sfi_flare"], severity="severe")
        inv["rule"] = "SFI-f investigator-recorded severe flare"
        for t in (imm, hosp, inv):
            t["evidence"] = (
                t["event"].astype(str).to_numpy(dtype=object)
                + " on "
                + date_text(t["date"])
                + ": "
                + t["detail"].fillna("").astype(str).to_numpy(dtype=object)
            )
        return [
            EventSource(self.steroid_rises(trial), "severe flare", "STEROIDS", "START_DATE"),
            EventSource(imm, "severe flare", "EVENTS", "START_DATE"),
            EventSource(hosp, "severe flare", "EVENTS", "START_DATE"),
            EventSource(inv, "severe flare", "EVENTS", "START_DATE"),
        ]

    def visit_source(
        self, trial: Trial, panel: VisitPanel, keys: tuple[str, ...], description: str
    ) -> EventSource:
        crit = self.visit_criteria(trial, panel)
        labels = {
            "a_renal": "SFI-a new renal descriptor with escalation",
            "a_other": "SFI-a new CNS/vasculitis/myositis descriptor with escalation",
            "b": "SFI-b haematologic with escalation",
            "e": "SFI-e PGA > 2.5",
            "g": "SFI-g SLEDAI-2K > 12",
        }
        keys = tuple(k for k in keys if k in crit)
        # the rule of a row: the first criterion (in ``keys`` order) it meets, by code
        which = np.zeros(len(panel.frame), dtype=np.int64)
        for code, k in enumerate(keys, start=1):
            which[(which == 0) & crit[k].to_numpy()] = code
        met = pd.Series(which > 0, index=panel.frame.index)
        rules = np.array(["", *(labels[k] for k in keys)], dtype=object)
        rule = pd.Series(rules[which], index=panel.frame.index)
        ab = np.zeros(len(panel.frame), dtype=bool)
        for k in ("a_renal", "a_other", "b"):
            if k in keys:
                ab |= crit[k].to_numpy()
        # the escalation text of the (a)/(b) rows: computed with the criteria (row by row, the
        # same text as asking again for these rows only)
        esc_text = panel.memo(("sfi_criteria", self), lambda: None)[1].to_numpy()
        _, masks = self._new_any(panel, (*RENAL_DESCRIPTORS, *OTHER_MAJOR))
        prev_pga = panel.previous("pga")

        def extra(i):
            new = names_where(masks, i, prefix=7)
            return join_parts(
                np.where(new != "", "new: " + new, ""),
                "previous PGA " + fmt(prev_pga.iloc[i], "pga"),
                np.where(ab[i], esc_text[i], ""),
            )

        return visit_source(
            panel,
            met,
            rule,
            description,
            ["sledai2k", "pga", "platelets_10e9_l", "hemoglobin_g_dl"],
            extra,
        )

    def sources(self, trial, panel):
        keys = ("a_renal", "a_other", "b", "e", "g")
        events = [
            self.visit_source(trial, panel, keys, "severe flare"),
            *self.record_sources(trial, panel),
        ]
        return events, [last_adequate_assessment(panel, list(self.adequacy))]


@dataclass(frozen=True)
class ExtrarenalFlare(Endpoint):
    """A severe flare triggered by a non-renal criterion (every SFI criterion except a new renal
    descriptor), or a BILAG-2004 grade A newly present in a non-renal domain."""

    paramcd: str = "TTEXFLR"
    param: str = "Time to first extrarenal flare (days)"
    scope: str | None = "nephritis"
    citation: str = SFI_CITATION + "; Isenberg DA et al. Rheumatology 2005;44:902-6 (BILAG-2004)"
    severe_flare: SevereFlare = field(default_factory=SevereFlare)

    def bilag_source(self, panel: VisitPanel) -> EventSource:
        hit = pd.Series(False, index=panel.frame.index)
        masks: dict[str, pd.Series] = {}
        for dom in NON_RENAL_BILAG:
            if not panel.has(dom):
                continue
            grade = panel.col(dom)
            is_a = (grade == "A").astype("float64").where(grade.notna())
            prev = panel.previous_of(is_a, ("bilag_a", dom))
            masks[dom] = (is_a == 1.0) & (prev != 1.0)
            hit |= masks[dom]
        return visit_source(
            panel,
            hit,
            "new BILAG-2004 A (non-renal)",
            "extrarenal flare",
            [],
            lambda i: "new BILAG A: " + names_where(masks, i, 6),
        )

    def sources(self, trial, panel):
        sf = self.severe_flare
        events = [
            sf.visit_source(trial, panel, ("a_other", "b", "e", "g"), "extrarenal flare"),
            *[replace(s, description="extrarenal flare") for s in sf.record_sources(trial, panel)],
            self.bilag_source(panel),
        ]
        return events, [last_adequate_assessment(panel, list(sf.adequacy))]
