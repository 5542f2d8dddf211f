"""Handlers of the safety outcomes: adverse-event tables, time to first adverse event, and
laboratory toxicity shifts, from the ADAE and the BDS with every subject in the denominators."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from survlupus.analyse.context import Context
from survlupus.analyse.fits import fit_tte
from survlupus.analyse.outcomes import at_day, base_row, not_evaluable, tte_rows
from survlupus.derive.bds import paramcd_of
from survlupus.derive.toxicity import DEFAULT_GRADINGS, toxicity_grades
from survlupus.derive.tte.scope import follow_up
from survlupus.plan.model import Outcome
from survlupus.stats import safety as st


def _exposure(ctx: Context, o: Outcome) -> pd.DataFrame:
    return ctx.in_population(follow_up(ctx.trial), o.population)


def _adae(ctx: Context, o: Outcome) -> pd.DataFrame:
    return ctx.in_population(ctx.datasets["adae"], o.population)


def aesi_categories(ctx: Context) -> dict[str, tuple[str, Callable]]:
    """The overview categories and one per adverse event of special interest of the plan."""
    cats = dict(st.CATEGORIES)
    for a in ctx.plan.aesi:

        def select(frame, a=a):
            hit = pd.Series(False, index=frame.index)
            if a.body_system:
                hit |= frame["AEBODSYS"].str.lower() == a.body_system.lower()
            if a.terms:
                hit |= frame["AEDECOD"].str.lower().isin([t.lower() for t in a.terms])
            if a.infusion_related:
                hit |= frame["AEINFFL"] == "Y"
            return hit

        cats[a.name] = (a.label or a.name, select)
    return cats


def safety_outcome(o: Outcome, ctx: Context) -> list[dict]:
    adae, exposure = _adae(ctx, o), _exposure(ctx, o)
    rows = []
    for name in o.endpoints:
        key = f"outcome_{o.number}_{name}"
        if name == "overview":
            t = st.ae_overview(adae, exposure)
            ctx.safety[key] = t
            for r in t.to_dict("records"):
                rows.append(
                    base_row(
                        o,
                        r["category"],
                        arm=r["arm"],
                        n=r["N"],
                        events_or_responders=r["n"],
                        estimate=r["pct"] / 100,
                        method=f"{r['label']}: subjects n/N; {r['events']} events",
                    )
                )
        elif name == "rates":
            t = st.ae_rates(adae, exposure, categories=aesi_categories(ctx))
            ctx.safety[key] = t
            for r in t.to_dict("records"):
                rows.append(
                    base_row(
                        o,
                        r["category"],
                        arm=r["arm"],
                        n=r["n"],
                        estimate=r["rate_per_100py"],
                        lower=r["lower"],
                        upper=r["upper"],
                        method=f"{r['label']}: incidence per 100 patient-years "
                        f"({r['patient_years']:.1f} PY at risk), exact Poisson 95% CI",
                    )
                )
        else:
            table = {
                "terms": lambda: st.ae_by_term(adae, exposure),
                "max_grade": lambda: st.ae_by_max_grade(adae, exposure),
                "by_year": lambda: st.ae_by_year(adae, exposure),
                "serious_listing": lambda: adae[(adae["AESER"] == "Y")].drop(
                    columns=["STUDYID", "AETERM"]
                ),
            }[name]()
            ctx.safety[key] = table
            rows.append(
                base_row(
                    o,
                    name.upper()[:8],
                    n=len(exposure),
                    method=f"table {key}: {name.replace('_', ' ')}",
                )
            )
    return rows


def ae_time_outcome(o: Outcome, ctx: Context) -> list[dict]:
    cats = aesi_categories(ctx)
    wanted = {name: cats[name] for name in o.endpoints}
    frame = st.ae_time_to_first(_adae(ctx, o), _exposure(ctx, o), categories=wanted)
    ctx.datasets["adaette"] = pd.concat(
        [ctx.datasets.get("adaette", frame.iloc[:0]), frame], ignore_index=True
    ).drop_duplicates(["USUBJID", "PARAMCD"])
    rows = []
    for code in dict.fromkeys(frame["PARAMCD"]):
        key = (code, o.population, "safety")
        if key not in ctx.tte:
            ctx.tte[key] = fit_tte(
                frame,
                code,
                o.population,
                "safety",
                arms=ctx.arms,
                reference=ctx.reference,
                firth_below=ctx.plan.firth_below,
            )
        rows += tte_rows(o, ctx.tte[key], at_day(o, ctx.plan), ctx.arms)
    return rows


def lab_toxicity_outcome(o: Outcome, ctx: Context) -> list[dict]:
    rows, parts = [], []
    bds = ctx.in_population(ctx.datasets["adbds"], o.population)
    for var in o.endpoints:
        code = paramcd_of(var)
        if var not in DEFAULT_GRADINGS:
            rows.append(
                not_evaluable(
                    o, code, f"no CTCAE grading for {var}; graded: " + ", ".join(DEFAULT_GRADINGS)
                )
            )
            continue
        graded = toxicity_grades(bds[bds["PARAMCD"] == code], {var: DEFAULT_GRADINGS[var]})
        if graded.empty:
            rows.append(not_evaluable(o, code, f"no {var} in the population"))
            continue
        shift = st.toxicity_shift(graded)
        parts.append(shift)
        worse = shift[(shift["arm"] != st.TOTAL)]
        for arm, part in worse.groupby("arm", sort=False):
            n_worse = int(
                sum(
                    part.loc[part["baseline_grade"] == b, [f"worst {g}" for g in range(b + 1, 5)]]
                    .to_numpy()
                    .sum()
                    for b in range(5)
                )
            )
            big_n = int(part["N"].sum())
            rows.append(
                base_row(
                    o,
                    code,
                    arm=arm,
                    n=big_n,
                    events_or_responders=n_worse,
                    estimate=n_worse / big_n if big_n else float("nan"),
                    method=f"{DEFAULT_GRADINGS[var].term} (CTCAE v5.0): subjects "
                    "whose worst post-baseline grade is above the baseline grade",
                )
            )
    if parts:
        ctx.safety[f"outcome_{o.number}_toxicity"] = pd.concat(parts, ignore_index=True)
    return rows
