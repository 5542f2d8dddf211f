"""Adverse-event tables on tidy frames: an ADAE and an exposure frame (one row per subject:
``USUBJID``, the arm column, ``days`` of follow-up from day 1, e.g. ``survlupus.follow_up``).
Denominators always come from the exposure frame — every subject, with or without an AE — never
from the AE rows. Only treatment-emergent events (``TRTEMFL = "Y"``) are counted. Every table has
a ``Total`` arm.

* :func:`ae_overview` — ``category, arm, n, N, pct, events``: any TEAE, related, serious, grade
  ≥ 3, leading to discontinuation, fatal, infusion-related (tern's ``t_events_summary``);
* :func:`ae_by_term` — ``body_system, term, arm, n, N, pct, events``, one row per system organ
  class (``term`` empty) and preferred term, by descending total frequency;
* :func:`ae_by_max_grade` — subjects by their highest grade;
* :func:`ae_rates` — exposure-adjusted incidence: ``category, arm, n, patient_years,
  rate_per_100py, lower, upper`` (time at risk from day 1 to the first onset, or to the last
  contact, counted inclusively / 365.25; exact Poisson CI as R's ``poisson.test``) and the event
  rate (``events``, ``event_rate_per_100py``: all events over all follow-up);
* :func:`ae_by_year` — per year of follow-up: subjects followed into the year (N), subjects with
  an onset in it (n), events;
* :func:`ae_time_to_first` — time to the first event of each category as an ADTTE-shaped frame
  (``PARAMCD, PARAM, USUBJID, ARM, AVAL, CNSR``) for Kaplan-Meier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from survlupus.stats.proportions import newcombe_difference
from survlupus.stats.safety_common import (  # noqa: F401  (re-exported)
    CATEGORIES,
    DAYS_PER_YEAR,
    TOTAL,
    _arms,
    _check,
    _teae,
    _with_total,
    poisson_ci,
)
from survlupus.stats.safety_rates import ae_by_year, ae_rates, ae_time_to_first  # noqa: F401


def ae_overview(
    adae: pd.DataFrame,
    exposure: pd.DataFrame,
    by: str = "ARM",
    categories: Mapping[str, tuple[str, Callable]] | None = None,
) -> pd.DataFrame:
    """Subjects with at least one adverse event per category and group: n (%) with every subject
    in the denominator, and the number of events.

    Parameters
    ----------
    adae : DataFrame
        ADAE rows (:func:`survlupus.derive_adae`); only treatment-emergent events count.
    exposure : DataFrame
        Every subject with their follow-up (:func:`survlupus.follow_up`): the denominators, so a
        subject without any adverse event is counted.
    by : str
        The grouping column (default ``"ARM"``).
    categories : mapping, optional
        Category name to (label, row filter); default :data:`CATEGORIES` (any, related, serious,
        grade >= 3, leading to discontinuation, fatal, infusion-related).

    Returns
    -------
    DataFrame
        ``category, label, arm, n, N, pct, events``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> adae = survlupus.derive_adae(trial, survlupus.load_plan("data/synthetic/musc/plan.toml"))
    >>> exposure = survlupus.follow_up(trial)
    >>> t = survlupus.ae_overview(adae, exposure)
    >>> t[t.category == "any"][["arm", "n", "N"]].values.tolist()
    [['MSC high', 24, 27], ['MSC low', 20, 27], ['Placebo', 25, 27], ['Total', 69, 81]]
    """
    _check(adae, exposure, by)
    categories = categories or CATEGORIES
    te = _with_total(_teae(adae), by)
    ex = _with_total(exposure, by)
    denominators = ex.groupby("_ARM")["USUBJID"].nunique()
    rows = []
    for key, (label, select) in categories.items():
        sel = te[select(te).fillna(False).to_numpy(bool)] if len(te) else te
        for arm in [*_arms(exposure, by), TOTAL]:
            part = sel[sel["_ARM"] == arm]
            n, big_n = int(part["USUBJID"].nunique()), int(denominators.get(arm, 0))
            rows.append(
                {
                    "category": key,
                    "label": label,
                    "arm": arm,
                    "n": n,
                    "N": big_n,
                    "pct": 100 * n / big_n if big_n else np.nan,
                    "events": len(part),
                }
            )
    return pd.DataFrame(rows)


def ae_by_term(adae: pd.DataFrame, exposure: pd.DataFrame, by: str = "ARM") -> pd.DataFrame:
    """Subjects with each preferred term, by body system, per group (n, N, %, events), as the
    usual AE table.

    Parameters
    ----------
    adae : DataFrame
        ADAE rows (:func:`survlupus.derive_adae`); only treatment-emergent events count.
    exposure : DataFrame
        Every subject with their follow-up (:func:`survlupus.follow_up`): the denominators, so a
        subject without any adverse event is counted.
    by : str
        The grouping column (default ``"ARM"``).

    Returns
    -------
    DataFrame
        ``body_system, term, arm, n, N, pct, events``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> adae = survlupus.derive_adae(trial, survlupus.load_plan("data/synthetic/musc/plan.toml"))
    >>> exposure = survlupus.follow_up(trial)
    >>> t = survlupus.ae_by_term(adae, exposure)
    >>> list(t.columns)
    ['body_system', 'term', 'arm', 'n', 'N', 'pct', 'events']
    """
    _check(adae, exposure, by)
    te = _with_total(_teae(adae), by)
    ex = _with_total(exposure, by)
    denominators = ex.groupby("_ARM")["USUBJID"].nunique()
    arms = [*_arms(exposure, by), TOTAL]
    parts = []
    for keys, level in ((["AEBODSYS"], "soc"), (["AEBODSYS", "AEDECOD"], "term")):
        g = te.groupby([*keys, "_ARM"])
        t = pd.DataFrame({"n": g["USUBJID"].nunique(), "events": g.size()}).reset_index()
        grid = te[keys].drop_duplicates()
        grid = grid.merge(pd.DataFrame({"_ARM": arms}), how="cross")
        t = grid.merge(t, on=[*keys, "_ARM"], how="left").fillna({"n": 0, "events": 0})
        if level == "soc":
            t["AEDECOD"] = ""
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out["N"] = out["_ARM"].map(denominators).astype(int)
    out["pct"] = 100 * out["n"] / out["N"]
    total = out[out["_ARM"] == TOTAL].set_index(["AEBODSYS", "AEDECOD"])["n"]
    soc_total = out[(out["_ARM"] == TOTAL) & (out["AEDECOD"] == "")].set_index("AEBODSYS")["n"]
    out["_soc"] = out["AEBODSYS"].map(soc_total)
    out["_pt"] = [
        total.get((s, t), 0) for s, t in zip(out["AEBODSYS"], out["AEDECOD"], strict=True)
    ]
    out["_is_term"] = out["AEDECOD"] != ""
    out["_arm"] = out["_ARM"].map({a: i for i, a in enumerate(arms)})
    out = out.sort_values(
        ["_soc", "AEBODSYS", "_is_term", "_pt", "AEDECOD", "_arm"],
        ascending=[False, True, True, False, True, True],
        kind="stable",
    )
    out = out.rename(columns={"AEBODSYS": "body_system", "AEDECOD": "term", "_ARM": "arm"})
    out[["n", "events"]] = out[["n", "events"]].astype(int)
    return out[["body_system", "term", "arm", "n", "N", "pct", "events"]].reset_index(drop=True)


def ae_by_max_grade(adae: pd.DataFrame, exposure: pd.DataFrame, by: str = "ARM") -> pd.DataFrame:
    """Subjects by their worst CTCAE grade per group (no event: grade 0), every subject counted
    once.

    Parameters
    ----------
    adae : DataFrame
        ADAE rows (:func:`survlupus.derive_adae`); only treatment-emergent events count.
    exposure : DataFrame
        Every subject with their follow-up (:func:`survlupus.follow_up`): the denominators, so a
        subject without any adverse event is counted.
    by : str
        The grouping column (default ``"ARM"``).

    Returns
    -------
    DataFrame
        ``arm, max_grade, n, N, pct``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> adae = survlupus.derive_adae(trial, survlupus.load_plan("data/synthetic/musc/plan.toml"))
    >>> exposure = survlupus.follow_up(trial)
    >>> t = survlupus.ae_by_max_grade(adae, exposure)
    >>> int(t.groupby("arm")["n"].sum().min()) == int(t["N"].min())
    True
    """
    _check(adae, exposure, by)
    worst = _teae(adae).groupby("USUBJID")["ATOXGR"].max()
    ex = _with_total(exposure, by)
    grade = ex["USUBJID"].map(worst)
    ex = ex.assign(grade=np.where(grade.isna(), "none", grade.fillna(0).astype(int).astype(str)))
    ex.loc[grade.notna() & (grade.fillna(0) == 0), "grade"] = "unknown"
    levels = ["none", "1", "2", "3", "4", "5"] + (
        ["unknown"] if (ex["grade"] == "unknown").any() else []
    )
    rows = []
    for arm in [*_arms(exposure, by), TOTAL]:
        part = ex[ex["_ARM"] == arm]
        for g in levels:
            n = int((part["grade"] == g).sum())
            rows.append(
                {
                    "arm": arm,
                    "max_grade": g,
                    "n": n,
                    "N": len(part),
                    "pct": 100 * n / len(part) if len(part) else np.nan,
                }
            )
    return pd.DataFrame(rows)


def toxicity_shift(graded: pd.DataFrame, by: str = "ARM") -> pd.DataFrame:
    """Subjects by baseline CTCAE grade and worst post-baseline grade, per parameter and arm (the
    laboratory toxicity shift table).

    Parameters
    ----------
    graded : DataFrame
        BDS rows with ``ATOXGR``/``BTOXGR`` (``survlupus.derive.toxicity.toxicity_grades``).
    by : str

    Returns
    -------
    DataFrame
        ``PARAMCD, term, arm, baseline_grade, worst 0 .. worst 4, N``.

    Examples
    --------
    >>> from survlupus.derive.toxicity import toxicity_grades
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> bds = survlupus.derive_bds(trial, ["hemoglobin_g_dl"],
    ...                            survlupus.load_plan("data/synthetic/musc/plan.toml"))
    >>> list(survlupus.toxicity_shift(toxicity_grades(bds)).columns)[:4]
    ['PARAMCD', 'term', 'arm', 'baseline_grade']
    """
    post = graded[(graded["ABLFL"] != "Y") & (graded["ADY"] > 1) & graded["ATOXGR"].notna()]
    base = graded[graded["ABLFL"] == "Y"].set_index(["PARAMCD", "USUBJID"])["BTOXGR"]
    worst = post.groupby(["PARAMCD", "USUBJID", by])["ATOXGR"].max().reset_index()
    worst["baseline"] = [
        base.get((p, s), np.nan) for p, s in zip(worst["PARAMCD"], worst["USUBJID"], strict=True)
    ]
    worst = worst[worst["baseline"].notna()]
    term = graded.drop_duplicates("PARAMCD").set_index("PARAMCD")["ATOXDSCL"]
    rows = []
    for (code, arm), part in _with_total(worst, by).groupby(["PARAMCD", "_ARM"], sort=True):
        for b in range(5):
            at = part[part["baseline"] == b]
            row = {"PARAMCD": code, "term": term.get(code, ""), "arm": arm, "baseline_grade": b}
            row.update({f"worst {g}": int((at["ATOXGR"] == g).sum()) for g in range(5)})
            row["N"] = len(at)
            rows.append(row)
    return pd.DataFrame(rows)


def ae_term_differences(terms: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Risk differences (percentage points, Newcombe CI) of each arm vs ``reference`` per
    preferred term, from an ``ae_by_term`` table."""
    t = terms[(terms["term"] != "") & (terms["arm"] != "Total")]
    rows = []
    for term, part in t.groupby("term", sort=False):
        by = part.set_index("arm")
        if reference not in by.index:
            continue
        kr, nr = int(by.loc[reference, "n"]), int(by.loc[reference, "N"])
        for arm in by.index:
            if arm == reference:
                continue
            d, lo, hi = newcombe_difference(int(by.loc[arm, "n"]), int(by.loc[arm, "N"]), kr, nr)
            rows.append(
                {
                    "term": term,
                    "arm": arm,
                    "estimate": 100 * d,
                    "lower": 100 * lo,
                    "upper": 100 * hi,
                }
            )
    out = pd.DataFrame(rows, columns=["term", "arm", "estimate", "lower", "upper"])
    out.attrs["reference"] = reference
    return out
