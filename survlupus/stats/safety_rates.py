"""Adverse-event rates over time: incidence per 100 patient-years, by year of follow-up, and the
time to the first event of each category (see :mod:`survlupus.stats.safety`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from survlupus.stats.safety_common import (
    CATEGORIES,
    DAYS_PER_YEAR,
    TOTAL,
    _arms,
    _check,
    _teae,
    _with_total,
    poisson_ci,
)


def ae_rates(
    adae: pd.DataFrame,
    exposure: pd.DataFrame,
    by: str = "ARM",
    categories: Mapping[str, tuple[str, Callable]] | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Incidence per 100 patient-years per category and group with the exact Poisson CI (time to
    the first event, or follow-up), and the event rate (all events over follow-up).

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
        grade >= 3, leading to discontinuation, fatal, infusion-related; the analysis adds the
        plan's AESI).
    conf_level : float

    Returns
    -------
    DataFrame
        ``category, label, arm, n, patient_years, rate_per_100py, lower, upper, events,
        followup_years, event_rate_per_100py``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> adae = survlupus.derive_adae(trial, survlupus.load_plan("data/synthetic/musc/plan.toml"))
    >>> exposure = survlupus.follow_up(trial)
    >>> t = survlupus.ae_rates(adae, exposure)
    >>> t[t.category == "any"][["arm", "rate_per_100py"]].round(1).values.tolist()
    [['MSC high', 328.7], ['MSC low', 191.8], ['Placebo', 368.0], ['Total', 281.4]]
    """
    _check(adae, exposure, by)
    categories = categories or CATEGORIES
    te = _teae(adae)
    te = te[te["ASTDY"] >= 1]
    rows = []
    for key, (label, select) in categories.items():
        sel = te[select(te).fillna(False).to_numpy(bool)] if len(te) else te
        first = sel.groupby("USUBJID")["ASTDY"].min()
        at_risk = exposure["USUBJID"].map(first).fillna(exposure["days"])
        at_risk = np.minimum(at_risk, exposure["days"])
        events = exposure["USUBJID"].map(sel.groupby("USUBJID").size()).fillna(0)
        frame = exposure.assign(
            _risk=at_risk.to_numpy(),
            _has=exposure["USUBJID"].isin(first.index),
            _events=events.to_numpy(),
        )
        for arm, part in [*frame.groupby(frame[by].astype(str)), (TOTAL, frame)]:
            n, years = int(part["_has"].sum()), float(part["_risk"].sum()) / DAYS_PER_YEAR
            lo, hi = poisson_ci(n, years, conf_level)
            follow = float(part["days"].sum()) / DAYS_PER_YEAR
            rows.append(
                {
                    "category": key,
                    "label": label,
                    "arm": arm,
                    "n": n,
                    "patient_years": years,
                    "rate_per_100py": 100 * n / years,
                    "lower": 100 * lo,
                    "upper": 100 * hi,
                    "events": int(part["_events"].sum()),
                    "followup_years": follow,
                    "event_rate_per_100py": 100 * part["_events"].sum() / follow,
                }
            )
    return pd.DataFrame(rows)


def ae_by_year(adae: pd.DataFrame, exposure: pd.DataFrame, by: str = "ARM") -> pd.DataFrame:
    """Subjects with an adverse event starting in each year of follow-up, among those followed
    into that year.

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
        ``year, arm, N, n, pct, events``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> adae = survlupus.derive_adae(trial, survlupus.load_plan("data/synthetic/musc/plan.toml"))
    >>> exposure = survlupus.follow_up(trial)
    >>> t = survlupus.ae_by_year(adae, exposure)
    >>> list(t.columns)
    ['year', 'arm', 'N', 'n', 'pct', 'events']
    """
    _check(adae, exposure, by)
    te = _teae(adae)
    te = te.assign(year=np.ceil(te["ASTDY"].clip(lower=1) / DAYS_PER_YEAR).astype(int))
    years = int(np.ceil(exposure["days"].max() / DAYS_PER_YEAR))
    ex = _with_total(exposure, by)
    arm_of = exposure.set_index("USUBJID")[by].astype(str)
    te = _with_total(te.assign(**{by: te["USUBJID"].map(arm_of)}), by)
    rows = []
    for year in range(1, years + 1):
        for arm in [*_arms(exposure, by), TOTAL]:
            part = ex[ex["_ARM"] == arm]
            followed = int((part["days"] > DAYS_PER_YEAR * (year - 1)).sum())
            ev = te[(te["_ARM"] == arm) & (te["year"] == year)]
            n = int(ev["USUBJID"].nunique())
            rows.append(
                {
                    "year": year,
                    "arm": arm,
                    "N": followed,
                    "n": n,
                    "pct": 100 * n / followed if followed else np.nan,
                    "events": len(ev),
                }
            )
    return pd.DataFrame(rows)


def ae_time_to_first(
    adae: pd.DataFrame,
    exposure: pd.DataFrame,
    by: str = "ARM",
    categories: Mapping[str, tuple[str, Callable]] | None = None,
) -> pd.DataFrame:
    """Time to the first adverse event of each category, as ADTTE rows (censored at the end of
    follow-up), for Kaplan-Meier and Cox like any endpoint.

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
        Category name to (label, row filter); default: any and serious adverse events.

    Returns
    -------
    DataFrame
        ADTTE columns with ``PARAMCD`` ``TTAE`` (any), ``TTAES`` (serious), ...

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> adae = survlupus.derive_adae(trial, survlupus.load_plan("data/synthetic/musc/plan.toml"))
    >>> exposure = survlupus.follow_up(trial)
    >>> t = survlupus.ae_time_to_first(adae, exposure)
    >>> sorted(t["PARAMCD"].unique())
    ['TTAE', 'TTAES']
    """
    _check(adae, exposure, by)
    categories = categories or {"any": CATEGORIES["any"], "serious": CATEGORIES["serious"]}
    te = _teae(adae)
    te = te[te["ASTDY"] >= 1]
    parts = []
    for key, (label, select) in categories.items():
        sel = te[select(te).fillna(False).to_numpy(bool)] if len(te) else te
        order = ["USUBJID", "ASTDY", *(["AESEQ"] if "AESEQ" in sel else [])]
        first_row = sel.sort_values(order).drop_duplicates("USUBJID").set_index("USUBJID")
        onset = exposure["USUBJID"].map(first_row["ASTDY"])
        seq = exposure["USUBJID"].map(first_row.get("AESEQ", first_row["ASTDY"] * np.nan))
        code = (
            "TTAE" if key == "any" else ("TTAE" + "".join(w[0] for w in key.split("_")).upper())[:8]
        )
        parts.append(
            pd.DataFrame(
                {
                    "USUBJID": exposure["USUBJID"].to_numpy(),
                    "PARAMCD": code,
                    "PARAM": f"Time to first {label[0].lower() + label[1:]} (days)",
                    by: exposure[by].to_numpy(),
                    "SUBGROUP": exposure["SUBGROUP"].to_numpy() if "SUBGROUP" in exposure else "",
                    "AVAL": np.where(onset.notna(), onset, exposure["days"]).astype(float),
                    "CNSR": np.where(onset.notna(), 0, 1),
                    "EVNTDESC": np.where(
                        onset.notna(),
                        f"first {label[0].lower() + label[1:]}",
                        f"censored: no {label[0].lower() + label[1:]} during follow-up",
                    ),
                    "CNSDTDSC": np.where(onset.notna(), "", "end of follow-up"),
                    "SRCDOM": np.where(onset.notna(), "ADAE", "SUBJECTS"),
                    "SRCVAR": np.where(onset.notna(), "ASTDT", "END_DATE"),
                    "SRCSEQ": np.where(onset.notna(), seq, np.nan),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    if "STARTDT" in exposure:  # the dates of the analysis values
        start = pd.to_datetime(out["USUBJID"].map(exposure.set_index("USUBJID")["STARTDT"]))
        out.insert(5, "STARTDT", start)
        out.insert(6, "ADT", start + pd.to_timedelta(out["AVAL"] - 1, unit="D"))
    return out
