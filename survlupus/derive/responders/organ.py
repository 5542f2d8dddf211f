"""Organ responders at a visit: haematologic improvement (cytopenia) and renal response
(nephritis)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from survlupus.derive.responders.context import Context, frame, missing_reason
from survlupus.derive.settings import check_settings
from survlupus.derive.tte.base import fmt


@dataclass(frozen=True)
class _AtVisit:
    visit: str = "W24"
    STEM: ClassVar[str] = ""
    """The PARAMCD stem (``{k}`` filled from the rule's ``k``); the visit number is appended."""

    def __post_init__(self) -> None:
        check_settings(self)

    def describe(self) -> str:
        """The rule in sentences, with its settings, population and source."""
        from survlupus.derive.words import describe

        return describe(self)

    @property
    def paramcd(self) -> str:
        """The ADRS parameter code, e.g. ``SRI4_52`` for SRI-4 at W52."""
        num = "".join(ch for ch in self.visit if ch.isdigit())
        return f"{self.STEM.format(k=getattr(self, 'k', ''))}{num}"


@dataclass(frozen=True)
class HaematologicImprovement(_AtVisit):
    """Hb rise >= 1.5 g/dL; or neutrophils +100 % and +0.5×10⁹/L; or platelets +30×10⁹/L if the
    baseline is above 20, or +20×10⁹/L and +100 % if at or below 20; without rescue therapy."""

    hb_rise: float = 1.5
    neut_rise_pct: float = 100.0
    neut_rise_abs: float = 0.5
    plt_cut: float = 20.0
    plt_rise_high: float = 30.0
    plt_rise_low: float = 20.0
    plt_rise_low_pct: float = 100.0
    STEM: ClassVar[str] = "HEMIMP"
    citation: str = (
        "Cheson BD et al. Blood 2006;108:419-25 (IWG); CS20AT04 phase IIa trial registration "
        "(Hanyang University Seoul Hospital, 2021)"
    )

    def evaluate(self, ctx: Context) -> pd.DataFrame:
        ids = ctx.ids("cytopenia")
        v = ctx.at_visit(self.visit, ids)
        b = ctx.baseline(["hemoglobin_g_dl", "neutrophils_10e9_l", "platelets_10e9_l"], ids)
        hb = v["hemoglobin_g_dl"] - b["hemoglobin_g_dl"]
        nr = v["neutrophils_10e9_l"] - b["neutrophils_10e9_l"]
        pr = v["platelets_10e9_l"] - b["platelets_10e9_l"]
        c_hb = hb >= self.hb_rise - 1e-9
        c_n = (nr >= self.neut_rise_abs - 1e-9) & (
            nr >= b["neutrophils_10e9_l"] * self.neut_rise_pct / 100 - 1e-9
        )
        low = b["platelets_10e9_l"] <= self.plt_cut
        c_p = np.where(
            low,
            (pr >= self.plt_rise_low - 1e-9)
            & (pr >= b["platelets_10e9_l"] * self.plt_rise_low_pct / 100 - 1e-9),
            pr >= self.plt_rise_high - 1e-9,
        )
        any_met = c_hb | c_n | pd.Series(c_p, index=ids)
        evaluable = hb.notna() | nr.notna() | pr.notna()
        rescue = ctx.rescue_by(v["visit_date"].fillna(ctx.obs["last_contact"].reindex(ids)))
        ok = pd.Series(any_met & rescue.isna(), dtype=object).where(evaluable)
        changes = (
            "Hb "
            + fmt(hb, decimals=1)
            + " g/dL, neutrophils "
            + fmt(nr, decimals=2)
            + ", platelets "
            + fmt(pr, decimals=0)
            + " (baseline "
            + fmt(b["platelets_10e9_l"], decimals=0)
            + ")"
        )
        no = np.where(
            rescue.notna(),
            "rescue therapy on " + rescue.dt.strftime("%Y-%m-%d").fillna(""),
            "no criterion met: " + changes,
        )
        crit = (
            "Hb +1.5 g/dL; or neutrophils +100% and +0.5×10⁹/L; or platelets +30×10⁹/L "
            "(baseline > 20) / +20×10⁹/L and +100% (baseline <= 20); no rescue therapy"
        )
        return frame(
            ctx,
            ids,
            self.paramcd,
            f"Haematologic improvement at {self.visit}",
            self.visit,
            crit,
            ok,
            missing_reason(
                self.visit,
                v,
                {
                    "haemoglobin change (visit or baseline value)": hb,
                    "neutrophil change (visit or baseline value)": nr,
                    "platelet change (visit or baseline value)": pr,
                },
            ),
            no,
            "changes from baseline: " + changes,
            v,
        )


@dataclass(frozen=True)
class RenalResponse(_AtVisit):
    """UPCR <= 0.5; eGFR >= 60 or no confirmed fall > 20 % from baseline; no rescue therapy; and no
    run of >= 7 consecutive days above 7.5 mg/day prednisone-equivalent in days 85-169. A fall is
    confirmed when the previous assessment also shows it."""

    upcr_max: float = 0.5
    egfr_min: float = 60.0
    egfr_fall_pct: float = 20.0
    steroid_max: float = 7.5
    run_days: int = 7
    run_from: int = 85
    run_to: int = 169
    STEM: ClassVar[str] = "RENRSP"
    citation: str = (
        "Rovin BH et al. Lancet 2021;397:2070-80 (AURORA); CS20AT04 phase IIa trial "
        "registration (Hanyang University Seoul Hospital, 2021)"
    )

    def evaluate(self, ctx: Context) -> pd.DataFrame:
        ids = ctx.ids("nephritis")
        v = ctx.at_visit(self.visit, ids)
        base = ctx.baseline(["egfr_ml_min"], ids)["egfr_ml_min"]
        upcr_ok = v["upcr_g_g"] <= self.upcr_max + 1e-9
        floor = base * (1 - self.egfr_fall_pct / 100)
        w = ctx.windowed
        prev = (
            w[w["visit_date"] < w["subject_id"].map(v["visit_date"])]
            .dropna(subset=["egfr_ml_min"])
            .groupby("subject_id")["egfr_ml_min"]
            .last()
            .reindex(ids)
        )
        confirmed_fall = (v["egfr_ml_min"] < floor) & (prev < floor)
        egfr_ok = (v["egfr_ml_min"] >= self.egfr_min) | ~confirmed_fall
        rescue = ctx.rescue_by(v["visit_date"].fillna(ctx.obs["last_contact"].reindex(ids)))
        run = ctx.longest_run_above(ids, self.steroid_max, self.run_from, self.run_to)
        steroid_ok = run < self.run_days
        ok = pd.Series(upcr_ok & egfr_ok & rescue.isna() & steroid_ok, dtype=object).where(
            v["upcr_g_g"].notna() & v["egfr_ml_min"].notna()
        )
        reasons = []
        for txt, bad in (
            (("UPCR " + fmt(v["upcr_g_g"], decimals=2) + " > 0.5"), ~upcr_ok),
            (
                (
                    "confirmed eGFR fall to "
                    + fmt(v["egfr_ml_min"], decimals=0)
                    + " (< 80% of baseline "
                    + fmt(base, decimals=0)
                    + ")"
                ),
                ~egfr_ok,
            ),
            (
                (
                    "rescue therapy on "
                    + rescue.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
                ),
                rescue.notna(),
            ),
            (
                (
                    run.astype(str).to_numpy(dtype=object)
                    + " consecutive days > "
                    + f"{self.steroid_max:g} mg/day in days {self.run_from}-"
                    + f"{self.run_to}"
                ),
                ~steroid_ok,
            ),
        ):
            reasons.append(np.where(np.asarray(bad, dtype=bool), txt, ""))
        from survlupus.derive.tte.base import join_parts

        no = join_parts(*reasons)
        crit = (
            f"UPCR <= {self.upcr_max:g} g/g; eGFR >= {self.egfr_min:g} or no confirmed fall "
            f"> {self.egfr_fall_pct:g}%; no rescue; no run of >= {self.run_days} days > "
            f"{self.steroid_max:g} mg/day in days {self.run_from}-{self.run_to}"
        )
        yes = (
            "UPCR " + fmt(v["upcr_g_g"], decimals=2) + ", eGFR " + fmt(v["egfr_ml_min"], decimals=0)
        )
        return frame(
            ctx,
            ids,
            self.paramcd,
            f"Renal response at {self.visit}",
            self.visit,
            crit,
            ok,
            missing_reason(self.visit, v, {"UPCR": v["upcr_g_g"], "eGFR": v["egfr_ml_min"]}),
            no,
            yes,
            v,
        )
