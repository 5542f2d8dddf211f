"""Recurrent flares: annualised flare rates per arm and the mean cumulative function (MCF).

* Follow-up per subject: the ``days`` column of an exposure frame (one row per subject:
  ``USUBJID``, the grouping column, ``days``), e.g. :func:`survlupus.follow_up` (study day 1 to
  the end of observation: the window, last contact, death), in years of 365.25 days.
* ``model="poisson"``: rate = events / person-years per arm, exact (Garwood) 95 % CI; rate ratios
  against the reference arm as the Poisson GLM with ``log(years)`` offset estimates them, in
  closed form (exact, not to an optimiser's tolerance; Wald CI; not estimable when an arm has no
  event).
* ``model="negbin"``: a negative binomial GLM (NB2, dispersion estimated by maximum likelihood)
  with the same offset, for over-dispersed counts: model-based rates and rate ratios.
* MCF: Nelson-Aalen estimator of the expected number of episodes per subject by time t,
  ``sum d(t_j) / n(t_j)`` (n = subjects still observed at t_j), with the Lawless-Nadeau robust
  variance (Technometrics 1995;37:158-68).

>>> rates = flare_rates(episodes, follow_up(trial), by="ARM", reference="Placebo")  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from survlupus.stats.data import check_reference

DAYS_PER_YEAR = 365.25


EPISODE_TYPES = (
    "severe flare",
    "renal flare",
    "haematologic flare",
    "extrarenal flare",
    "mild/moderate flare",
)
"""The ``TYPE`` values of :func:`survlupus.derive_episodes`."""


def _counts(
    exposure: pd.DataFrame,
    episodes: pd.DataFrame,
    by: str,
    types: Sequence[str] | None,
) -> pd.DataFrame:
    missing = [c for c in ("USUBJID", by, "days") if c not in exposure]
    if missing:
        raise ValueError(
            f"exposure frame has no column {', '.join(missing)}; it needs USUBJID, {by} and days "
            "(see survlupus.follow_up)"
        )
    if types is not None:
        unknown = [t for t in types if t not in EPISODE_TYPES]
        if unknown:
            raise ValueError(
                f"unknown episode type {', '.join(map(repr, unknown))}; the types are "
                + ", ".join(EPISODE_TYPES)
            )
    f = pd.DataFrame(
        {
            "USUBJID": exposure["USUBJID"].to_numpy(),
            "group": exposure[by].to_numpy(),
            "days": exposure["days"].to_numpy(),
        }
    )
    ep = episodes if types is None else episodes[episodes["TYPE"].isin(types)]
    ep = ep.merge(f[["USUBJID", "days"]], on="USUBJID")
    ep = ep[ep["ONSETDY"] <= ep["days"]]
    f["events"] = f["USUBJID"].map(ep.groupby("USUBJID").size()).fillna(0).astype(int)
    f["years"] = f["days"] / DAYS_PER_YEAR
    return f


def flare_rates(
    episodes: pd.DataFrame,
    exposure: pd.DataFrame,
    by: str = "ARM",
    types: Sequence[str] | None = ("severe flare",),
    model: str = "poisson",
    reference=None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Recurrent flares: the rate of flare episodes per person-year per group (exact Poisson CI)
    and the rate ratio against the reference, by Poisson (closed form, as R's ``glm(n ~ arm +
    offset(log(years)), family = poisson)``) or negative binomial (``MASS::glm.nb``).

    Parameters
    ----------
    episodes : DataFrame
        :func:`survlupus.derive_episodes`.
    exposure : DataFrame
        Every subject's follow-up (:func:`survlupus.follow_up`), subjects without a flare too.
    by : str
    types : sequence of str, optional
        Episode types counted (default severe flares; None: every type).
    model : {"poisson", "negbin"}
    reference : optional
        The reference group of the ratios (default: the first group).
    conf_level : float

    Returns
    -------
    DataFrame
        ``group, n, events, person_years, rate, lower, upper, ci_method, rate_ratio, rr_lower,
        rr_upper, p, rr_method``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> episodes = survlupus.derive_episodes(trial, window_days=379)
    >>> t = survlupus.flare_rates(episodes, survlupus.follow_up(trial, 379), reference="Placebo")
    >>> t[["group", "events"]].values.tolist()
    [['Placebo', 5], ['MSC high', 3], ['MSC low', 6]]
    """
    if model not in ("poisson", "negbin"):
        raise ValueError("model must be 'poisson' or 'negbin'")
    f = _counts(exposure, episodes, by, types)
    check_reference(f, "group", reference, "flare_rates")
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    alpha = 1 - conf_level
    groups = sorted(f["group"].unique(), key=str)
    ref = reference if reference is not None else groups[0]
    order = [ref] + [g for g in groups if g != ref]
    X = pd.get_dummies(pd.Categorical(f["group"], categories=order), drop_first=True, dtype=float)
    X = sm.add_constant(X, has_constant="add")
    family = sm.families.Poisson()
    if model == "negbin":
        with warnings.catch_warnings():  # convergence is checked below, not printed
            warnings.simplefilter("ignore")
            nb = sm.NegativeBinomial(f["events"], X, offset=np.log(f["years"])).fit(
                disp=False, method="newton", maxiter=500, tol=1e-12
            )
        if not nb.mle_retvals.get("converged", True):
            raise ValueError("negative binomial fit did not converge; use model='poisson'")
        alpha_nb = float(nb.params.iloc[-1])
        if not alpha_nb > 1e-8:
            raise ValueError(
                "the counts show no over-dispersion (the negative binomial's alpha is "
                f"{alpha_nb:.2g}): it reduces to the Poisson model; use model='poisson'"
            )
        family = sm.families.NegativeBinomial(alpha=alpha_nb)
    glm = sm.GLM(f["events"], X, family=family, offset=np.log(f["years"])).fit(tol=1e-12)
    rows = []
    for g in order:
        sub = f[f["group"] == g]
        k, t = int(sub["events"].sum()), float(sub["years"].sum())
        lo = stats.chi2.ppf(alpha / 2, 2 * k) / 2 / t if k > 0 else 0.0
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / t
        row = {
            "group": g,
            "n": len(sub),
            "events": k,
            "person_years": t,
            "rate": k / t,
            "lower": lo,
            "upper": hi,
            "ci_method": "exact Poisson (Garwood)",
        }
        if model == "negbin":
            eta = glm.params["const"] + (glm.params.get(g, 0.0) if g != ref else 0.0)
            row.update(rate_model=float(np.exp(eta)), ci_method=row["ci_method"])
        if g != ref and model == "poisson":
            row.update(_poisson_ratio(f, g, ref, z))
        elif g != ref:
            b, se = float(glm.params[g]), float(glm.bse[g])
            with np.errstate(over="ignore"):  # no event in an arm: an infinite limit, no warning
                row.update(
                    rate_ratio=np.exp(b),
                    rr_lower=np.exp(b - z * se),
                    rr_upper=np.exp(b + z * se),
                    p=float(2 * stats.norm.sf(abs(b / se))),
                    rr_method=f"{model} GLM, log(years) offset, Wald",
                )
        rows.append(row)
    return pd.DataFrame(rows)


def _poisson_ratio(f: pd.DataFrame, g, ref, z: float) -> dict:
    """Rate ratio of ``g`` to ``ref`` in closed form: the Poisson GLM's maximum likelihood
    exactly (log RR = log(k_g/t_g) - log(k_r/t_r), SE = sqrt(1/k_g + 1/k_r), Wald CI)."""
    k_g, t_g = f.loc[f["group"] == g, "events"].sum(), f.loc[f["group"] == g, "years"].sum()
    k_r, t_r = f.loc[f["group"] == ref, "events"].sum(), f.loc[f["group"] == ref, "years"].sum()
    method = "Poisson, closed form (= GLM with log(years) offset), Wald"
    if k_g == 0 or k_r == 0:
        rr = (k_g / t_g) / (k_r / t_r) if k_r else np.inf
        return {
            "rate_ratio": rr,
            "rr_lower": np.nan,
            "rr_upper": np.nan,
            "p": np.nan,
            "rr_method": method + "; not estimable: no event in an arm",
        }
    b = np.log((k_g / t_g) / (k_r / t_r))
    se = np.sqrt(1 / k_g + 1 / k_r)
    return {
        "rate_ratio": np.exp(b),
        "rr_lower": np.exp(b - z * se),
        "rr_upper": np.exp(b + z * se),
        "p": float(2 * stats.norm.sf(abs(b / se))),
        "rr_method": method,
    }


def mean_cumulative_function(
    episodes: pd.DataFrame,
    exposure: pd.DataFrame,
    by: str = "ARM",
    types: Sequence[str] | None = ("severe flare",),
) -> pd.DataFrame:
    """The mean cumulative number of flare episodes per subject over time, per group: the
    Nelson-Aalen estimator over the subjects still observed (module docstring).

    Parameters
    ----------
    episodes : DataFrame
    exposure : DataFrame
    by : str
    types : sequence of str, optional

    Returns
    -------
    DataFrame
        ``group, day, n_observed, n_events, mcf, std_err`` at each event day.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> mcf = survlupus.mean_cumulative_function(survlupus.derive_episodes(trial, window_days=379),
    ...                                          survlupus.follow_up(trial, 379))
    >>> list(mcf.columns)
    ['group', 'day', 'n_observed', 'n_events', 'mcf', 'std_err']
    """
    f = _counts(exposure, episodes, by, types)
    ep = episodes if types is None else episodes[episodes["TYPE"].isin(types)]
    ep = ep.merge(f[["USUBJID", "group", "days"]], on="USUBJID")
    ep = ep[ep["ONSETDY"] <= ep["days"]]
    rows = []
    for g in sorted(f["group"].unique(), key=str):
        fg, eg = f[f["group"] == g], ep[ep["group"] == g]
        days = np.sort(eg["ONSETDY"].unique())
        follow = fg["days"].to_numpy()
        ids = fg["USUBJID"].to_numpy()
        # d_i(t): episodes of subject i on day t (subjects x days)
        counts = (
            eg.groupby(["USUBJID", "ONSETDY"])
            .size()
            .unstack(fill_value=0)
            .reindex(index=ids, columns=days, fill_value=0)
            .to_numpy(float)
        )
        at_risk = (follow[:, None] >= days[None, :]).astype(float)
        n = at_risk.sum(axis=0)
        d = counts.sum(axis=0)
        mcf = np.cumsum(d / n)
        contrib = np.cumsum(at_risk / n * (counts - d / n), axis=1)
        var = (contrib**2).sum(axis=0)
        rows.append(
            pd.DataFrame(
                {
                    "group": g,
                    "day": days,
                    "n_observed": n.astype(int),
                    "n_events": d.astype(int),
                    "mcf": mcf,
                    "std_err": np.sqrt(var),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
