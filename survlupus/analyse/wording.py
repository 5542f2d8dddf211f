"""The outcome rows in words: each row's numbers as a reader reads them, and the overview the
page shows (``3/10 (30%; 7-65%)``, ``HR 0.62 (0.15-2.60); p = 0.512``, ``not evaluable: ...``)."""

from __future__ import annotations

import pandas as pd


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
    if kind == "tte" and "RMST" in r["comparison"]:
        return "difference " + _ci_text(r, 1) + " days" + p
    if kind == "tte" and "subdistribution" in r["comparison"]:
        return f"sHR {_num(r['estimate'], 2)} ({_num(r['lower'], 2)}-{_num(r['upper'], 2)}){p}"
    if kind == "tte" and compared:
        return f"HR {_num(r['estimate'], 2)} ({_num(r['lower'], 2)}-{_num(r['upper'], 2)}){p}"
    if kind == "tte":
        probability = (
            "NE"
            if pd.isna(r["estimate"])
            else f"{_num(100 * r['estimate'], 0)}% ({_num(100 * r['lower'], 0)}-"
            f"{_num(100 * r['upper'], 0)})"
        )
        return (
            f"{r['events_or_responders']}/{r['n']} events; {probability}; median "
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
    """The outcome rows as a reader reads them: each row's numbers as one ``result`` text
    (``3/10 (30%; 7-65%)``, ``HR 0.62 (0.15-2.60); p = 0.512``, ``not evaluable: ...``).

    Parameters
    ----------
    outcomes : DataFrame
        ``Results.outcomes``.

    Returns
    -------
    DataFrame
        ``number, outcome, primary, population, PARAMCD, visit, arm, comparison, result,
        method``.

    Examples
    --------
    >>> results = survlupus.analyse(survlupus.read_trial("data/synthetic/musc"))
    >>> survlupus.outcome_display(results.outcomes)["result"].iloc[0]
    '18/27 (67%; 46-83%)'
    """
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
