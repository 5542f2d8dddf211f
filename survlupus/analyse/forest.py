"""The forest plots' tables, from fits already made or made here.

* :func:`forest_rows` — hazard ratios against the reference arm across parameters: ``label``
  (the endpoint in words and the arm), ``PARAMCD, arm, estimate, lower, upper, p``, ``events``
  (events/N in the arm and in the reference), ``model``, ``firth``, and ``event_is_good`` (read
  from the endpoint's definition: a remission is favourable, so HR > 1 favours the arm).
* :func:`subgroup_rows` — the treatment effect of one parameter within subgroups (the plan's
  subgroup, sex, age < 40 / >= 40 years), each variable with the p-value of its interaction with
  the arm: the likelihood-ratio test of ``ARM + VAR + ARM:VAR`` against ``ARM + VAR`` (R:
  ``anova(coxph(... ~ ARM * VAR), coxph(... ~ ARM + VAR))``), as tern's ``g_forest`` and
  survminer's ``ggforest`` show them.

>>> tab = forest_table(adtte, ["TTSFLR", "TTRESC"], by="ARM", reference="Placebo")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.analyse.fits import TTEFit, fit_tte
from survlupus.errors import DataError
from survlupus.plan.library import event_is_good
from survlupus.stats.cox import cox
from survlupus.stats.data import check_reference

FOREST_COLUMNS = [
    "label",
    "PARAMCD",
    "arm",
    "estimate",
    "lower",
    "upper",
    "p",
    "events",
    "model",
    "firth",
    "event_is_good",
]
AGE_CUT_YEARS = 40
"""Age subgroups of the subgroup forest: < 40 and >= 40 years."""


def endpoint_words(param: str) -> str:
    """``Time to first severe flare, modified SFI (days)`` -> ``First severe flare, modified SFI``."""
    text = param.removesuffix(" (days)").removeprefix("Time to ")
    return text[:1].upper() + text[1:]


def _events(fit: TTEFit, arm: str) -> str:
    n = fit.data["ARM"].value_counts()
    ref = fit.reference
    return (
        f"{fit.events.get(arm, 0)}/{int(n.get(arm, 0))} vs "
        f"{fit.events.get(ref, 0)}/{int(n.get(ref, 0))}"
    )


def forest_rows(fits: Iterable[TTEFit], plan=None) -> pd.DataFrame:
    """One row per fit and non-reference arm with a hazard ratio (arms where neither the arm nor
    the reference has an event carry no information and are left out)."""
    rows = []
    for fit in fits:
        if fit.cox is None:
            continue
        ref = fit.reference
        table = fit.cox.table.set_index("term")
        for arm in fit.km.groups:
            if arm == ref or fit.events.get(arm, 0) + fit.events.get(ref, 0) == 0:
                continue
            t = table.loc[f"ARM[{arm}]"]
            rows.append(
                {
                    "label": f"{endpoint_words(fit.param)}: {arm}",
                    "PARAMCD": fit.paramcd,
                    "arm": arm,
                    "estimate": t["hr"],
                    "lower": t["lower"],
                    "upper": t["upper"],
                    "p": t["p"],
                    "events": _events(fit, arm),
                    "model": "Firth Cox" if fit.firth else "Cox (Efron)",
                    "firth": fit.firth,
                    "event_is_good": event_is_good(fit.paramcd, plan),
                }
            )
    return pd.DataFrame(rows, columns=FOREST_COLUMNS)


def forest_table(
    adtte: pd.DataFrame,
    paramcds: Sequence[str],
    by: str = "ARM",
    reference=None,
    firth_when_no_events: bool = True,
) -> pd.DataFrame:
    """Hazard ratio of each non-reference arm against ``reference`` for each parameter, fitted here
    (Cox, Efron; Firth where an arm has no event): the forest plot's table for a notebook.

    Parameters
    ----------
    adtte : DataFrame
    paramcds : sequence of str
    by : str
    reference : optional
        An absent reference is a ``ValueError`` listing the groups.
    firth_when_no_events : bool

    Returns
    -------
    DataFrame
        ``label, PARAMCD, arm, estimate, lower, upper, p, events, model, firth,
        event_is_good`` (see :func:`forest_rows`).

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"),
    ...                                ["TTSFLR", "TTRESC"], window_days=379)
    >>> t = survlupus.forest_table(adtte, ["TTSFLR", "TTRESC"], reference="Placebo")
    >>> t[["label", "estimate"]].round(2).values.tolist()[0]
    ['First severe flare, modified SFI: MSC high', 0.62]
    """
    if by != "ARM":
        adtte = adtte.assign(ARM=adtte[by])
    check_reference(adtte, "ARM", reference, "forest_table")
    arms = sorted(adtte["ARM"].unique(), key=str)
    fits = [
        fit_tte(
            adtte,
            code,
            "all",
            "efficacy",
            arms=arms,
            reference=reference,
            firth_below=1 if firth_when_no_events else 0,
        )
        for code in paramcds
    ]
    return forest_rows(fits)


def subgroup_variables(adtte: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """ADTTE with the subgroup columns ``Subgroup``, ``Sex`` and ``Age`` (those the trial has,
    each with two or more levels)."""
    s = subjects.set_index("subject_id")
    out = adtte.copy()
    ids = out["USUBJID"]
    if "subgroup" in s:
        out["Subgroup"] = ids.map(s["subgroup"]).fillna("neither").replace("", "neither")
    if "sex" in s:
        out["Sex"] = ids.map(s["sex"].map({"F": "female", "M": "male"}))
    if "age_years" in s:
        age = ids.map(s["age_years"])
        out["Age"] = np.where(
            age.isna(),
            None,
            np.where(age < AGE_CUT_YEARS, f"< {AGE_CUT_YEARS} years", f">= {AGE_CUT_YEARS} years"),
        )
    return out


def _interaction_p(data: pd.DataFrame, var: str, reference: str) -> float:
    """LRT p of ARM:VAR (estimable interaction terms only); NaN when it cannot be assessed."""
    d = data.dropna(subset=[var]).copy()
    arms = [a for a in sorted(d["ARM"].unique(), key=str) if a != reference]
    levels = sorted(d[var].astype(str).unique())
    if len(levels) < 2 or not arms:
        return float("nan")
    main, inter = [], []
    for a in arms:
        d[f"_A{a}"] = (d["ARM"] == a).astype(float)
        main.append(f"_A{a}")
    for lev in levels[1:]:
        d[f"_V{lev}"] = (d[var].astype(str) == lev).astype(float)
        main.append(f"_V{lev}")
        for a in arms:
            d[f"_I{a}{lev}"] = d[f"_A{a}"] * d[f"_V{lev}"]
            inter.append(f"_I{a}{lev}")
    try:
        small = cox(d, d["PARAMCD"].iloc[0], main)
        big = cox(d, d["PARAMCD"].iloc[0], main + inter)
    except DataError:
        return float("nan")
    if any("no finite maximum" in n for n in (*small.notes, *big.notes)):
        return float("nan")
    df = int(big.table["coef"].notna().sum() - small.table["coef"].notna().sum())
    if df <= 0:
        return float("nan")
    return float(stats.chi2.sf(2 * (big.loglik - small.loglik), df))


def subgroup_rows(
    adtte: pd.DataFrame,
    subjects: pd.DataFrame,
    paramcd: str,
    reference: str,
    arms: Sequence[str],
    firth_below: int = 1,
    plan=None,
    overall: TTEFit | None = None,
) -> pd.DataFrame:
    """The treatment effect of ``paramcd`` overall and within each subgroup level, with the
    interaction p of each subgroup variable on its header row (``header`` True). ``overall``:
    the fit of all subjects already made (else it is fitted here)."""
    data = subgroup_variables(adtte[adtte["PARAMCD"] == paramcd], subjects)
    good = event_is_good(paramcd, plan)
    rows: list[dict] = []

    def effect(sub: pd.DataFrame, label: str, group: str, fit: TTEFit | None = None):
        if fit is None:
            fit = fit_tte(
                sub,
                paramcd,
                "all",
                "efficacy",
                arms=list(arms),
                reference=reference,
                firth_below=firth_below,
            )
        table = fit.cox.table.set_index("term") if fit.cox is not None else None
        for arm in [a for a in arms if a != reference]:
            n_arm = int((sub["ARM"] == arm).sum())
            if n_arm == 0 or int((sub["ARM"] == reference).sum()) == 0:
                continue
            none = fit.events.get(arm, 0) + fit.events.get(reference, 0) == 0
            t = table.loc[f"ARM[{arm}]"] if table is not None and not none else None
            rows.append(
                {
                    "label": label if len(arms) == 2 else f"{label}: {arm}",
                    "group": group,
                    "arm": arm,
                    "estimate": t["hr"] if t is not None else np.nan,
                    "lower": t["lower"] if t is not None else np.nan,
                    "upper": t["upper"] if t is not None else np.nan,
                    "p": t["p"] if t is not None else np.nan,
                    "events": _events(fit, arm),
                    "model": "Firth Cox" if fit.firth else "Cox (Efron)",
                    "firth": fit.firth,
                    "event_is_good": good,
                    "header": False,
                    "p_interaction": np.nan,
                }
            )

    effect(data, "All subjects", "", overall)
    for var in ("Subgroup", "Sex", "Age"):
        if var not in data or data[var].nunique() < 2:
            continue
        rows.append(
            {
                "label": var,
                "group": var,
                "header": True,
                "event_is_good": good,
                "firth": False,
                "p_interaction": _interaction_p(data, var, reference),
            }
        )
        for level in sorted(data[var].dropna().astype(str).unique()):
            effect(data[data[var].astype(str) == level], f"  {level}", var)
    out = pd.DataFrame(rows)
    out["header"] = out["header"].astype(bool)
    return out
