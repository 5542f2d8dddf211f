"""tern-style layouts: a block of statistics per parameter, one column per arm (``Arm (N=n)``).

No hazard ratio is printed where the arm and the reference both have no event (the model has
nothing to estimate; ``—`` and a footnote say so), and no p-value where no test ran.
"""

from __future__ import annotations

import pandas as pd

from survlupus.render.tables.cells import DASH, fmt_ci, fmt_int, fmt_num, fmt_p


def _columns(results) -> dict[str, str]:
    adsl = results.datasets["adsl"]
    n = adsl["ARM"].value_counts()
    return {a: f"{a} (N={int(n.get(a, 0))})" for a in results.arms}


def _row(cols: dict, stat: str, values: dict, label: str = "", empty: str = DASH) -> dict:
    """One statistic's row: the parameter's label (its first row only), the statistic, a cell
    per arm column (``empty`` where the arm has none)."""
    return {"Parameter": label, "Statistic": stat, **{cols[a]: values.get(a, empty) for a in cols}}


def _block_label(param: str, population: str, window: str) -> str:
    where = [] if population == "all" else [f"population: {population}"]
    where += [] if window == "efficacy" else [f"window: {window}"]
    return param + (f" [{'; '.join(where)}]" if where else "")


def tte_by_arm(frame: pd.DataFrame, results) -> tuple[pd.DataFrame, list[str]]:
    """The time-to-event summary with arms as columns, and its footnotes."""
    cols = _columns(results)
    ref = results.plan.study.reference_arm if results.plan.controlled else None
    landmarks = [c for c in frame.columns if c.startswith("S(day ")]
    hr_col = next((c for c in frame.columns if c.startswith("HR vs ")), None)
    rows: list[dict] = []
    firth = none_both = no_test = False
    for (_code, pop, window), block in frame.groupby(
        ["PARAMCD", "population", "window"], sort=False
    ):
        by = block.set_index("group")
        label = _block_label(block["PARAM"].iloc[0], pop, window)

        def pct(k: str, a: str, by=by) -> str:
            n, total = by.loc[a, k], by.loc[a, "N"]
            return f"{fmt_int(n)} ({100 * n / total:.1f}%)" if total else DASH

        present = [a for a in cols if a in by.index]
        rows.append(_row(cols, "Subjects, n", {a: fmt_int(by.loc[a, "N"]) for a in present}, label))
        rows.append(_row(cols, "Events, n (%)", {a: pct("events", a) for a in present}))
        rows.append(_row(cols, "Censored, n (%)", {a: pct("censored", a) for a in present}))
        rows.append(
            _row(cols, "Median, days (95% CI)", {a: by.loc[a, "median (95% CI)"] for a in present})
        )
        for c in landmarks:
            day = c.removeprefix("S(day ").split(")")[0]
            rows.append(
                _row(
                    cols,
                    f"Event-free at day {day}, % (95% CI)",
                    {
                        a: fmt_ci(
                            by.loc[a, f"_S{day}"],
                            by.loc[a, f"_S{day}_lower"],
                            by.loc[a, f"_S{day}_upper"],
                            1,
                            100.0,
                        )
                        for a in present
                    },
                )
            )
        if hr_col is not None and ref in by.index:
            hr = {}
            for a in present:
                if a == ref:
                    continue
                if by.loc[a, "events"] == 0 and by.loc[ref, "events"] == 0:
                    hr[a], none_both = DASH, True
                    continue
                text = by.loc[a, hr_col]
                text = DASH if pd.isna(text) else str(text)
                if str(by.loc[a].get("_hr_model", "")).startswith("Firth") and text != DASH:
                    text, firth = text + " †", True
                hr[a] = text
            rows.append(_row(cols, f"Hazard ratio vs {ref} (95% CI)", hr))
        if "_p" in by and len(present) > 1:
            p = by["_p"].dropna()
            value = fmt_p(p.iloc[0]) if len(p) else DASH
            no_test = no_test or value == DASH
            first = next(a for a in present if a != ref)
            rows.append(_row(cols, "Log-rank p (all arms)", {first: value}, empty=""))
    notes = [
        "Kaplan-Meier estimates; 95% CI of the median (Brookmeyer-Crowley) and of the "
        "event-free proportion on the log-log scale.",
        "Events and censoring as in ADTTE (CNSR 0 event; 1-4 censored at the last adequate "
        "assessment, the last contact or the end of the analysis window; codes in define.json).",
    ]
    if hr_col is not None:
        notes.append(
            f"Hazard ratio: Cox proportional hazards model (Efron ties), arm vs {ref}; "
            "a ratio below 1 means fewer events."
        )
    if firth:
        notes.append(
            "† Firth's penalised Cox model with profile-likelihood CI (an arm without events)."
        )
    if none_both:
        notes.append(f"{DASH} hazard ratio: no event in either arm, nothing to estimate.")
    if no_test:
        notes.append(f"{DASH} p: no event in any arm, no log-rank test.")
    return pd.DataFrame(rows), notes


def responder_by_arm(frame: pd.DataFrame, results) -> tuple[pd.DataFrame, list[str]]:
    """The responder summary with arms as columns, and its footnotes."""
    cols = _columns(results)
    ref = results.plan.study.reference_arm if results.plan.controlled else None
    rows: list[dict] = []
    for (_code, pop), block in frame.groupby(["PARAMCD", "population"], sort=False):
        by = block.set_index("group")
        label = _block_label(block["PARAM"].iloc[0], pop, "efficacy")
        present = [a for a in cols if a in by.index]

        def share(a: str, by=by) -> str:
            r, n = by.loc[a, "responders"], by.loc[a, "N"]
            return f"{fmt_int(r)}/{fmt_int(n)} ({100 * r / n:.1f}%)" if n else f"0/0 ({DASH})"

        rows.append(_row(cols, "Responders, n/N (%)", {a: share(a) for a in present}, label))
        rows.append(
            _row(
                cols,
                "95% CI, %",
                {
                    a: f"{fmt_num(100 * by.loc[a, 'lower'], 1)}, {fmt_num(100 * by.loc[a, 'upper'], 1)}"
                    for a in present
                },
            )
        )
        if ref is not None and "difference" in by:
            rows.append(
                _row(
                    cols,
                    f"Difference vs {ref}, % (95% CI)",
                    {
                        a: fmt_ci(
                            by.loc[a, "difference"],
                            by.loc[a, "diff_lower"],
                            by.loc[a, "diff_upper"],
                            1,
                            100.0,
                        )
                        for a in present
                        if a != ref
                    },
                )
            )
            rows.append(_row(cols, "p", {a: fmt_p(by.loc[a, "p"]) for a in present if a != ref}))
    methods = {
        c: sorted({str(v) for v in frame[c].dropna() if str(v)})
        for c in ("ci_method", "diff_method", "test")
        if c in frame
    }
    notes = [
        "N: subjects eligible for the parameter; a subject without the assessment counts as a "
        f"non-responder ({'NRI' if results.plan.missing == 'non-responder' else 'excluded'}).",
        "95% CI: " + "; ".join(methods.get("ci_method", [])) + ".",
    ]
    if methods.get("diff_method"):
        notes.append(
            "Difference: "
            + "; ".join(methods["diff_method"])
            + " 95% CI; p: "
            + "; ".join(methods.get("test", []))
            + "."
        )
    return pd.DataFrame(rows), notes
