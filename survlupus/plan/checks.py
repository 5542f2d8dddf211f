"""The plan's checks across its parts, after each part was read: landmarks and time points
within their windows, outcome numbers unique, populations, visits and endpoints that exist,
definition overrides that fit (each a :class:`PlanError` naming the key)."""

from __future__ import annotations

from survlupus.plan.model import SAFETY_TABLES, AnalysisPlan, PlanError


def _choice(where: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PlanError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return value


def check_plan(plan: AnalysisPlan) -> None:
    """Raise a :class:`PlanError` at the first cross-part inconsistency of ``plan``."""
    from survlupus.plan.library import (
        NormalRange,
        TitreCategories,
        endpoint_library,
        override,
        responder_rule,
    )

    windows = dict(plan.windows)
    if plan.firth_below < 0:
        raise PlanError(f"analysis.firth_below: {plan.firth_below} is below 0")
    efficacy = windows["efficacy"]
    for i, day in enumerate(plan.landmark_days):
        if day > efficacy:
            raise PlanError(
                f"analysis.landmark_days[{i}]: day {day} is beyond the efficacy window "
                f"({efficacy} days): nobody is followed that long"
            )
    library = endpoint_library(plan.variants, plan.definitions)  # checks variants and overrides
    numbers = [o.number for o in plan.outcomes]
    for i, o in enumerate(plan.outcomes):
        where = f"outcomes[{i}]"
        if o.number in numbers[:i]:
            raise PlanError(f"{where}.number: {o.number} is used twice")
        plan.population(o.population)
        if o.window not in windows:
            raise PlanError(f"{where}.window: {o.window!r} is not one of {', '.join(windows)}")
        labels = plan.visit_labels()
        for v in (o.visit, *o.visits):
            if v and labels and v not in labels:
                raise PlanError(
                    f"{where}.visit: {v!r} is not in the schedule ({', '.join(labels)})"
                )
        if o.at_day is not None and not 1 <= o.at_day <= windows[o.window]:
            raise PlanError(
                f"{where}.at_day: day {o.at_day} is outside the {o.window} window "
                f"(1-{windows[o.window]} days)"
            )
        if o.kind == "tte":
            for code in (*o.endpoints, *([o.competing] if o.competing else [])):
                if code not in library:
                    raise PlanError(
                        f"{where}.endpoints: unknown PARAMCD {code!r}; known: " + ", ".join(library)
                    )
        if o.kind in ("responder", "responder_by_visit"):
            for name in o.endpoints:
                responder_rule(o, name, where)
        if o.kind == "safety":
            for name in o.endpoints:
                _choice(f"{where}.endpoints", name, SAFETY_TABLES)
        if o.kind == "ae_time":
            known = ("any", "serious", "related", *(a.name for a in plan.aesi))
            for name in o.endpoints:
                _choice(f"{where}.endpoints", name, known)
        if o.kind in ("normalisation", "shift") and o.definition:
            base = TitreCategories() if o.kind == "shift" else NormalRange(0.0, 0.0)
            override(base, dict(o.definition), f"{where}.definition")
