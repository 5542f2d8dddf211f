"""Handlers of the outcomes on visit measures (the BDS): change from baseline, MMRM, slopes,
geometric mean ratios, normalisation, shift tables and responders by visit.

Each variable of an outcome is looked up in the BDS by its PARAMCD (``SLEDAI`` for
``sledai2k``); a variable the visits table does not record, a visit the schedule lacks, a model
the data cannot support: one row, not evaluable, with the reason.
"""

from __future__ import annotations

import pandas as pd

from survlupus.analyse.context import Context
from survlupus.analyse.efficacy import responder_at
from survlupus.analyse.outcomes import base_row, not_evaluable
from survlupus.derive.bds import paramcd_of
from survlupus.derive.change import summarise_change
from survlupus.plan.library import NORMAL_RANGES, NormalRange, TitreCategories, override
from survlupus.plan.model import Outcome
from survlupus.stats.longitudinal import (
    geometric_mean_ratio,
    normalisation,
    shift_table,
    slopes,
)
from survlupus.stats.mmrm import mmrm


def _data(o: Outcome, ctx: Context, var: str) -> tuple[str, pd.DataFrame | None, dict | None]:
    """The outcome population's analysed BDS records of ``var``, or a not-evaluable row."""
    code = paramcd_of(var)
    if var not in ctx.trial.visits:
        return code, None, not_evaluable(o, code, f"the visits table has no column {var!r}")
    bds = ctx.in_population(ctx.datasets["adbds"], o.population)
    d = bds[(bds["PARAMCD"] == code) & (bds["ANL01FL"] == "Y")]
    if d.empty or d["CHG"].notna().sum() == 0:
        return code, None, not_evaluable(o, code, f"no post-baseline {var} in the population")
    return code, d, None


def _visits(o: Outcome, ctx: Context) -> list[str]:
    return list(o.visits) or list(ctx.plan.visit_labels())


def _by(ctx: Context) -> str | None:
    return "ARM" if ctx.reference is not None else None


def _per_arm(o, code, frame, ctx, method, visit_col="visit", extra=None) -> list[dict]:
    """Rows from a tidy frame with ``arm, [visit], [comparison], estimate, lower, upper``."""
    rows = []
    for r in frame.to_dict("records"):
        row = base_row(
            o,
            code,
            visit=r.get(visit_col, ""),
            arm=r["arm"] if r["arm"] != "all" else (ctx.arms[0] if len(ctx.arms) == 1 else "all"),
            comparison=r.get("comparison", "") or "",
            estimate=r["estimate"],
            lower=r["lower"],
            upper=r["upper"],
            p_value=r.get("p_value"),
            method=method,
        )
        if extra:
            row.update(extra(r))
        rows.append(row)
    return rows


def change_outcome(o: Outcome, ctx: Context) -> list[dict]:
    rows, parts = [], []
    for var in o.endpoints:
        code, d, ne = _data(o, ctx, var)
        if ne:
            rows.append(ne)
            continue
        summary = summarise_change(d[d["AVISIT"].isin(o.visits)])
        parts.append(summary)
        for visit in o.visits:
            if why := ctx.visit_missing(visit):
                rows.append(not_evaluable(o, code, why, visit))
                continue
            s = summary[summary["AVISIT"] == visit].set_index("ARM")
            if s.empty or s["n"].sum() == 0:
                rows.append(not_evaluable(o, code, f"no assessment at {visit}", visit))
                continue
            for arm in [a for a in ctx.arms if a in s.index]:
                r = s.loc[arm]
                rows.append(
                    base_row(
                        o,
                        code,
                        visit=visit,
                        arm=arm,
                        n=int(r["n"]),
                        estimate=r["mean"],
                        lower=r["mean_lower"],
                        upper=r["mean_upper"],
                        median=r["median"],
                        method="mean change from baseline, t-based 95% CI",
                    )
                )
    if parts:
        ctx.changes[o.number] = pd.concat(parts, ignore_index=True)
    return rows


def mmrm_outcome(o: Outcome, ctx: Context) -> list[dict]:
    rows = []
    structure = o.covariance or "us"
    for var in o.endpoints:
        code, d, ne = _data(o, ctx, var)
        if ne:
            rows.append(ne)
            continue
        visits = [v for v in _visits(o, ctx) if v in set(d["AVISIT"])]
        try:
            fit = mmrm(
                d,
                code,
                by=_by(ctx),
                reference=ctx.reference,
                covariance_structure=structure,
                visits=visits,
            )
        except ValueError as exc:
            rows.append(not_evaluable(o, code, str(exc).removeprefix("mmrm: ")))
            continue
        ctx.mmrm[(code, o.population)] = fit
        counts = d[d["CHG"].notna()].groupby(["ARM", "AVISIT"])["USUBJID"].nunique()
        method = f"LS mean change, MMRM ({structure}, REML), Satterthwaite df"
        note = {} if fit.converged else {"reason": f"REML not converged: {fit.message}"}

        def n_of(r, counts=counts, note=note):
            arms = ctx.arms if r["arm"] == "all" else [r["arm"]]
            if r.get("comparison"):
                arms = [r["arm"], ctx.reference]
            return {"n": int(sum(counts.get((a, r["visit"]), 0) for a in arms)), **note}

        rows += _per_arm(o, code, fit.lsmeans, ctx, method, extra=n_of)
        if len(fit.contrasts):
            ct = fit.contrasts.assign(comparison=fit.contrasts["arm"] + f" vs {ctx.reference}")
            rows += _per_arm(
                o,
                code,
                ct,
                ctx,
                method.replace("LS mean change", "difference in LS mean change") + "; p: t-test",
                extra=n_of,
            )
    return rows


def _each_variable(o: Outcome, ctx: Context, one) -> list[dict]:
    """Rows of ``o`` from ``one(var, code, records) -> (rows, table | None)`` for each of its
    variables (a variable the data lack: one not-evaluable row); the tables, with their PARAMCD,
    become ``ctx.longitudinal[o.number]``."""
    rows, parts = [], []
    for var in o.endpoints:
        code, d, ne = _data(o, ctx, var)
        if ne:
            rows.append(ne)
            continue
        new, table = one(var, code, d)
        rows += new
        if table is not None:
            parts.append(table.assign(PARAMCD=code))
    if parts:
        ctx.longitudinal[o.number] = pd.concat(parts, ignore_index=True)
    return rows


def slope_outcome(o: Outcome, ctx: Context) -> list[dict]:
    def one(var, code, d):
        try:
            s = slopes(d, code, by=_by(ctx), reference=ctx.reference)
        except ValueError as exc:
            return [not_evaluable(o, code, str(exc).removeprefix("slopes: "))], None
        method = "slope per year, random intercept and slope (REML), Wald 95% CI"
        return _per_arm(o, code, s, ctx, method, extra=lambda r: {"n": r["n"]}), s

    return _each_variable(o, ctx, one)


def gmr_outcome(o: Outcome, ctx: Context) -> list[dict]:
    def one(var, code, d):
        g = geometric_mean_ratio(
            d[d["AVISIT"].isin(_visits(o, ctx))], code, by=_by(ctx), reference=ctx.reference
        )
        method = (
            "geometric mean ratio to baseline, t-based 95% CI on the log scale; "
            "vs reference: Welch t-test"
        )
        return _per_arm(o, code, g, ctx, method, extra=lambda r: {"n": r["n"]}), g

    return _each_variable(o, ctx, one)


def normalisation_outcome(o: Outcome, ctx: Context) -> list[dict]:
    def one(var, code, d):
        limits = NORMAL_RANGES.get(var, NormalRange(float("nan"), float("nan")))
        limits = override(limits, dict(o.definition), f"outcome {o.number}.definition")
        if pd.isna(limits.lower):
            why = f"no normal range for {var}: give definition = {{ lower = ..., upper = ... }}"
            return [not_evaluable(o, code, why)], None
        by = "ARM" if len(ctx.arms) > 1 else None
        t = normalisation(d[d["AVISIT"].isin(_visits(o, ctx))], code, limits.lower, by=by)
        method = (
            f"n/N back to >= {limits.lower:g} among those below it at baseline, "
            "Clopper-Pearson 95% CI"
        )
        rows = _per_arm(
            o,
            code,
            t.rename(columns={"proportion": "estimate"}),
            ctx,
            method,
            extra=lambda r: {"n": r["N"], "events_or_responders": r["n"]},
        )
        return rows, t

    return _each_variable(o, ctx, one)


def shift_outcome(o: Outcome, ctx: Context) -> list[dict]:
    cats = override(TitreCategories(), dict(o.definition), f"outcome {o.number}.definition")

    def one(var, code, d):
        by = "ARM" if len(ctx.arms) > 1 else None
        t = shift_table(d[d["AVISIT"].isin(_visits(o, ctx))], code, cats.cuts, cats.labels, by=by)
        row = base_row(
            o,
            code,
            n=int(d["USUBJID"].nunique()),
            method="shift table: category at baseline by category at each visit "
            f"({', '.join(cats.labels)})",
            reason=f"see table outcome_{o.number}",
        )
        return [row], t

    return _each_variable(o, ctx, one)


def responder_by_visit_outcome(o: Outcome, ctx: Context) -> list[dict]:
    rows = [row for name in o.endpoints for v in o.visits for row in responder_at(o, ctx, name, v)]
    table = pd.DataFrame([r for r in rows if r["evaluable"] and not r["comparison"]])
    if len(table):
        ctx.longitudinal[o.number] = table[
            ["PARAMCD", "visit", "arm", "n", "events_or_responders", "estimate", "lower", "upper"]
        ]
    return rows
