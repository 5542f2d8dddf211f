"""Old ``--config`` files (``[derive]``, ``[definitions]``, ``[report]``), read into a plan.

survlupus 0.1 took an analysis config; 0.2 reads the study's ``plan.toml``. A config file given
to ``--config`` (or ``--plan``) that has the old sections is converted: the generic plan of the
trial with the config's window, variants, definition overrides, title, reference arm, landmarks,
responder visit, missing rule, figures and style. The conversion is announced with the way to
keep the result (the report writes the plan it ran as ``OUT/plan.toml``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from survlupus.clinical.windows import SCHEDULES
from survlupus.plan.library import endpoint_library
from survlupus.plan.model import AnalysisPlan, Figures, PlanError
from survlupus.plan.toml import _check, _table
from survlupus.trial.model import Trial

LEGACY_SECTIONS = ("derive", "definitions", "report")
_DERIVE = {"window_days": int, "all_subjects": bool, "endpoints": list, "variants": list}
_REPORT = {
    "title": str,
    "reference_arm": str,
    "landmark_days": list,
    "visit": str,
    "schedule": str,
    "missing": str,
    "competing": str,
    "style": str,
    "trajectories": list,
    "figure_formats": list,
    "dpi": int,
}


def is_legacy(data: dict[str, Any]) -> bool:
    """True for a 0.1 config (no ``[study]``, only old sections)."""
    return "study" not in data and set(data) <= set(LEGACY_SECTIONS)


def plan_from_legacy(data: dict[str, Any], trial: Trial) -> AnalysisPlan:
    """The generic plan of ``trial`` with the old config's settings (see the module)."""
    from survlupus.plan.generic import generic_plan

    derive = _table(data.get("derive", {}), "derive", _DERIVE)
    report = _table(data.get("report", {}), "report", _REPORT)
    defs = data.get("definitions", {})
    definitions = tuple(
        (c, tuple(sorted(_table(v, f"definitions.{c}", dict.fromkeys(v, object)).items())))
        for c, v in sorted(defs.items())
    )
    variants = tuple(derive.get("variants", ()))
    endpoint_library(variants, definitions)  # checks names and overrides
    plan = generic_plan(trial)
    window = derive.get("window_days", plan.window_days())
    if window < 1:
        raise PlanError(f"derive.window_days: {window} must be at least 1")
    study = plan.study
    ref = report.get("reference_arm")
    if ref is not None:
        if ref not in study.arms:
            raise PlanError(
                f"report.reference_arm: {ref!r} is not an arm of the trial; arms: "
                + ", ".join(study.arms)
            )
        study = replace(study, design="controlled", reference_arm=ref)
    if "title" in report:
        study = replace(study, title=report["title"])
    visit = report.get("visit")
    outcomes = tuple(
        replace(
            o, visit=visit, time_frame=visit, label=o.label.rsplit(" at ", 1)[0] + f" at {visit}"
        )
        if visit and o.kind == "responder"
        else o
        for o in plan.outcomes
    )
    chosen = derive.get("endpoints")
    if chosen:
        outcomes = tuple(o for o in outcomes if o.kind != "tte" or o.endpoints[0] in chosen)
    competing = report.get("competing")
    outcomes = tuple(
        replace(o, competing=competing if o.endpoints == ("TTRFLR",) else None)
        if o.kind == "tte" and competing
        else o
        for o in outcomes
    )
    schedule = plan.schedule
    if "schedule" in report:
        if report["schedule"] not in SCHEDULES:
            raise PlanError(
                f"report.schedule: {report['schedule']!r} is not one of {', '.join(SCHEDULES)}"
            )
        schedule = SCHEDULES[report["schedule"]]
    fig = plan.figures
    figures = Figures(
        fig.kinds,
        tuple(report.get("trajectories", fig.trajectories)),
        report.get("style", fig.style),
        tuple(report.get("figure_formats", fig.formats)),
        report.get("dpi", fig.dpi),
        fig.time_unit,
    )
    for key in ("landmark_days",):
        if key in report:
            for v in report[key]:
                _check(f"report.{key}", v, int)
    return replace(
        plan,
        study=study,
        windows=(("efficacy", window),),
        outcomes=outcomes,
        schedule=schedule,
        landmark_days=tuple(report.get("landmark_days", plan.landmark_days)),
        missing=report.get("missing", plan.missing),
        variants=variants,
        all_subjects=derive.get("all_subjects", False),
        definitions=definitions,
        figures=figures,
        notes=(
            *plan.notes,
            "converted from an old-style config ([derive]/[report]); the plan it became is "
            "written as plan.toml beside the report: put it in the trial folder to keep it",
        ),
    )
