"""The rows of ``Results.outcomes``: one per outcome measure × endpoint × arm (× visit for
changes from baseline), and one per comparison against the reference arm, all from fits made once.

Columns: ``number, outcome, primary, population, time_frame, kind, PARAMCD, visit, arm,
comparison, n, events_or_responders, estimate, lower, upper, p_value, method, median,
median_lower, median_upper, evaluable, reason``.

* time to event, per arm: ``estimate`` = Kaplan-Meier probability of the event by ``at_day``
  (1 - S, log-log CI), the median (with CI) in the ``median`` columns; per comparison: the hazard
  ratio vs the reference (Cox, Efron; or Firth) and the pairwise log-rank p (stratified where the
  outcome names ``strata``); the difference in restricted mean event-free time to the same day;
  with a competing event the Fine-Gray subdistribution HR; with three or more arms also the
  global log-rank test;
* responder, per arm: responders / N, Clopper-Pearson CI; per comparison: difference in
  proportions (Newcombe hybrid score CI) and Fisher's exact p (CMH with ``strata``);
* change from baseline, per arm and visit: n and mean change with its t-based 95 % CI.

An outcome that cannot be assessed (no subject in the population, a visit the schedule does not
have, a rule whose variables the data do not record) is one row with ``evaluable`` False and the
reason, never a 0 %.
"""

from __future__ import annotations

import pandas as pd

from survlupus.analyse.fits import TTEFit
from survlupus.plan.model import AnalysisPlan, Outcome
from survlupus.stats.proportions import responder_summary
from survlupus.stats.rmst import rmst

OUTCOME_COLUMNS = [
    "number",
    "outcome",
    "primary",
    "population",
    "time_frame",
    "kind",
    "PARAMCD",
    "visit",
    "arm",
    "comparison",
    "n",
    "events_or_responders",
    "estimate",
    "lower",
    "upper",
    "p_value",
    "method",
    "median",
    "median_lower",
    "median_upper",
    "evaluable",
    "reason",
]


def base_row(o: Outcome, paramcd: str, **extra) -> dict:
    """A row of ``Results.outcomes`` for outcome ``o`` with ``extra`` columns set."""
    return {
        "number": o.number,
        "outcome": o.label,
        "primary": o.primary,
        "population": o.population,
        "time_frame": o.time_frame,
        "kind": o.kind,
        "PARAMCD": paramcd,
        "visit": "",
        "arm": "",
        "comparison": "",
        "evaluable": True,
        "reason": "",
        **extra,
    }


def not_evaluable(o: Outcome, paramcd: str, reason: str, visit: str = "") -> dict:
    return base_row(o, paramcd, visit=visit, evaluable=False, reason=reason, method="not evaluable")


def at_day(o: Outcome, plan: AnalysisPlan) -> int:
    """The day at which a time-to-event outcome reports the event probability."""
    if o.at_day is not None:
        return o.at_day
    return max(plan.landmark_days) if plan.landmark_days else plan.window_days(o.window)


def tte_rows(o: Outcome, fit: TTEFit, day: int, arms: list[str]) -> list[dict]:
    if fit.data.empty:
        return [
            not_evaluable(
                o,
                fit.paramcd,
                f"no subject of population {o.population!r} "
                f"has {fit.paramcd} (scope of the definition)",
            )
        ]
    km = fit.km
    at = km.at([day], extend=True).set_index("group")  # day is within the plan's window
    med = km.median().set_index("group")
    rows = []
    ci = f"{km.conf_type} CI"
    for arm in [a for a in arms if a in km.groups]:
        r, m = at.loc[arm], med.loc[arm]
        rows.append(
            base_row(
                o,
                fit.paramcd,
                arm=arm,
                n=int((fit.data["ARM"] == arm).sum()),
                events_or_responders=fit.events[arm],
                estimate=1 - r["survival"],
                lower=1 - r["upper"],
                upper=1 - r["lower"],
                method=f"Kaplan-Meier probability of the event by day {day} ({ci}); "
                "median with the CI read off the pointwise CI (R survfit)",
                median=m["estimate"],
                median_lower=m["lower"],
                median_upper=m["upper"],
            )
        )
    ref = fit.reference
    if ref is None:
        if len(km.groups) > 1 and fit.notes:
            rows.append(not_evaluable(o, fit.paramcd, "; ".join(fit.notes)))
        return rows
    if fit.cox is None:
        rows.append(
            base_row(
                o,
                fit.paramcd,
                comparison=f"each arm vs {ref}",
                evaluable=False,
                reason="; ".join(fit.notes),
                method="not evaluable",
            )
        )
        return rows
    table = fit.cox.table.set_index("term")
    pair = fit.logrank.pairwise.set_index("group")
    test = fit.logrank.test
    for arm in [a for a in arms if a in km.groups and a != ref]:
        t = table.loc[f"ARM[{arm}]"]
        both = fit.events[arm] + fit.events[ref]
        row = base_row(
            o,
            fit.paramcd,
            arm=arm,
            comparison=f"{arm} vs {ref}",
            n=int(fit.data["ARM"].isin([arm, ref]).sum()),
            events_or_responders=both,
            method=f"hazard ratio, {fit.model}, 95% "
            + ("profile-likelihood CI" if fit.firth else "Wald CI")
            + f"; p: {test} (pairwise)",
        )
        if both == 0:
            row.update(evaluable=False, reason=f"no event in {arm} or {ref}")
        else:
            row.update(
                estimate=t["hr"], lower=t["lower"], upper=t["upper"], p_value=pair.loc[arm, "p"]
            )
            if fit.notes and not fit.firth:
                row["reason"] = "; ".join(fit.notes)
        rows.append(row)
    rows += _rmst_rows(o, fit, day, arms) if o.kind == "tte" else []
    rows += _fine_gray_rows(o, fit, arms)
    if len(km.groups) > 2:
        rows.append(
            base_row(
                o,
                fit.paramcd,
                comparison="global",
                n=len(fit.data),
                events_or_responders=sum(fit.events.values()),
                p_value=fit.logrank.p,
                method=f"{test}, {fit.logrank.df} df (all arms)",
            )
        )
    return rows


def responder_rows(
    o: Outcome, paramcd: str, adrs: pd.DataFrame, arms: list[str], reference: str | None
) -> tuple[list[dict], pd.DataFrame]:
    """Rows and the responder summary of one responder parameter in the outcome's population
    (``adrs`` already restricted to it)."""
    sub = adrs[(adrs["PARAMCD"] == paramcd) & (adrs["ELIGFL"] == "Y")]
    visit = str(sub["AVISIT"].iloc[0]) if len(sub) else (o.visit or "")
    if sub.empty:
        return [not_evaluable(o, paramcd, "no eligible subject in the population", visit)], None
    missing = sub["REASON"].astype(str).str.startswith("missing: ")
    if missing.all():
        why = sub["REASON"].str.removeprefix("missing: ").value_counts().index[0]
        return [not_evaluable(o, paramcd, f"no subject could be assessed: {why}", visit)], None
    summ = responder_summary(sub, by="ARM", reference=reference, strata=o.strata)
    rows = []
    for arm in [a for a in arms if a in set(summ["group"])]:
        r = summ[summ["group"] == arm].iloc[0]
        rows.append(
            base_row(
                o,
                paramcd,
                visit=visit,
                arm=arm,
                n=int(r["N"]),
                events_or_responders=int(r["responders"]),
                estimate=r["proportion"],
                lower=r["lower"],
                upper=r["upper"],
                method=f"responders / N, {r['ci_method']} 95% CI",
            )
        )
        if "difference" in r and pd.notna(r.get("difference")):
            rows.append(
                base_row(
                    o,
                    paramcd,
                    visit=visit,
                    arm=arm,
                    comparison=f"{arm} vs {reference}",
                    n=int(r["N"]) + int(summ.loc[summ["group"] == reference, "N"].iloc[0]),
                    estimate=r["difference"],
                    lower=r["diff_lower"],
                    upper=r["diff_upper"],
                    p_value=r["p"],
                    method=f"difference in proportions, {r['diff_method']} 95% CI; p: {r['test']}",
                )
            )
    return rows, summ


def _rmst_rows(o: Outcome, fit: TTEFit, day: int, arms: list[str]) -> list[dict]:
    """Per arm vs the reference: the difference in restricted mean event-free time to ``day``."""
    ref = fit.reference
    what = f"RMST difference to day {day}"
    try:
        table = rmst(fit.data, fit.paramcd, tau=day, by="ARM", reference=ref)
    except ValueError as exc:  # a horizon beyond follow-up: said, not extrapolated
        return [
            base_row(
                o,
                fit.paramcd,
                comparison=f"each arm vs {ref}: {what}",
                evaluable=False,
                reason=str(exc),
                method="not evaluable",
            )
        ]
    diff = table[table["comparison"] == "difference"].set_index("group")
    return [
        base_row(
            o,
            fit.paramcd,
            arm=arm,
            comparison=f"{arm} vs {ref}: {what}",
            n=int(fit.data["ARM"].isin([arm, ref]).sum()),
            events_or_responders=fit.events[arm] + fit.events[ref],
            estimate=diff.loc[arm, "estimate"],
            lower=diff.loc[arm, "lower"],
            upper=diff.loc[arm, "upper"],
            p_value=diff.loc[arm, "p"],
            method=f"restricted mean event-free time to day {day} (days), difference of the "
            "Kaplan-Meier areas, normal CI (R survRM2::rmst2, survival rmean)",
        )
        for arm in arms
        if arm in diff.index
    ]


def _fine_gray_rows(o: Outcome, fit: TTEFit, arms: list[str]) -> list[dict]:
    """Per arm vs the reference: the subdistribution hazard ratio with the competing event."""
    if fit.fine_gray is None:
        return []
    table = fit.fine_gray.table.set_index("term")
    ref = fit.reference
    return [
        base_row(
            o,
            fit.paramcd,
            arm=arm,
            comparison=f"{arm} vs {ref}: subdistribution HR",
            n=int(fit.data["ARM"].isin([arm, ref]).sum()),
            events_or_responders=fit.events[arm] + fit.events[ref],
            estimate=table.loc[f"ARM[{arm}]", "shr"],
            lower=table.loc[f"ARM[{arm}]", "lower"],
            upper=table.loc[f"ARM[{arm}]", "upper"],
            p_value=table.loc[f"ARM[{arm}]", "p"],
            method=f"Fine-Gray model, {fit.competing} competing (Efron ties, robust 95% CI, "
            "Wald p; R finegray + coxph(cluster = id))",
        )
        for arm in arms
        if f"ARM[{arm}]" in table.index
    ]


def outcome_frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    for c in ("n", "events_or_responders"):
        out[c] = out[c].astype("Int64")
    for c in ("estimate", "lower", "upper", "p_value", "median", "median_lower", "median_upper"):
        out[c] = out[c].astype(float)
    out["evaluable"] = out["evaluable"].astype(bool)
    out["primary"] = out["primary"].astype(bool)
    return out.fillna({"method": "", "reason": ""})
