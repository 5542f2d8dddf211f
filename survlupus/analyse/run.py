"""``analyse(trial, plan) -> Results``: every dataset derived once, every fit made once.

Steps, in order: resolve the plan (the argument, else the trial folder's ``plan.toml``, else the
generic plan); check the plan's arms against the data; derive ADTTE for each analysis window the
outcomes use, the flare episodes, one responder dataset (ADRS) with every responder rule of the
plan at its visit(s), and the BDS of every visit measure the plan names; then analyse each
outcome with the handler of its kind (:data:`HANDLERS`), fitting each (parameter, population)
once, and build ``Results.outcomes`` from the fits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from survlupus.analyse import longitudinal as lg
from survlupus.analyse import safety as sf
from survlupus.analyse.context import Context
from survlupus.analyse.efficacy import responder_outcome, responder_rules, tte_outcome
from survlupus.analyse.outcomes import outcome_frame
from survlupus.analyse.results import Results
from survlupus.derive.adae import derive_adae
from survlupus.derive.adsl import derive_adsl
from survlupus.derive.bds import BDS_COLUMNS, derive_bds
from survlupus.derive.responders import RESPONDER_COLUMNS, derive_responders
from survlupus.derive.tte.adtte import derive_adtte
from survlupus.derive.tte.episodes import derive_episodes
from survlupus.plan.generic import generic_plan
from survlupus.plan.library import plan_endpoints
from survlupus.plan.model import AnalysisPlan, PlanError
from survlupus.plan.toml import load_plan
from survlupus.trial.model import Trial

HANDLERS = {
    "tte": tte_outcome,
    "responder": responder_outcome,
    "responder_by_visit": lg.responder_by_visit_outcome,
    "change": lg.change_outcome,
    "mmrm": lg.mmrm_outcome,
    "slope": lg.slope_outcome,
    "gmr": lg.gmr_outcome,
    "normalisation": lg.normalisation_outcome,
    "shift": lg.shift_outcome,
    "safety": sf.safety_outcome,
    "ae_time": sf.ae_time_outcome,
    "lab_toxicity": sf.lab_toxicity_outcome,
}
"""Outcome kind → the handler that analyses it and returns its rows."""

VISIT_MEASURES = ("change", "mmrm", "slope", "gmr", "normalisation", "shift", "lab_toxicity")
"""Outcome kinds on visit measures, analysed on the BDS."""


def resolve_plan(trial: Trial, plan: AnalysisPlan | str | Path | None) -> AnalysisPlan:
    """The plan to run: the argument (a plan or a path), else ``plan.toml`` beside the data,
    else :func:`generic_plan`."""
    if isinstance(plan, AnalysisPlan):
        return plan
    if plan is not None:
        return load_plan(plan)
    folder = Path(str(trial.source)) if trial.source else None
    if folder is not None and (folder / "plan.toml").is_file():
        return load_plan(folder / "plan.toml")
    return generic_plan(trial)


def _arms(trial: Trial, plan: AnalysisPlan) -> list[str]:
    data = sorted(trial.subjects["arm"].astype(str).unique())
    if not plan.study.arms:
        arms = data
    else:
        arms = list(plan.study.arms)
        extra = [a for a in data if a not in arms]
        absent = [a for a in arms if a not in data]
        if extra or absent:
            raise PlanError(
                "study.arms: the plan's arms "
                + ", ".join(map(repr, arms))
                + " do not match subjects.arm "
                + ", ".join(map(repr, data))
                + (f" (not in the plan: {', '.join(extra)})" if extra else "")
                + (f" (no subject: {', '.join(absent)})" if absent else "")
                + "; correct the plan's [study] arms"
            )
    ref = plan.study.reference_arm
    if ref is not None and ref not in data:
        raise PlanError(
            f"study.reference_arm: {ref!r} is not an arm of the trial; arms: {', '.join(data)}"
        )
    return arms


def analyse(
    trial: Trial,
    plan: AnalysisPlan | str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Results:
    """Analyse ``trial`` by its plan: every dataset derived and every model fitted once.

    Parameters
    ----------
    trial : Trial
    plan : AnalysisPlan, path or None
        The plan (``docs/plan.md``); a path to a ``plan.toml``; None: the trial folder's
        ``plan.toml``, else a generic plan inferred from the data (said in ``plan.notes``).
    progress : callable, optional
        Called with a line of text at each step.

    Returns
    -------
    Results
        ``outcomes`` (one tidy row per outcome, endpoint, arm and comparison, with the method and
        the reason when not evaluable), ``datasets`` (ADTTE, ADRS, BDS, ADAE, episodes), the fits
        (``fit(paramcd, population)``, ``mmrm``), ``table(name)`` and ``figure(kind, key)``.

    Raises
    ------
    PlanError
        A plan that does not fit the data (arms, populations, visits), naming the key.

    Examples
    --------
    >>> results = survlupus.analyse(survlupus.read_trial("data/synthetic/musc"))
    >>> results.outcomes["number"].nunique(), results.plan.study.reference_arm
    (19, 'Placebo')
    """
    say = progress or (lambda msg: None)
    plan = resolve_plan(trial, plan)
    arms = _arms(trial, plan)
    endpoints = plan_endpoints(plan)
    say(f"deriving datasets ({len(endpoints)} time-to-event parameters, responders, BDS)")
    windows = [
        "efficacy",
        *sorted({o.window for o in plan.outcomes if o.kind == "tte"} - {"efficacy"}),
    ]
    datasets = {"adsl": derive_adsl(trial, plan)}
    datasets |= {
        f"adtte_{w}": derive_adtte(
            trial, endpoints, window_days=plan.window_days(w), all_subjects=plan.all_subjects
        )
        for w in windows
    }
    datasets["adtte"] = datasets.pop("adtte_efficacy")  # the main ADTTE keeps its plain name
    datasets["adepisodes"] = derive_episodes(
        trial, window_days=plan.window_days(), all_subjects=plan.all_subjects
    )
    rules = responder_rules(plan)
    datasets["adrs"] = (
        derive_responders(trial, rules, schedule=plan.schedule, missing=plan.missing)
        if rules
        else pd.DataFrame(columns=RESPONDER_COLUMNS)
    )
    variables = list(
        dict.fromkeys(
            v
            for o in plan.outcomes
            if o.kind in VISIT_MEASURES
            for v in o.endpoints
            if v in trial.visits
        )
    )
    datasets["adbds"] = (
        derive_bds(trial, variables, plan) if variables else pd.DataFrame(columns=BDS_COLUMNS)
    )
    datasets["adae"] = derive_adae(trial, plan)
    ref = plan.study.reference_arm if plan.controlled else None
    ctx = Context(trial, plan, arms, ref, datasets)
    say(f"analysing {len(plan.outcomes)} outcome measures")
    rows: list[dict] = []
    for o in plan.outcomes:
        rows += HANDLERS[o.kind](o, ctx)
    return Results(
        trial=trial,
        plan=plan,
        arms=tuple(arms),
        datasets=datasets,
        tte=ctx.tte,
        responders=ctx.responders,
        changes=ctx.changes,
        outcomes=outcome_frame(rows),
        mmrm=ctx.mmrm,
        longitudinal=ctx.longitudinal,
        safety=ctx.safety,
    )
