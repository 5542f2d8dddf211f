"""Responder proportions: exact Clopper-Pearson CIs, the Newcombe hybrid-score CI of a difference,
Fisher's exact test, and the Cochran-Mantel-Haenszel test when stratified.

* Clopper-Pearson: R's ``binom.test()$conf.int`` (n = 10 makes Wald intervals wrong).
* Newcombe (Stat Med 1998;17:873-90, method 10): from the two Wilson score intervals,
  ``d - sqrt((p1 - l1)^2 + (u2 - p2)^2)`` to ``d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``.
* Fisher's exact test: two-sided, R's ``fisher.test`` (scipy's ``fisher_exact``).
* CMH: R's ``mantelhaen.test`` with its default continuity correction (``correct=True``).

>>> responder_summary(responders, by="ARM", reference="Placebo")      # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.stats.data import check_reference


def clopper_pearson(k: int, n: int, conf_level: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    ci = stats.binomtest(int(k), int(n)).proportion_ci(conf_level, method="exact")
    return float(ci.low), float(ci.high)


def wilson(k: int, n: int, conf_level: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def newcombe_difference(
    k1: int, n1: int, k2: int, n2: int, conf_level: float = 0.95
) -> tuple[float, float, float]:
    """``p1 - p2`` with Newcombe's hybrid score interval (method 10)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, conf_level)
    l2, u2 = wilson(k2, n2, conf_level)
    d = p1 - p2
    return (
        d,
        d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def fisher_p(k1: int, n1: int, k2: int, n2: int) -> float:
    return float(stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)


def cmh_test(
    tables: list[np.ndarray], correct: bool = True, names: list | None = None
) -> tuple[float, float]:
    """CMH chi-square (1 df) over 2x2 tables ``[[a, b], [c, d]]``; as R's mantelhaen.test,
    which refuses a stratum of fewer than 2 subjects: so does this, naming it (``names``)."""
    a = np.array([t[0][0] for t in tables], float)
    n1 = np.array([t[0][0] + t[0][1] for t in tables], float)
    m1 = np.array([t[0][0] + t[1][0] for t in tables], float)
    n = np.array([np.sum(t) for t in tables], float)
    small = np.flatnonzero(n < 2)
    if len(small):
        which = ", ".join(str(names[i] if names else i) for i in small)
        raise ValueError(
            f"CMH test: stratum {which} has fewer than 2 subjects (R's mantelhaen.test refuses "
            "too); merge it with another stratum or test without strata"
        )
    e = n1 * m1 / n
    v = n1 * (n - n1) * m1 * (n - m1) / (n * n * (n - 1))
    dev = abs(a.sum() - e.sum()) - (0.5 if correct else 0.0)
    stat = float(max(dev, 0) ** 2 / v.sum())
    return stat, float(stats.chi2.sf(stat, 1))


def responder_summary(
    responders: pd.DataFrame,
    by: str = "ARM",
    reference=None,
    strata: str | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Responders per group with the exact CI and, against ``reference``, the difference with its
    CI and the test (R: ``binom.test``, Newcombe's hybrid score, ``fisher.test``,
    ``mantelhaen.test``).

    Parameters
    ----------
    responders : DataFrame
        ADRS rows (``PARAMCD, AVALC`` Y/N, ``ELIGFL`` if present, and ``by``).
    by : str
    reference : optional
        The reference group; absent: a ``ValueError`` listing the groups.
    strata : str, optional
        CMH test over strata (each with at least 2 subjects).
    conf_level : float

    Returns
    -------
    DataFrame
        Per parameter and group: ``responders, N, proportion, lower, upper`` (Clopper-Pearson),
        ``display``, and for each non-reference group ``difference, diff_lower, diff_upper``
        (Newcombe), ``p`` and ``test`` (Fisher's exact, or CMH with strata).

    Examples
    --------
    >>> adrs = survlupus.derive_responders(survlupus.read_trial("data/synthetic/musc"))
    >>> t = survlupus.responder_summary(adrs[adrs.PARAMCD == "SRI4_24"], reference="Placebo")
    >>> t[["group", "display"]].values.tolist()
    [['MSC high', '13/27 (48%; 29-68%)'], ['MSC low', '16/27 (59%; 39-78%)'], ['Placebo', '10/27 (37%; 19-58%)']]
    """
    check_reference(responders, by, reference, "responder_summary")
    rows = []
    data = responders[responders.get("ELIGFL", "Y") == "Y"]
    data = data[data["AVALC"].isin(["Y", "N"])]
    for code, sub in data.groupby("PARAMCD", sort=False):
        groups = sorted(sub[by].unique(), key=str)
        ref = reference if reference in groups else None
        counts = {
            g: (int((sub.loc[sub[by] == g, "AVALC"] == "Y").sum()), int((sub[by] == g).sum()))
            for g in groups
        }
        for g in groups:
            k, n = counts[g]
            lo, hi = clopper_pearson(k, n, conf_level)
            row = {
                "PARAMCD": code,
                "PARAM": sub["PARAM"].iloc[0],
                "group": g,
                "responders": k,
                "N": n,
                "proportion": k / n if n else np.nan,
                "lower": lo,
                "upper": hi,
                "ci_method": "Clopper-Pearson (exact)",
                "display": f"{k}/{n} ({100 * k / n:.0f}%; {100 * lo:.0f}-{100 * hi:.0f}%)"
                if n
                else "0/0",
            }
            if ref is not None and g != ref:
                kr, nr = counts[ref]
                d, dl, du = newcombe_difference(k, n, kr, nr, conf_level)
                row.update(
                    difference=d, diff_lower=dl, diff_upper=du, diff_method="Newcombe hybrid score"
                )
                if strata:
                    tables, names = [], []
                    for name, s in sub[sub[by].isin([g, ref])].groupby(strata):
                        names.append(name)
                        a = int(((s[by] == g) & (s["AVALC"] == "Y")).sum())
                        b = int(((s[by] == g) & (s["AVALC"] == "N")).sum())
                        c = int(((s[by] == ref) & (s["AVALC"] == "Y")).sum())
                        e = int(((s[by] == ref) & (s["AVALC"] == "N")).sum())
                        tables.append(np.array([[a, b], [c, e]]))
                    _, p = cmh_test(tables, names=names)
                    row.update(p=p, test=f"CMH stratified by {strata}")
                else:
                    row.update(p=fisher_p(k, n, kr, nr), test="Fisher's exact")
            rows.append(row)
    return pd.DataFrame(rows)
