"""The rows of ``Results.outcomes``: one per outcome measure × endpoint × arm (× visit for
changes from baseline), and one per comparison against the reference arm, all from fits made once.

Columns: ``number, outcome, primary, population, time_frame, kind, PARAMCD, visit, arm,
comparison, n, events_or_responders, estimate, lower, upper, p_value, method, median,
median_lower, median_upper, evaluable, reason``.

* time to event, per arm: ``estimate`` = Kaplan-Meier probability of the event by ``at_day``
  (1 - S, log-log CI), the median (with CI) in the ``median`` columns; per comparison: the hazard
  ratio vs the reference (Cox, Efron; or Firth) and the pairwise log-rank p (stratified where the
  outcome names ``strata``); with three or more arms also the global log-rank test;
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
    at = km.at([day]).set_index("group")
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


def outcome_frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    for c in ("n", "events_or_responders"):
        out[c] = out[c].astype("Int64")
    for c in ("estimate", "lower", "upper", "p_value", "median", "median_lower", "median_upper"):
        out[c] = out[c].astype(float)
    out["evaluable"] = out["evaluable"].astype(bool)
    out["primary"] = out["primary"].astype(bool)
    return out.fillna({"method": "", "reason": ""})


def _num(x, digits: int) -> str:
    return "NE" if pd.isna(x) else f"{x:.{digits}f}"


def _ci_text(r, digits: int = 2, scale: float = 1.0, unit: str = "") -> str:
    est, lo, hi = (scale * r[k] for k in ("estimate", "lower", "upper"))
    return f"{_num(est, digits)}{unit} ({_num(lo, digits)}{unit} to {_num(hi, digits)}{unit})"


def _result_text(r) -> str:
    """One row's numbers as a reader reads them."""
    kind, compared = r["kind"], bool(r["comparison"])
    p = f"; p = {_p(r['p_value'])}" if compared else ""
    if not r["evaluable"]:
        return f"not evaluable: {r['reason']}"
    if r["comparison"] == "global":
        return f"p = {_p(r['p_value'])}"
    if kind == "ae_time":
        kind = "tte"
    if kind == "safety" and "per 100 patient-years" in r["method"]:
        return f"{r['n']} subjects; {_ci_text(r, 1)} per 100 PY"
    if kind == "safety" and r["method"].startswith("table "):
        return r["method"].split(":")[0]
    if kind in ("safety", "lab_toxicity"):
        return f"{r['events_or_responders']}/{r['n']} ({_num(100 * r['estimate'], 0)}%)"
    if kind == "tte" and compared:
        return f"HR {_num(r['estimate'], 2)} ({_num(r['lower'], 2)}-{_num(r['upper'], 2)}){p}"
    if kind == "tte":
        return (
            f"{r['events_or_responders']}/{r['n']} events; {_num(100 * r['estimate'], 0)}% "
            f"({_num(100 * r['lower'], 0)}-{_num(100 * r['upper'], 0)}); median "
            f"{_num(r['median'], 0)} days"
        )
    if kind in ("responder", "responder_by_visit", "normalisation") and compared:
        return "difference " + _ci_text(r, 0, 100, "%") + p
    if kind in ("responder", "responder_by_visit", "normalisation"):
        return (
            f"{r['events_or_responders']}/{r['n']} ({_num(100 * r['estimate'], 0)}%; "
            f"{_num(100 * r['lower'], 0)}-{_num(100 * r['upper'], 0)}%)"
        )
    if kind == "shift":
        return f"n={r['n']}: {r['method']}"
    if kind == "gmr":
        return ("ratio of GMRs " if compared else f"n={r['n']}: GMR ") + _ci_text(r, 2) + p
    if kind == "slope":
        return ("difference " if compared else f"n={r['n']}: ") + _ci_text(r, 2) + " /year" + p
    if kind == "mmrm" and compared:
        return "difference " + _ci_text(r, 2) + p
    return f"n={r['n']}: " + _ci_text(r, 2)


def _p(p) -> str:
    if pd.isna(p):
        return "NE"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def outcome_display(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The outcome rows as a reader sees them: the numbers of each row as one ``result`` text
    (``3/10 (30%; 7-65%)``, ``HR 0.62 (0.15-2.60); p = 0.512``, ``not evaluable: ...``)."""
    cols = ["number", "outcome", "primary", "population", "PARAMCD", "visit", "arm", "comparison"]
    out = outcomes[cols].copy()
    out["primary"] = out["primary"].map({True: "primary", False: ""})
    out["result"] = [_result_text(r) for r in outcomes.to_dict("records")]
    out["method"] = outcomes["method"]
    return out


BY_VISIT = ("change", "mmrm", "gmr", "normalisation", "responder_by_visit")
"""Outcome kinds with one result per visit: the page shows them as visit-by-column tables."""


def outcome_overview(outcomes: pd.DataFrame) -> pd.DataFrame:
    """:func:`outcome_display` for reading at a glance: each outcome with results by visit is one
    row pointing to its visit-by-visit table, and an outcome's label, population and method are
    shown on its first row only."""
    shown = outcome_display(outcomes)
    is_change = (outcomes["kind"].isin(BY_VISIT) & outcomes["evaluable"]).to_numpy()
    variables = shown[is_change].groupby("number")["PARAMCD"].unique().map(", ".join)
    pointers = shown[is_change].drop_duplicates("number")
    pointers = pointers.assign(
        PARAMCD=pointers["number"].map(variables),
        visit="",
        arm="",
        comparison="",
        result="by visit: the table of outcome " + pointers["number"].astype(str),
    )
    main = pd.concat([shown[~is_change], pointers]).sort_index(kind="stable")
    main = main.sort_values("number", kind="stable")
    for col in ("outcome", "primary", "population", "method"):
        repeat = main[col].eq(main[col].shift()) & main["number"].eq(main["number"].shift())
        main[col] = main[col].mask(repeat, "")
    return main.reset_index(drop=True)
