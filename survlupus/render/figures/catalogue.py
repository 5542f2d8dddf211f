"""Every figure of a report, drawn from a :class:`survlupus.Results` (nothing is fitted here).

:func:`figure_specs` lists what the plan asks for (name, kind, key, caption); :func:`draw` draws
one, sized for the page. The report saves each drawn figure in every format;
``Results.figure(kind, key)`` calls :func:`draw`, so a notebook shows the page's figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from survlupus.analyse.forest import endpoint_words
from survlupus.analyse.outcomes import at_day
from survlupus.derive.bds import PARAMETERS, variable_of
from survlupus.plan.library import event_is_good
from survlupus.render.figures.adverse import plot_ae_dots
from survlupus.render.figures.forest import plot_forest
from survlupus.render.figures.km import km_annotation, plot_cif, plot_km
from survlupus.render.figures.layout import fit_to_figure
from survlupus.render.figures.longitudinal import (
    plot_lsmeans,
    plot_lsmeans_panel,
    plot_responders_by_visit,
)
from survlupus.render.figures.style import width_inches
from survlupus.render.figures.swimmer import plot_swimmer
from survlupus.render.figures.trajectories import plot_trajectory
from survlupus.textsafe import slug

KINDS = (
    "ae_dots",
    "km",
    "cif",
    "forest",
    "forest_subgroups",
    "lsmeans",
    "lsmeans_panel",
    "responders",
    "swimmer",
    "trajectory",
    "trajectory_mean",
)


@dataclass(frozen=True)
class FigureSpec:
    name: str
    kind: str
    key: str | None
    caption: str


def _fit_key(key: str) -> tuple[str, str]:
    code, _, pop = key.partition("@")
    return code, pop or "all"


def _find_fit(results, key: str):
    code, pop = _fit_key(key)
    for window in ("efficacy", "safety", *(w for w, _ in results.plan.windows)):
        if (code, pop, window) in results.tte:
            return results.tte[(code, pop, window)]
    return results.fit(code, pop)


def _has_variable(trial, var: str) -> bool:
    return var == "pred_eq_mg_day" or (var in trial.visits and trial.visits[var].notna().any())


def figure_specs(results) -> list[FigureSpec]:
    """The figures the plan asks for, in page order."""
    plan, kinds, specs = results.plan, results.plan.figures.kinds, []
    for (code, pop, window), fit in results.tte.items():
        if window not in ("efficacy", "safety") or fit.data.empty:
            continue
        if window == "safety" and "ae" not in kinds:
            continue
        key = code if pop == "all" else f"{code}@{pop}"
        name = slug(key.replace("@", "_"))
        where = "" if pop == "all" else f" ({plan.population(pop).label or pop})"
        if "km" in kinds:
            specs.append(FigureSpec(f"km_{name}", "km", key, f"Kaplan-Meier: {fit.param}{where}"))
        if "cif" in kinds and fit.cif is not None:
            specs.append(
                FigureSpec(
                    f"cif_{name}",
                    "cif",
                    key,
                    f"Cumulative incidence of {fit.paramcd} with {fit.competing} competing "
                    f"(Aalen-Johansen){where}",
                )
            )
    if "forest" in kinds and plan.controlled and len(results.forest()):
        ref = plan.study.reference_arm
        specs.append(FigureSpec("forest_hr", "forest", None, f"Hazard ratios vs {ref}"))
        primary = _primary_tte(plan)
        if primary:
            specs.append(
                FigureSpec(
                    f"forest_subgroups_{slug(primary)}",
                    "forest_subgroups",
                    primary,
                    f"{_param_words(results, primary)}: hazard ratio vs {ref} within subgroups, "
                    "with the p-value of each subgroup's interaction with the arm",
                )
            )
    if "lsmeans" in kinds:
        specs += _lsmeans_specs(results)
    if "ae" in kinds:
        for name in results.safety:
            if name.endswith("_terms"):
                number = name.split("_")[1]
                specs.append(
                    FigureSpec(
                        f"ae_dots_{number}",
                        "ae_dots",
                        number,
                        "Adverse events by preferred term: incidence per arm"
                        + (
                            " and risk difference vs the reference"
                            if results.plan.controlled
                            else ""
                        ),
                    )
                )
    if "responders" in kinds:
        for o in plan.outcomes:
            if o.kind == "responder_by_visit" and o.number in results.longitudinal:
                specs.append(
                    FigureSpec(
                        f"responders_{o.number}",
                        "responders",
                        str(o.number),
                        f"Outcome {o.number}: {o.label} (Clopper-Pearson 95% CI)",
                    )
                )
    if "swimmer" in kinds:
        specs.append(
            FigureSpec(
                "swimmer",
                "swimmer",
                None,
                "Each subject's course: infusions, flares, remission, rescue, dialysis, death, "
                "withdrawal",
            )
        )
    if "trajectories" in kinds:
        for var in plan.figures.trajectories:
            if _has_variable(results.trial, var):
                specs.append(
                    FigureSpec(
                        f"trajectory_{slug(var)}",
                        "trajectory",
                        var,
                        f"{_var_words(var)}: each subject",
                    )
                )
                specs.append(
                    FigureSpec(
                        f"trajectory_{slug(var)}_mean",
                        "trajectory_mean",
                        var,
                        f"{_var_words(var)}: mean (95% CI), or median (IQR) for a skewed "
                        "measure, per arm and visit",
                    )
                )
    return specs


def _var_words(var: str) -> str:
    from survlupus.render.figures.trajectories import LABELS

    return LABELS.get(var, var)


def _primary_tte(plan) -> str | None:
    tte = [o for o in plan.outcomes if o.kind == "tte" and o.population == "all"]
    if not tte:
        return None
    return next((o for o in tte if o.primary), tte[0]).endpoints[0]


def _param_label(code: str) -> str:
    var = variable_of(code)
    return PARAMETERS[var][1] if var else code


def _lsmeans_specs(results) -> list[FigureSpec]:
    specs = []
    for code, pop in results.mmrm:
        key = code if pop == "all" else f"{code}@{pop}"
        specs.append(
            FigureSpec(
                f"lsmeans_{slug(key.replace('@', '_'))}",
                "lsmeans",
                key,
                f"LS mean change from baseline (95% CI), MMRM: {_param_label(code)}",
            )
        )
    if sum(pop == "all" for _, pop in results.mmrm) > 1:
        specs.append(
            FigureSpec(
                "lsmeans_panel",
                "lsmeans_panel",
                None,
                "LS mean change from baseline (95% CI) of every MMRM parameter",
            )
        )
    return specs


def _mmrm_fit(results, key: str):
    code, pop = _fit_key(key)
    if (code, pop) not in results.mmrm:
        known = ", ".join(c if p == "all" else f"{c}@{p}" for c, p in results.mmrm)
        raise ValueError(f"no MMRM of {key}; the plan fitted: {known or 'none'}")
    return results.mmrm[(code, pop)]


def _required_days(results, fit) -> tuple[int, ...]:
    """Study days a time axis must show: the outcome's time point, then the window's end."""
    plan = results.plan
    days = [
        at_day(o, plan)
        for o in plan.outcomes
        if o.kind == "tte" and fit.paramcd in o.endpoints and o.window == fit.window
    ]
    window = plan.window_days(fit.window) if fit.window in dict(plan.windows) else None
    return tuple(dict.fromkeys([*days, *([window] if window else [])]))


FOREST_COLUMNS = ("estimate", "events")


def _param_name(results, code: str) -> str | None:
    """The ADTTE's PARAM of ``code`` (None when the ADTTE has no such parameter)."""
    adtte = results.datasets["adtte"]
    names = adtte.loc[adtte["PARAMCD"] == code, "PARAM"]
    return str(names.iloc[0]) if len(names) else None


def _param_words(results, code: str) -> str:
    name = _param_name(results, code)
    return endpoint_words(name) if name else code


def _competing_words(results, code: str) -> str:
    """``death`` for TTDTH: the competing parameter's name without "Time to" and the unit."""
    name = _param_name(results, code)
    return name.removeprefix("Time to ").removesuffix(" (days)") if name else code


def _n_risk_lines(fit, n_stats: int) -> int:
    groups = len(fit.km.groups)
    return n_stats * (groups + 1) if groups > 1 else n_stats


def _fine_gray_annotation(fit) -> str | None:
    if fit.fine_gray is None:
        return None
    tab = fit.fine_gray.table
    lines = [f"Subdistribution HR vs {fit.reference}", "(95% CI), Fine-Gray:"]
    for r in tab.dropna(subset=["coef"]).itertuples():
        lines.append(
            f"  {r.term.split('[', 1)[-1].rstrip(']')} {r.shr:.2f} ({r.lower:.2f}-{r.upper:.2f})"
        )
    return "\n".join(lines)


def draw(results, kind: str, key: str | None = None):
    """Draw one figure of ``results`` at its page size, its content fitted inside that size
    (the width is the journal column's); returns the matplotlib figure."""
    return fit_to_figure(_draw(results, kind, key))


def _draw(results, kind: str, key: str | None):
    if kind not in KINDS:
        raise ValueError(f"unknown figure kind {kind!r}; known: {', '.join(KINDS)}")
    unit = results.plan.figures.time_unit
    if kind in ("km", "cif"):
        if key is None:
            raise ValueError(f"{kind} needs a key: a PARAMCD, e.g. 'TTSFLR'")
        fit = _find_fit(results, key)
        required = _required_days(results, fit)
        if kind == "cif":
            if fit.cif is None:
                raise ValueError(f"{key}: the plan names no competing event for it")
            fig, _ = plot_cif(
                fit.cif,
                title=f"{fit.param.removesuffix(' (days)')}; competing: "
                + _competing_words(results, fit.competing),
                time_unit=unit,
                required_days=required,
                annotation=_fine_gray_annotation(fit),
            )
            fig.set_size_inches(width_inches("double"), 2.9 + 0.125 * _n_risk_lines(fit, 4))
            return fig
        ann = None
        if fit.logrank is not None:
            ann = km_annotation(
                fit.logrank,
                fit.cox if fit.cox is not None and (fit.firth or not fit.cox.notes) else None,
                fit.reference,
            )
        good = event_is_good(fit.paramcd, results.plan)
        fig, _ = plot_km(
            fit.km,
            cumulative=good,
            annotation=ann,
            title=fit.param,
            time_unit=unit,
            required_days=required,
            ylabel="Cumulative probability of the event" if good else None,
        )
        fig.set_size_inches(width_inches("double"), 2.9 + 0.125 * _n_risk_lines(fit, 3))
        return fig
    if kind == "forest":
        tab = results.forest()
        if tab.empty:
            raise ValueError(
                "no hazard ratio to show: the plan has no controlled comparison with events"
            )
        fig, _ = plot_forest(
            tab, favours=("treatment", results.plan.study.reference_arm), columns=FOREST_COLUMNS
        )
        fig.set_size_inches(width_inches("double"), 0.2 * (len(tab) + 4) + 0.9)
        return fig
    if kind == "forest_subgroups":
        tab = results.subgroup_forest(key)
        code = key or str(tab.attrs.get("PARAMCD", ""))
        fig, axes = plot_forest(
            tab,
            favours=("treatment", results.plan.study.reference_arm),
            columns=(*FOREST_COLUMNS, "p_interaction"),
        )
        axes.set_title(
            f"{_param_words(results, code)}: hazard ratio vs {results.plan.study.reference_arm} "
            "within subgroups",
            loc="left",
            fontsize="medium",
            pad=14,
        )
        fig.set_size_inches(width_inches("double"), 0.2 * (len(tab) + 4) + 0.9)
        return fig
    if kind == "lsmeans":
        fit = _mmrm_fit(results, key or "")
        fig, _ = plot_lsmeans(
            fit.lsmeans, title=_param_label(fit.paramcd), ylabel="LS mean change (95% CI)"
        )
        fig.set_size_inches(width_inches("double"), 3.0)
        return fig
    if kind == "lsmeans_panel":
        panels = [(_param_label(c), f.lsmeans) for (c, p), f in results.mmrm.items() if p == "all"]
        if not panels:
            raise ValueError("no MMRM in the whole population to show")
        fig, _ = plot_lsmeans_panel(panels)
        fig.set_size_inches(width_inches("double"), 2.2 * ((len(panels) + 1) // 2) + 0.6)
        return fig
    if kind == "ae_dots":
        terms = results.safety.get(f"outcome_{key}_terms")
        if terms is None:
            raise ValueError(
                f"ae_dots needs the number of a safety outcome with terms, not {key!r}"
            )
        fig, _ = plot_ae_dots(terms, results.safety.get(f"outcome_{key}_differences"))
        fig.set_size_inches(width_inches("double"), fig.get_size_inches()[1])
        return fig
    if kind == "responders":
        table = results.longitudinal.get(int(key)) if key and key.isdigit() else None
        if table is None:
            raise ValueError(
                f"responders needs the number of a responder-by-visit outcome, not {key!r}"
            )
        fig, _ = plot_responders_by_visit(table, title=str(table["PARAMCD"].iloc[0]).split("_")[0])
        fig.set_size_inches(width_inches("double"), 3.0)
        return fig
    trial = results.trial
    if kind == "swimmer":
        fig, _ = plot_swimmer(
            trial,
            results.datasets["adepisodes"],
            results.datasets["adtte"],
            color_by="arm" if len(results.arms) > 1 else "subgroup",
        )
        # the height plot_swimmer chose for the lanes it drew (a sample above 200 subjects)
        fig.set_size_inches(width_inches("double"), fig.get_size_inches()[1])
        return fig
    if key is None or not _has_variable(trial, key):
        raise ValueError(f"{kind} needs a visit variable the trial records, not {key!r}")
    fig, axes = plot_trajectory(
        trial,
        key,
        kind="spaghetti" if kind == "trajectory" else "summary",
        time_unit=unit,
        schedule=list(results.plan.schedule) or None,
    )
    panels = len(axes) if isinstance(axes, list) else 1
    fig.set_size_inches(width_inches("double" if panels > 1 else "single"), 2.8)
    return fig
