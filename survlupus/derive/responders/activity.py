"""Disease-activity responders at a visit: LLDAS, SLEDAI-2K reduction, SRI-k."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from survlupus.clinical.sledai import CNS_DESCRIPTORS, RENAL_DESCRIPTORS
from survlupus.derive.responders.context import Context, frame, missing_reason
from survlupus.derive.responders.organ import _AtVisit
from survlupus.derive.tte.base import fmt
from survlupus.trial.schema import BILAG_DOMAINS

LLDAS_EXCLUDED = (
    *RENAL_DESCRIPTORS,
    *CNS_DESCRIPTORS,
    "sledai_pleurisy",
    "sledai_pericarditis",
    "sledai_vasculitis",
    "sledai_fever",
)
"""LLDAS: no renal, CNS, cardiopulmonary, vasculitis or fever descriptor."""


@dataclass(frozen=True)
class LowDiseaseActivity(_AtVisit):
    """LLDAS: SLEDAI-2K <= 4 without renal, CNS, cardiopulmonary, vasculitis or fever descriptors
    and without haemolysis; no descriptor new since the previous assessment; PGA <= 1;
    prednisone-equivalent <= 7.5 mg/day."""

    sledai_max: float = 4.0
    pga_max: float = 1.0
    steroid_max: float = 7.5
    STEM: ClassVar[str] = "LLDAS"
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
        miss = missing_reason(
            self.visit,
            v,
            {
                "SLEDAI-2K": v["sledai2k"],
                "PGA": v["pga"],
                "SLEDAI-2K descriptors (not recorded in the trial)": 1.0 if has_desc else np.nan,
            },
        )
        crit = (
            "SLEDAI-2K <= 4 without renal/CNS/cardiopulmonary/vasculitis/fever activity or "
            "haemolysis; no new activity; PGA <= 1; prednisone-equivalent <= 7.5 mg/day"
        )
        return frame(
            ctx,
            ids,
            self.paramcd,
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
    STEM: ClassVar[str] = "SLED{k}R"
    citation: str = (
        "Gladman DD et al. J Rheumatol 2002;29:288-91; CS20AT04 phase IIa trial registration "
        "(Hanyang University Seoul Hospital, 2021)"
    )

    def evaluate(self, ctx: Context) -> pd.DataFrame:
        ids = ctx.ids(None)
        v = ctx.at_visit(self.visit, ids)
        base = ctx.baseline(["sledai2k"], ids)["sledai2k"]
        red = base - v["sledai2k"]
        ok = pd.Series(red >= self.k, dtype=object).where(red.notna())
        txt = "reduction " + fmt(red, decimals=0) + " (baseline " + fmt(base, decimals=0) + ")"
        return frame(
            ctx,
            ids,
            self.paramcd,
            f"SLEDAI-2K reduction >= {self.k} at {self.visit}",
            self.visit,
            f"SLEDAI-2K reduced by >= {self.k}",
            ok,
            missing_reason(self.visit, v, {"SLEDAI-2K": v["sledai2k"], "baseline SLEDAI-2K": base}),
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
    STEM: ClassVar[str] = "SRI{k}_"
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
        return frame(
            ctx,
            ids,
            self.paramcd,
            f"SRI-{self.k} at {self.visit}",
            self.visit,
            crit,
            ok,
            missing_reason(
                self.visit,
                v,
                {
                    "SLEDAI-2K": v["sledai2k"],
                    "PGA": v["pga"],
                    "baseline SLEDAI-2K": b["sledai2k"],
                    "baseline PGA": b["pga"],
                    "BILAG-2004 (not recorded in the trial)": 1.0 if doms else np.nan,
                },
            ),
            no,
            yes,
            v,
            elig,
        )
