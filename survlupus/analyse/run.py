"""``analyse(trial, plan) -> Results``: every dataset derived once, every fit made once.

Steps, in order: resolve the plan (the argument, else the trial folder's ``plan.toml``, else the
generic plan); check the plan's arms against the data; derive ADTTE for each analysis window the
outcomes use, the flare episodes, one responder dataset (ADRS) with every responder rule of the
plan at its visit, and the changes from baseline of every variable at every visit the plan names;
then fit each (parameter, population, window) once and build ``Results.outcomes`` from the fits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from survlupus.analyse.fits import TTEFit, fit_tte, with_competing
from survlupus.analyse.outcomes import (
    at_day,
    change_rows,
    not_evaluable,
    outcome_frame,
    responder_rows,
    tte_rows,
)
from survlupus.analyse.results import Results
from survlupus.derive.change import change_from_baseline, summarise_change
from survlupus.derive.responders import derive_responders
from survlupus.derive.tte.adtte import derive_adtte
from survlupus.derive.tte.episodes import derive_episodes
from survlupus.plan.generic import generic_plan
from survlupus.plan.library import SUBGROUP_OF, plan_endpoints, responder_rule
from survlupus.plan.model import AnalysisPlan, PlanError
from survlupus.plan.toml import load_plan
from survlupus.trial.model import Trial


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


def _in_population(frame: pd.DataFrame, plan: AnalysisPlan, name: str) -> pd.DataFrame:
    sub = plan.population(name).subgroup
    return frame if sub is None else frame[frame["SUBGROUP"] == sub]


def analyse(
    trial: Trial,
    plan: AnalysisPlan | str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Results:
    """Analyse ``trial`` by ``plan`` (see the module docstring).

    >>> results = survlupus.analyse(survlupus.read_trial("data/synthetic/musc"))  # doctest: +SKIP
    >>> results.outcomes[results.outcomes.primary]                                # doctest: +SKIP
    """
    say = progress or (lambda msg: None)
    plan = resolve_plan(trial, plan)
    arms = _arms(trial, plan)
    ref = plan.study.reference_arm if plan.controlled else None
    endpoints = plan_endpoints(plan)
    say(f"deriving datasets ({len(endpoints)} time-to-event parameters, responders, changes)")
    windows = [
        "efficacy",
        *sorted({o.window for o in plan.outcomes if o.kind == "tte"} - {"efficacy"}),
    ]
    adtte = {
        w: derive_adtte(
            trial, endpoints, window_days=plan.window_days(w), all_subjects=plan.all_subjects
        )
        for w in windows
    }
    episodes = derive_episodes(
        trial, window_days=plan.window_days(), all_subjects=plan.all_subjects
    )
    rules = {}
    for i, o in enumerate(plan.outcomes):
        if o.kind == "responder":
            for name in o.endpoints:
                rule = responder_rule(o, name, f"outcomes[{i}]")
                rules.setdefault(rule.paramcd, (name, rule))
    adrs = (
        derive_responders(
            trial, [r for _, r in rules.values()], schedule=plan.schedule, missing=plan.missing
        )
        if rules
        else pd.DataFrame(columns=["PARAMCD", "ELIGFL", "ARM", "SUBGROUP"])
    )
    variables = list(
        dict.fromkeys(
            v for o in plan.outcomes if o.kind == "change" for v in o.endpoints if v in trial.visits
        )
    )
    visits = list(
        dict.fromkeys(
            v
            for o in plan.outcomes
            if o.kind == "change"
            for v in o.visits
            if v in plan.visit_labels()
        )
    )
    changes = (
        change_from_baseline(trial, variables, visits, schedule=plan.schedule)
        if variables and visits
        else None
    )

    say(f"analysing {len(plan.outcomes)} outcome measures")
    fits: dict[tuple[str, str, str], TTEFit] = {}
    responder_summaries: dict[tuple[str, str], pd.DataFrame] = {}
    change_summaries: dict[int, pd.DataFrame] = {}
    rows: list[dict] = []
    labels = plan.visit_labels()
    for o in plan.outcomes:
        if o.kind == "tte":
            data = _in_population(adtte[o.window], plan, o.population)
            for code in o.endpoints:
                key = (code, o.population, o.window)
                if key not in fits:
                    fits[key] = fit_tte(
                        data,
                        code,
                        o.population,
                        o.window,
                        arms=arms,
                        reference=ref,
                        firth_below=plan.firth_below,
                        strata=o.strata,
                    )
                elif fits[key].strata != o.strata:
                    raise PlanError(
                        f"outcome {o.number}: {code} in {o.population} is already tested "
                        f"stratified by {fits[key].strata!r}; one stratification per parameter"
                    )
                if o.competing:
                    fits[key] = with_competing(fits[key], data, o.competing)
                rows += tte_rows(o, fits[key], at_day(o, plan), arms)
        elif o.kind == "responder":
            for name in o.endpoints:
                rule = responder_rule(o, name, f"outcome {o.number}")
                code = rule.paramcd
                visit = getattr(rule, "visit", o.visit)
                if not code.startswith("STER") and visit not in labels:
                    rows.append(
                        not_evaluable(
                            o,
                            code,
                            f"visit {visit} is not in the plan's schedule"
                            + (
                                f" ({', '.join(labels)})"
                                if labels
                                else " (the plan has no schedule)"
                            ),
                            visit,
                        )
                    )
                    continue
                pop = plan.population(o.population).subgroup
                if name in SUBGROUP_OF and pop not in (None, SUBGROUP_OF[name]):
                    rows.append(
                        not_evaluable(
                            o,
                            code,
                            f"{name} is defined for the {SUBGROUP_OF[name]} subgroup only",
                            visit,
                        )
                    )
                    continue
                new, summ = responder_rows(
                    o, code, _in_population(adrs, plan, o.population), arms, ref
                )
                rows += new
                if summ is not None:
                    responder_summaries[(code, o.population)] = summ
        else:
            summary = pd.DataFrame(columns=["ARM", "PARAMCD", "AVISIT", "n"])
            if changes is not None:
                summary = summarise_change(_in_population(changes, plan, o.population))
                change_summaries[o.number] = summary
            rows += change_rows(o, summary, arms, labels, trial.visits.columns)
    return Results(
        trial=trial,
        plan=plan,
        arms=tuple(arms),
        datasets={
            "adtte": adtte["efficacy"],
            **{f"adtte_{w}": adtte[w] for w in windows[1:]},
            "adepisodes": episodes,
            "adrs": adrs,
            **({"adchange": changes} if changes is not None else {}),
        },
        tte=fits,
        responders=responder_summaries,
        changes=change_summaries,
        outcomes=outcome_frame(rows),
    )
