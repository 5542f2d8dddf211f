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
from scipy import stats

from survlupus.stats.proportions import newcombe_difference

DAYS_PER_YEAR = 365.25
TOTAL = "Total"

CATEGORIES: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "any": ("Any TEAE", lambda a: pd.Series(True, index=a.index)),
    "related": ("Related TEAE", lambda a: a["ARELFL"] == "Y"),
    "serious": ("Serious TEAE", lambda a: a["AESER"] == "Y"),
    "grade_3_plus": ("TEAE of grade 3 or higher", lambda a: a["ATOXGR"] >= 3),
    "led_to_discontinuation": (
        "TEAE leading to discontinuation",
        lambda a: a["AEACN"].str.contains("discontinu", case=False, na=False),
    ),
    "fatal": ("Fatal TEAE", lambda a: (a["AEOUT"] == "fatal") | (a["ATOXGR"] == 5)),
    "infusion_related": ("Infusion-related reaction", lambda a: a["AEINFFL"] == "Y"),
}


def _check(adae: pd.DataFrame, exposure: pd.DataFrame, by: str) -> None:
    for name, frame, cols in (
        ("ADAE", adae, ["USUBJID", by, "TRTEMFL"]),
        ("exposure", exposure, ["USUBJID", by, "days"]),
    ):
        missing = [c for c in cols if c not in frame]
        if missing:
            raise ValueError(f"{name} has no column {', '.join(missing)}")
    orphans = set(adae["USUBJID"]) - set(exposure["USUBJID"])
    if orphans:
        raise ValueError(f"ADAE subjects not in the exposure frame: {', '.join(sorted(orphans))}")


def _arms(exposure: pd.DataFrame, by: str) -> list:
    return sorted(exposure[by].astype(str).unique())


def _with_total(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    return pd.concat([frame.assign(_ARM=frame[by].astype(str)), frame.assign(_ARM=TOTAL)])


def _teae(adae: pd.DataFrame) -> pd.DataFrame:
    return adae[adae["TRTEMFL"] == "Y"]


def ae_overview(
    adae: pd.DataFrame,
    exposure: pd.DataFrame,
    by: str = "ARM",
    categories: Mapping[str, tuple[str, Callable]] | None = None,
) -> pd.DataFrame:
    """Subjects (n of N, %) and events per category and arm (see the module docstring)."""
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
    """Subjects and events per system organ class and preferred term, by arm."""
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
    """Subjects by the highest grade of their TEAEs (``none``: no TEAE), by arm."""
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


def poisson_ci(k: int, t: float, conf_level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) CI of a Poisson rate k/t, as R's ``poisson.test(k, t)$conf.int``."""
    a = 1 - conf_level
    lo = stats.chi2.ppf(a / 2, 2 * k) / 2 / t if k > 0 else 0.0
    hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2 / t
    return float(lo), float(hi)


def ae_rates(
    adae: pd.DataFrame,
    exposure: pd.DataFrame,
    by: str = "ARM",
    categories: Mapping[str, tuple[str, Callable]] | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Exposure-adjusted incidence and event rates per 100 patient-years (module docstring)."""
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
    """Per year of follow-up (year k: study days 365.25(k-1)+1 to 365.25k): N followed into the
    year, n with a TEAE onset in it, events."""
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
    """Time to the first TEAE of each category: one row per subject and category, ADTTE-shaped
    (``PARAMCD`` = ``TTAE`` + the category's first letters), event on the onset day, else
    censored at the last contact."""
    _check(adae, exposure, by)
    categories = categories or {"any": CATEGORIES["any"], "serious": CATEGORIES["serious"]}
    te = _teae(adae)
    te = te[te["ASTDY"] >= 1]
    parts = []
    for key, (label, select) in categories.items():
        sel = te[select(te).fillna(False).to_numpy(bool)] if len(te) else te
        first = sel.groupby("USUBJID")["ASTDY"].min()
        onset = exposure["USUBJID"].map(first)
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
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def toxicity_shift(graded: pd.DataFrame, by: str = "ARM") -> pd.DataFrame:
    """Subjects by baseline grade (rows) and worst post-baseline grade, per parameter and arm:
    ``PARAMCD, term, arm, baseline_grade, worst 0 .. worst 4, N``. ``graded``: BDS rows with
    ``ATOXGR``/``BTOXGR`` (``survlupus.derive.toxicity.toxicity_grades``)."""
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
