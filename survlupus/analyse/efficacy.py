"""Handlers of the time-to-event and responder outcomes: each fits (once per parameter and
population) and returns the outcome's rows."""

from __future__ import annotations

from dataclasses import replace

from survlupus.analyse.context import Context
from survlupus.analyse.fits import fit_tte, with_competing
from survlupus.analyse.outcomes import at_day, not_evaluable, responder_rows, tte_rows
from survlupus.derive.responders import SteroidTaper
from survlupus.plan.library import SUBGROUP_OF, responder_rule
from survlupus.plan.model import Outcome, PlanError


def tte_outcome(o: Outcome, ctx: Context) -> list[dict]:
    data = ctx.in_population(ctx.adtte(o.window), o.population)
    rows = []
    for code in o.endpoints:
        if not (data["PARAMCD"] == code).any():  # nobody to analyse: said, never a 0 %
            rows.append(
                not_evaluable(
                    o,
                    code,
                    f"no subject of population {o.population!r} has {code} (the population is "
                    "empty, or the definition's scope excludes it)",
                )
            )
            continue
        key = (code, o.population, o.window)
        if key not in ctx.tte:
            ctx.tte[key] = fit_tte(
                data,
                code,
                o.population,
                o.window,
                arms=ctx.arms,
                reference=ctx.reference,
                firth_below=ctx.plan.firth_below,
                strata=o.strata,
            )
        elif ctx.tte[key].strata != o.strata:
            raise PlanError(
                f"outcome {o.number}: {code} in {o.population} is already tested stratified by "
                f"{ctx.tte[key].strata!r}; one stratification per parameter"
            )
        if o.competing:
            ctx.tte[key] = with_competing(ctx.tte[key], data, o.competing)
        rows += tte_rows(o, ctx.tte[key], at_day(o, ctx.plan), ctx.arms)
    return rows


def responder_at(o: Outcome, ctx: Context, name: str, visit: str | None) -> list[dict]:
    """The rows of responder rule ``name`` at ``visit`` (None: the outcome's)."""
    rule = responder_rule(o if visit is None else _at(o, visit), name, f"outcome {o.number}")
    code = rule.paramcd
    at = getattr(rule, "visit", o.visit)
    if not isinstance(rule, SteroidTaper) and (why := ctx.visit_missing(at)):
        return [not_evaluable(o, code, why, at)]
    pop = ctx.plan.population(o.population).subgroup
    if name in SUBGROUP_OF and pop not in (None, SUBGROUP_OF[name]):
        why = f"{name} is defined for the {SUBGROUP_OF[name]} subgroup only"
        return [not_evaluable(o, code, why, at)]
    adrs = ctx.in_population(ctx.datasets["adrs"], o.population)
    rows, summary = responder_rows(o, code, adrs, ctx.arms, ctx.reference)
    if summary is not None:
        ctx.responders[(code, o.population)] = summary
    return rows


def _at(o: Outcome, visit: str) -> Outcome:
    return replace(o, visit=visit)


def responder_outcome(o: Outcome, ctx: Context) -> list[dict]:
    return [row for name in o.endpoints for row in responder_at(o, ctx, name, None)]


def responder_rules(plan) -> list:
    """Every responder rule the plan evaluates (each visit of a by-visit outcome), once."""
    rules = {}
    for i, o in enumerate(plan.outcomes):
        visits = [None] if o.kind == "responder" else list(o.visits)
        if o.kind not in ("responder", "responder_by_visit"):
            continue
        for name in o.endpoints:
            for v in visits:
                rule = responder_rule(o if v is None else _at(o, v), name, f"outcomes[{i}]")
                rules.setdefault(rule.paramcd, rule)
    return list(rules.values())
