"""Responder endpoints at a nominal visit: one row per subject and parameter, Y/N with the
criterion (``CRIT``) and the reason for a No or a missing result (``REASON``).

Missing data: by default a missing assessment is a non-responder (``AVALC = "N"``) with the reason
recorded; ``missing="observed"`` leaves it missing (``AVALC = ""``, ``AVAL`` NaN) so it drops out
of the denominator. Subgroup endpoints (haematologic improvement: cytopenia; renal response:
nephritis) have rows for their subgroup only; SRI-k rows exist for everybody, with ``ELIGFL = "N"``
and the reason where baseline SLEDAI-2K is below k.

The visit record is chosen by :mod:`survlupus.clinical.windows` (closest to the nominal day, the
earlier on a tie); steroid criteria use the daily prednisone-equivalent series.

>>> resp = derive_responders(trial)                       # every default parameter at W24
... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survlupus.clinical.sledai import CNS_DESCRIPTORS, RENAL_DESCRIPTORS
from survlupus.clinical.steroids import daily_dose
from survlupus.clinical.windows import CS20AT04_WINDOWS, Window, assign_windows, select_visit
from survlupus.endpoints.base import fmt
from survlupus.endpoints.scope import UNLIMITED_WINDOW_DAYS, observation
from survlupus.trial.model import Trial
from survlupus.trial.schema import BILAG_DOMAINS

RESPONDER_COLUMNS = [
    "USUBJID",
    "PARAMCD",
    "PARAM",
    "ARM",
    "SUBGROUP",
    "AVISIT",
    "ADY",
    "ADT",
    "AVALC",
    "AVAL",
    "ELIGFL",
    "CRIT",
    "REASON",
]

LLDAS_EXCLUDED = (
    *RENAL_DESCRIPTORS,
    *CNS_DESCRIPTORS,
    "sledai_pleurisy",
    "sledai_pericarditis",
    "sledai_vasculitis",
    "sledai_fever",
)
"""LLDAS: no renal, CNS, cardiopulmonary, vasculitis or fever descriptor."""


@dataclass
class Context:
    """What every responder rule reads, computed once."""

    trial: Trial
    windowed: pd.DataFrame
    obs: pd.DataFrame
    daily: pd.DataFrame
    missing: str

    @classmethod
    def build(cls, trial: Trial, schedule: Sequence[Window], missing: str) -> Context:
        return cls(
            trial,
            assign_windows(trial.visits, trial.subjects, schedule),
            observation(trial, UNLIMITED_WINDOW_DAYS).set_index("subject_id"),
            daily_dose(trial.steroid_steps),
            missing,
        )

    def ids(self, scope: str | None) -> pd.Index:
        s = self.trial.subjects
        if scope is not None:
            s = s[s["subgroup"] == scope]
        return pd.Index(s["subject_id"], name="subject_id")

    def at_visit(self, visit: str, ids: pd.Index) -> pd.DataFrame:
        return select_visit(self.windowed, visit).set_index("subject_id").reindex(ids)

    def baseline(self, variables: Sequence[str], ids: pd.Index) -> pd.DataFrame:
        return self.trial.baseline(list(variables)).set_index("subject_id").reindex(ids)

    def rescue_by(self, dates: pd.Series) -> pd.Series:
        """Date of a rescue therapy on or before each subject's date (NaT if none)."""
        ev = self.trial.events
        r = ev[ev["event"] == "rescue_therapy"].groupby("subject_id")["start_date"].min()
        first = r.reindex(dates.index)
        return first.where(first <= dates)

    def doses_between(self, from_day: int, to_day: int) -> pd.DataFrame:
        """The daily series (with its study ``day``) restricted to days ``from_day..to_day``."""
        if "day" not in self.daily:
            start = self.daily["subject_id"].map(self.obs["start_date"])
            self.daily["day"] = (self.daily["date"] - start).dt.days + 1
        d = self.daily
        return d[(d["day"] >= from_day) & (d["day"] <= to_day)]

    def max_dose(self, ids: pd.Index, from_day: int, to_day: int) -> pd.Series:
        d = self.doses_between(from_day, to_day)
        return d.groupby("subject_id")["pred_eq_mg_day"].max().reindex(ids).fillna(0.0)

    def longest_run_above(
        self, ids: pd.Index, limit: float, from_day: int, to_day: int
    ) -> pd.Series:
        d = self.doses_between(from_day, to_day)
        above = d["pred_eq_mg_day"] > limit
        brk = (~above) | d["subject_id"].ne(d["subject_id"].shift()) | d["day"].diff().ne(1)
        run_id = brk.cumsum()
        runs = d[above].groupby([d["subject_id"][above], run_id[above]]).size()
        return runs.groupby(level=0).max().reindex(ids).fillna(0).astype(int)

    def followed_to(self, ids: pd.Index, day: int) -> pd.Series:
        lc = self.obs["last_contact"].reindex(ids)
        return (lc - self.obs["start_date"].reindex(ids)).dt.days + 1 >= day


def _frame(
    ctx: Context,
    ids,
    code,
    param,
    visit,
    crit,
    ok,
    missing_reason,
    no_reason,
    yes_reason,
    vis: pd.DataFrame | None = None,
    elig=None,
) -> pd.DataFrame:
    """Assemble rows: ``ok`` True/False/NaN (missing) with the reasons for each case."""
    ok = pd.Series(ok, index=ids, dtype="object")
    is_missing = ok.isna()
    subj = ctx.trial.subjects.set_index("subject_id").reindex(ids)
    avalc = np.where(
        is_missing,
        "" if ctx.missing == "observed" else "N",
        np.where(ok.eq(True).to_numpy(), "Y", "N"),
    )
    reason = np.where(
        is_missing,
        "missing: " + pd.Series(missing_reason, index=ids).astype(str),
        np.where(
            avalc == "Y",
            pd.Series(yes_reason, index=ids).astype(str),
            pd.Series(no_reason, index=ids).astype(str),
        ),
    )
    elig = pd.Series("Y" if elig is None else elig, index=ids)
    reason = np.where(elig == "N", pd.Series(no_reason, index=ids).astype(str), reason)
    avalc = np.where(elig == "N", "", avalc)
    out = pd.DataFrame(
        {
            "USUBJID": ids,
            "PARAMCD": code,
            "PARAM": param,
            "ARM": subj["arm"].to_numpy(),
            "SUBGROUP": subj["subgroup"].fillna("").to_numpy() if "subgroup" in subj else "",
            "AVISIT": visit,
            "ADY": vis["ADY"].to_numpy() if vis is not None else np.nan,
            "ADT": vis["visit_date"].to_numpy() if vis is not None else pd.NaT,
            "AVALC": avalc,
            "AVAL": np.where(avalc == "Y", 1.0, np.where(avalc == "N", 0.0, np.nan)),
            "ELIGFL": elig.to_numpy(),
            "CRIT": crit,
            "REASON": reason,
        }
    )
    return out


@dataclass(frozen=True)
class SteroidTaper:
    """Prednisone-equivalent at or below ``max_mg`` on every day from ``from_day`` to ``to_day``."""

    paramcd: str = "STER4W12"
    param: str = "Steroid taper: <= 7.5 mg/day from week 4 through week 12 (primary)"
    from_day: int = 29
    to_day: int = 85
    max_mg: float = 7.5
    visit: str = "W12"
    citation: str = "CS20AT04 phase IIa primary outcome (seed); spec endpoints.md"

    def evaluate(self, ctx: Context) -> pd.DataFrame:
        ids = ctx.ids(None)
        peak = ctx.max_dose(ids, self.from_day, self.to_day)
        followed = ctx.followed_to(ids, self.to_day)
        ok = pd.Series(peak <= self.max_mg + 1e-9, dtype=object).where(followed)
        crit = (
            f"prednisone-equivalent <= {self.max_mg:g} mg/day on every day of study days "
            f"{self.from_day}-{self.to_day}"
        )
        peak_txt = fmt(peak, decimals=1)
        no = "highest dose in days " + f"{self.from_day}-{self.to_day}: " + peak_txt + " mg/day"
        return _frame(
            ctx,
            ids,
            self.paramcd,
            self.param,
            self.visit,
            crit,
            ok,
            f"follow-up ended before day {self.to_day}",
            no,
            "highest dose " + peak_txt + " mg/day",
        )


@dataclass(frozen=True)
class _AtVisit:
    visit: str = "W24"

    def code(self, stem: str) -> str:
        num = "".join(ch for ch in self.visit if ch.isdigit())
        return f"{stem}{num}"


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
    citation: str = "Cheson BD et al. Blood 2006;108:419-25 (IWG); seed CS20AT04 outcome"

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
        return _frame(
            ctx,
            ids,
            self.code("HEMIMP"),
            f"Haematologic improvement at {self.visit}",
            self.visit,
            crit,
            ok,
            f"no {self.visit} haematology",
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
    citation: str = "Rovin BH et al. Lancet 2021;397:2070-80 (AURORA); seed CS20AT04 outcome"

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
        from survlupus.endpoints.base import join_parts

        no = join_parts(*reasons)
        crit = (
            f"UPCR <= {self.upcr_max:g} g/g; eGFR >= {self.egfr_min:g} or no confirmed fall "
            f"> {self.egfr_fall_pct:g}%; no rescue; no run of >= {self.run_days} days > "
            f"{self.steroid_max:g} mg/day in days {self.run_from}-{self.run_to}"
        )
        yes = (
            "UPCR " + fmt(v["upcr_g_g"], decimals=2) + ", eGFR " + fmt(v["egfr_ml_min"], decimals=0)
        )
        return _frame(
            ctx,
            ids,
            self.code("RENRSP"),
            f"Renal response at {self.visit}",
            self.visit,
            crit,
            ok,
            f"no {self.visit} UPCR or eGFR",
            no,
            yes,
            v,
        )


@dataclass(frozen=True)
class LowDiseaseActivity(_AtVisit):
    """LLDAS: SLEDAI-2K <= 4 without renal, CNS, cardiopulmonary, vasculitis or fever descriptors
    and without haemolysis; no descriptor new since the previous assessment; PGA <= 1;
    prednisone-equivalent <= 7.5 mg/day."""

    sledai_max: float = 4.0
    pga_max: float = 1.0
    steroid_max: float = 7.5
    citation: str = "Franklyn K et al. Ann Rheum Dis 2016;75:1615-21"

    def evaluate(self, ctx: Context) -> pd.DataFrame:
        from survlupus.clinical.steroids import dose_on
        from survlupus.trial.schema import SLEDAI_DESCRIPTORS

        ids = ctx.ids(None)
        v = ctx.at_visit(self.visit, ids)
        w = ctx.windowed
        has_desc = all(d in w for d in SLEDAI_DESCRIPTORS)
        dose = dose_on(ctx.trial.steroid_steps, pd.Series(ids, index=ids), v["visit_date"])
        parts = {
            "SLEDAI-2K > 4": v["sledai2k"] > self.sledai_max,
            "PGA > 1": v["pga"] > self.pga_max,
            "prednisone-equivalent > 7.5 mg/day": dose > self.steroid_max,
        }
        if has_desc:
            major = v[list(LLDAS_EXCLUDED)].astype("Float64").fillna(0).sum(axis=1) > 0
            parts["major-organ or fever descriptor"] = major
            # new since the previous assessment: present now, absent at the previous visit
            prev_rows = w[w["visit_date"] < w["subject_id"].map(v["visit_date"])]
            prev = prev_rows.groupby("subject_id")[list(SLEDAI_DESCRIPTORS)].last().reindex(ids)
            now = v[list(SLEDAI_DESCRIPTORS)].astype("Float64").fillna(0)
            new = (now.to_numpy() > prev.astype("Float64").fillna(0).to_numpy()).any(axis=1)
            parts["new activity since the previous assessment"] = pd.Series(new, index=ids)
        if "hemolysis" in v:
            parts["haemolysis"] = v["hemolysis"].astype("Float64").fillna(0) > 0
        fail = pd.DataFrame(parts).fillna(False).astype(bool)
        evaluable = v["sledai2k"].notna() & v["pga"].notna() & (has_desc or False)
        ok = pd.Series(~fail.any(axis=1), dtype=object).where(evaluable)
        no = fail.apply(lambda r: "; ".join(k for k, x in r.items() if x), axis=1)
        miss = np.where(
            v["sledai2k"].isna() | v["pga"].isna(),
            f"no {self.visit} SLEDAI-2K/PGA",
            "SLEDAI-2K descriptors not recorded",
        )
        crit = (
            "SLEDAI-2K <= 4 without renal/CNS/cardiopulmonary/vasculitis/fever activity or "
            "haemolysis; no new activity; PGA <= 1; prednisone-equivalent <= 7.5 mg/day"
        )
        return _frame(
            ctx,
            ids,
            self.code("LLDAS"),
            f"LLDAS at {self.visit}",
            self.visit,
            crit,
            ok,
            miss,
            no,
            "SLEDAI-2K " + fmt(v["sledai2k"], decimals=0) + ", PGA " + fmt(v["pga"], decimals=1),
            v,
        )


@dataclass(frozen=True)
class SledaiReduction(_AtVisit):
    """SLEDAI-2K at least ``k`` points below baseline."""

    k: int = 4
    citation: str = "Gladman DD et al. J Rheumatol 2002;29:288-91; seed CS20AT04 outcome"

    def evaluate(self, ctx: Context) -> pd.DataFrame:
        ids = ctx.ids(None)
        v = ctx.at_visit(self.visit, ids)
        base = ctx.baseline(["sledai2k"], ids)["sledai2k"]
        red = base - v["sledai2k"]
        ok = pd.Series(red >= self.k, dtype=object).where(red.notna())
        txt = "reduction " + fmt(red, decimals=0) + " (baseline " + fmt(base, decimals=0) + ")"
        return _frame(
            ctx,
            ids,
            self.code(f"SLED{self.k}R"),
            f"SLEDAI-2K reduction >= {self.k} at {self.visit}",
            self.visit,
            f"SLEDAI-2K reduced by >= {self.k}",
            ok,
            f"no baseline or {self.visit} SLEDAI-2K",
            txt,
            txt,
            v,
        )


@dataclass(frozen=True)
class SRI(_AtVisit):
    """SRI-k among subjects with baseline SLEDAI-2K >= k: reduction >= k; no new BILAG A and no
    more than one new BILAG B; PGA rise < 0.3."""

    k: int = 4
    pga_rise_max: float = 0.3
    citation: str = "Furie RA et al. Arthritis Rheum 2009;61:1143-51"

    def evaluate(self, ctx: Context) -> pd.DataFrame:
        ids = ctx.ids(None)
        v = ctx.at_visit(self.visit, ids)
        doms = [d for d in BILAG_DOMAINS if d in ctx.windowed]
        b = ctx.baseline(["sledai2k", "pga"], ids)
        base_rows = (
            ctx.windowed[ctx.windowed["AVISIT"] == "BASELINE"].set_index("subject_id").reindex(ids)
        )
        red = b["sledai2k"] - v["sledai2k"]
        pga_rise = v["pga"] - b["pga"]
        new_a = (
            sum(((v[d] == "A") & (base_rows[d] != "A")).astype(int) for d in doms)
            if doms
            else pd.Series(0, index=ids)
        )
        new_b = (
            sum(((v[d] == "B") & ~base_rows[d].isin(["A", "B"])).astype(int) for d in doms)
            if doms
            else pd.Series(0, index=ids)
        )
        checks = {
            f"SLEDAI-2K reduction < {self.k}": red < self.k,
            "new BILAG A": new_a > 0,
            "two or more new BILAG B": new_b > 1,
            f"PGA rise >= {self.pga_rise_max:g}": pga_rise >= self.pga_rise_max - 1e-9,
        }
        fail = pd.DataFrame(checks).fillna(False).astype(bool)
        evaluable = red.notna() & pga_rise.notna() & bool(doms)
        ok = pd.Series(~fail.any(axis=1), dtype=object).where(evaluable)
        no = fail.apply(lambda r: "; ".join(k for k, x in r.items() if x), axis=1)
        elig = np.where(b["sledai2k"] >= self.k, "Y", "N")
        why = np.where(
            b["sledai2k"].isna(),
            "not eligible: no baseline SLEDAI-2K",
            "not eligible: baseline SLEDAI-2K " + fmt(b["sledai2k"], decimals=0) + f" < {self.k}",
        )
        no = pd.Series(np.where(elig == "N", why, no), index=ids)
        crit = (
            f"baseline SLEDAI-2K >= {self.k}; reduction >= {self.k}; no new BILAG A, <= 1 new "
            f"BILAG B; PGA rise < {self.pga_rise_max:g}"
        )
        yes = (
            "reduction "
            + fmt(red, decimals=0)
            + ", PGA change "
            + fmt(pga_rise, decimals=1)
            + ", new BILAG A/B "
            + new_a.astype(str).to_numpy(dtype=object)
            + "/"
            + new_b.astype(str).to_numpy(dtype=object)
        )
        return _frame(
            ctx,
            ids,
            self.code(f"SRI{self.k}_"),
            f"SRI-{self.k} at {self.visit}",
            self.visit,
            crit,
            ok,
            f"no {self.visit} SLEDAI-2K, PGA or BILAG",
            no,
            yes,
            v,
            elig,
        )


def default_responders(visit: str = "W24") -> tuple:
    """The seed trial's responder endpoints (steroid endpoints have fixed windows)."""
    return (
        SteroidTaper(),
        SteroidTaper(
            "STER1224",
            "Steroid taper kept: <= 7.5 mg/day from week 12 through week 24",
            85,
            169,
            7.5,
            "W24",
        ),
        HaematologicImprovement(visit),
        RenalResponse(visit),
        LowDiseaseActivity(visit),
        SledaiReduction(visit, 4),
        SRI(visit, 4),
        SRI(visit, 5),
        SRI(visit, 6),
    )


def derive_responders(
    trial: Trial,
    definitions: Sequence | None = None,
    *,
    schedule: Sequence[Window] = CS20AT04_WINDOWS,
    missing: str = "non-responder",
) -> pd.DataFrame:
    """The responder dataset: one row per subject and parameter (see the module docstring)."""
    if missing not in ("non-responder", "observed"):
        raise ValueError("missing must be 'non-responder' or 'observed'")
    ctx = Context.build(trial, schedule, missing)
    parts = [d.evaluate(ctx) for d in (definitions or default_responders())]
    out = pd.concat(parts, ignore_index=True)[RESPONDER_COLUMNS]
    order = {c: i for i, c in enumerate(dict.fromkeys(out["PARAMCD"]))}
    out["_o"] = out["PARAMCD"].map(order)
    return (
        out.sort_values(["_o", "USUBJID"], kind="stable").drop(columns="_o").reset_index(drop=True)
    )
