"""Longitudinal summaries on a BDS: slopes over time, geometric mean ratios to baseline,
normalisation of low values, and shift tables.

* :func:`slopes` — random intercept and slope per subject (statsmodels ``MixedLM``, REML, L-BFGS):
  ``AVAL ~ TIME × ARM``, TIME in years from day 1 (``(ADY - 1) / 365.25``, 0 at baseline), on the
  analysed records (``ANL01FL == "Y"``: baseline and one record per visit). The slope of each arm
  is the TIME coefficient plus its arm interaction; standard errors come from (Xᵀ V̂⁻¹ X)⁻¹ with
  V̂ the fitted marginal covariance (as nlme computes them); CIs and p-values are normal (Wald),
  where ``nlme`` uses t with its containment df. R:
  ``nlme::lme(AVAL ~ TIME * ARM, random = ~ TIME | USUBJID, method = "REML")``.
* :func:`geometric_mean_ratio` — per arm and visit, exp of the mean of log(AVAL / BASE) with its
  t-based CI (records with a non-positive value or baseline are left out and counted); against
  the reference, the ratio of geometric means from Welch's t-test on the log ratios
  (R: ``t.test(log(AVAL/BASE) ~ ARM)``).
* :func:`normalisation` — among subjects below the lower limit at baseline, n/N at or above it at
  each visit (Clopper-Pearson CI).
* :func:`shift_table` — counts of subjects by baseline category and category at each visit.

>>> s = slopes(bds, "EGFR", by="ARM", reference="Placebo")          # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from survlupus.stats.proportions import clopper_pearson

DAYS_PER_YEAR = 365.25


def _param(bds: pd.DataFrame, paramcd: str, where: str) -> pd.DataFrame:
    if "PARAMCD" not in bds:
        raise ValueError(
            f"{where}: the dataset has no PARAMCD column (a BDS: survlupus.derive_bds)"
        )
    codes = list(dict.fromkeys(bds["PARAMCD"]))
    if paramcd not in codes:
        raise ValueError(f"{where}: no PARAMCD {paramcd!r}; the dataset has {', '.join(codes)}")
    d = bds[bds["PARAMCD"] == paramcd]
    return d[d["ANL01FL"] == "Y"] if "ANL01FL" in d else d


def _check_reference(groups: list, reference, where: str):
    if reference is not None and reference not in groups:
        raise ValueError(
            f"{where}: reference {reference!r} is not an arm; arms: {', '.join(groups)}"
        )
    return reference


def slopes(
    bds: pd.DataFrame,
    paramcd: str,
    by: str | None = "ARM",
    reference=None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Per-year slope of ``paramcd`` per arm from a random intercept and slope model (REML), and the
    difference of each arm from the reference, as R's ``nlme::lme(AVAL ~ TIME * ARM, random =
    ~ TIME | USUBJID, method = "REML")`` (TIME in years; Wald CIs).

    Parameters
    ----------
    bds : DataFrame
    paramcd : str
    by : str or None
    reference : optional
    conf_level : float

    Returns
    -------
    DataFrame
        ``arm, comparison, n, estimate, se, lower, upper, p_value`` (per year).

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> plan = survlupus.load_plan("data/synthetic/musc/plan.toml")
    >>> bds = survlupus.derive_bds(trial, ["c3_g_l", "egfr_ml_min", "anti_dsdna_iu_ml"], plan)
    >>> t = survlupus.slopes(bds, "EGFR", by="ARM", reference="Placebo")
    >>> t[["arm", "comparison", "estimate"]].round(2).values.tolist()[:2]
    [['Placebo', '', 11.45], ['MSC high', '', 5.39]]
    """
    d = _param(bds, paramcd, "slopes")
    d = d[d["AVAL"].notna() & d["ADY"].notna()].copy()
    d["TIME"] = (d["ADY"].clip(lower=1) - 1) / DAYS_PER_YEAR
    groups = sorted(d[by].astype(str).unique()) if by else ["all"]
    reference = _check_reference(groups, reference, "slopes") or groups[0]
    order = [reference] + [g for g in groups if g != reference]
    arm = d[by].astype(str) if by else pd.Series("all", index=d.index)
    d["ARM_"] = pd.Categorical(arm, categories=order)
    if d.groupby("USUBJID")["TIME"].nunique().max() < 2:
        raise ValueError(f"slopes: {paramcd} has no subject with two time points")
    formula = "AVAL ~ TIME * ARM_" if len(order) > 1 else "AVAL ~ TIME"
    model = smf.mixedlm(formula, d, groups=d["USUBJID"], re_formula="~TIME")
    with warnings.catch_warnings():  # convergence is checked below
        warnings.simplefilter("ignore")
        fit = model.fit(reml=True, method=["lbfgs"], maxiter=5000)
    if not fit.converged:
        raise ValueError(f"slopes: the mixed model of {paramcd} did not converge")
    psi, s2 = np.asarray(fit.cov_re), float(fit.scale)
    x = model.exog
    info = np.zeros((x.shape[1], x.shape[1]))
    for rows in model.row_indices.values():
        z = model.exog_re[rows]
        v = z @ psi @ z.T + s2 * np.eye(len(rows))
        info += x[rows].T @ np.linalg.solve(v, x[rows])
    cov = np.linalg.inv(info)
    names = list(model.exog_names)
    beta = np.asarray(fit.fe_params)
    z_q = stats.norm.ppf(1 - (1 - conf_level) / 2)
    rows = []

    def add(arm, comparison, vec, n):
        est, se = float(vec @ beta), float(np.sqrt(vec @ cov @ vec))
        rows.append(
            {
                "arm": arm,
                "comparison": comparison,
                "n": n,
                "estimate": est,
                "se": se,
                "lower": est - z_q * se,
                "upper": est + z_q * se,
                "p_value": float(2 * stats.norm.sf(abs(est / se))),
            }
        )

    for g in order:
        vec = np.zeros(len(names))
        vec[names.index("TIME")] = 1.0
        if g != reference:
            vec[names.index(f"TIME:ARM_[T.{g}]")] = 1.0
        add(g, "", vec, int(d.loc[d["ARM_"] == g, "USUBJID"].nunique()))
    for g in order[1:]:
        vec = np.zeros(len(names))
        vec[names.index(f"TIME:ARM_[T.{g}]")] = 1.0
        add(
            g,
            f"{g} vs {reference}",
            vec,
            int(d.loc[d["ARM_"].isin([g, reference]), "USUBJID"].nunique()),
        )
    return pd.DataFrame(rows)


def geometric_mean_ratio(
    bds: pd.DataFrame,
    paramcd: str,
    by: str | None = "ARM",
    reference=None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Geometric mean ratio to baseline of ``paramcd`` per arm and visit (anti-dsDNA and other
    log-normal titres) with t-based CIs on the log scale, and the ratio of GMRs against the
    reference by Welch's t-test on the log ratios (R: ``t.test(log(AVAL/BASE) ~ ARM)``).

    Parameters
    ----------
    bds : DataFrame
    paramcd : str
    by : str or None
    reference : optional
    conf_level : float

    Returns
    -------
    DataFrame
        ``arm, visit, comparison, n, excluded (zero values), estimate, lower, upper, p_value``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> plan = survlupus.load_plan("data/synthetic/musc/plan.toml")
    >>> bds = survlupus.derive_bds(trial, ["c3_g_l", "egfr_ml_min", "anti_dsdna_iu_ml"], plan)
    >>> t = survlupus.geometric_mean_ratio(bds, "DSDNA", by="ARM", reference="Placebo")
    >>> t[["arm", "visit", "n"]].head(1).values.tolist()
    [['MSC high', 'W4', 23]]
    """
    d = _param(bds, paramcd, "geometric_mean_ratio")
    d = d[(d["AVISIT"] != "BASELINE") & d["AVAL"].notna() & d["BASE"].notna()]
    ok = (d["AVAL"] > 0) & (d["BASE"] > 0)
    d = d.assign(
        LR=np.log(d["AVAL"].where(ok) / d["BASE"].where(ok)),
        GROUP=d[by].astype(str) if by else "all",
    )
    groups = sorted(d["GROUP"].unique())
    reference = _check_reference(groups, reference, "geometric_mean_ratio")
    a = 1 - (1 - conf_level) / 2
    rows = []
    for visit, at in d.sort_values("AVISITN").groupby("AVISIT", sort=False):
        for g in groups:
            x = at.loc[at["GROUP"] == g, "LR"]
            n, excluded = int(x.notna().sum()), int(x.isna().sum())
            x = x.dropna().to_numpy()
            m = x.mean() if n else np.nan
            half = stats.t.ppf(a, n - 1) * x.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            rows.append(
                {
                    "arm": g,
                    "visit": visit,
                    "comparison": "",
                    "n": n,
                    "excluded": excluded,
                    "estimate": np.exp(m),
                    "lower": np.exp(m - half),
                    "upper": np.exp(m + half),
                    "p_value": np.nan,
                }
            )
            if reference is not None and g != reference:
                y = at.loc[at["GROUP"] == reference, "LR"].dropna().to_numpy()
                if n > 1 and len(y) > 1:
                    t = stats.ttest_ind(x, y, equal_var=False)
                    ci = t.confidence_interval(conf_level)
                    rows.append(
                        {
                            "arm": g,
                            "visit": visit,
                            "comparison": f"{g} vs {reference}",
                            "n": n + len(y),
                            "excluded": 0,
                            "estimate": np.exp(x.mean() - y.mean()),
                            "lower": np.exp(ci.low),
                            "upper": np.exp(ci.high),
                            "p_value": float(t.pvalue),
                        }
                    )
    return pd.DataFrame(rows)


def normalisation(
    bds: pd.DataFrame,
    paramcd: str,
    lower: float,
    by: str | None = "ARM",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Subjects below the normal range at baseline whose value is at or above ``lower`` at each
    visit (C3/C4 normalisation), per arm, with Clopper-Pearson CIs.

    Parameters
    ----------
    bds : DataFrame
    paramcd : str
    lower : float
        The lower limit of normal (in the column's unit).
    by : str or None
    conf_level : float

    Returns
    -------
    DataFrame
        ``arm, visit, n (normalised), N (low at baseline, assessed), proportion, lower, upper``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> plan = survlupus.load_plan("data/synthetic/musc/plan.toml")
    >>> bds = survlupus.derive_bds(trial, ["c3_g_l", "egfr_ml_min", "anti_dsdna_iu_ml"], plan)
    >>> t = survlupus.normalisation(bds, "C3", 0.9, by="ARM")
    >>> t[["arm", "visit", "n", "N"]].head(1).values.tolist()
    [['Placebo', 'W4', 1, 22]]
    """
    d = _param(bds, paramcd, "normalisation")
    d = d[(d["AVISIT"] != "BASELINE") & d["AVAL"].notna() & (d["BASE"] < lower)]
    d = d.assign(GROUP=d[by].astype(str) if by else "all")
    rows = []
    for (visit, g), at in d.sort_values("AVISITN").groupby(["AVISIT", "GROUP"], sort=False):
        k, n = int((at["AVAL"] >= lower).sum()), len(at)
        lo, hi = clopper_pearson(k, n, conf_level)
        rows.append(
            {
                "arm": g,
                "visit": visit,
                "n": k,
                "N": n,
                "proportion": k / n if n else np.nan,
                "lower": lo,
                "upper": hi,
            }
        )
    return pd.DataFrame(rows, columns=["arm", "visit", "n", "N", "proportion", "lower", "upper"])


def shift_table(
    bds: pd.DataFrame,
    paramcd: str,
    cuts: Sequence[float],
    labels: Sequence[str],
    by: str | None = "ARM",
) -> pd.DataFrame:
    """Subjects by category at baseline and at each visit (e.g. ANA titres), per arm.

    Parameters
    ----------
    bds : DataFrame
    paramcd : str
    cuts : sequence of float
        Category boundaries ``[cut_i, cut_i+1)``.
    labels : sequence of str
        One label more than cuts.
    by : str or None

    Returns
    -------
    DataFrame
        ``arm, visit, baseline`` and one column of counts per category.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/nanjing")
    >>> bds = survlupus.derive_bds(trial, ["ana_titer"],
    ...                            survlupus.load_plan("data/synthetic/nanjing/plan.toml"))
    >>> t = survlupus.shift_table(bds, "ANA", [80, 160, 320, 640],
    ...                           ["<1:80", "1:80", "1:160", "1:320", ">=1:640"])
    >>> list(t.columns)[:4]
    ['arm', 'visit', 'baseline', '<1:80']
    """
    if len(labels) != len(cuts) + 1:
        raise ValueError("shift_table: give one label more than cuts")
    d = _param(bds, paramcd, "shift_table")
    d = d[(d["AVISIT"] != "BASELINE") & d["AVAL"].notna() & d["BASE"].notna()]
    cat = pd.Categorical.from_codes
    edges = np.asarray(cuts, float)
    d = d.assign(
        GROUP=d[by].astype(str) if by else "all",
        B=cat(np.searchsorted(edges, d["BASE"], side="right"), list(labels)),
        V=cat(np.searchsorted(edges, d["AVAL"], side="right"), list(labels)),
    )
    parts = []
    for (visit, g), at in d.sort_values("AVISITN").groupby(["AVISIT", "GROUP"], sort=False):
        tab = pd.crosstab(at["B"], at["V"], dropna=False).reindex(
            index=list(labels), columns=list(labels), fill_value=0
        )
        tab = tab.rename_axis(index="baseline", columns=None).reset_index()
        tab.insert(0, "visit", visit)
        tab.insert(0, "arm", g)
        parts.append(tab)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
