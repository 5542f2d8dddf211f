"""Cox proportional hazards: Efron (default, as R) or Breslow (as SAS) ties, strata, the three
global tests, Firth's penalised likelihood, and the Grambsch-Therneau test of R's ``cox.zph``.

* Fitting: Newton-Raphson on the partial likelihood from cumulative risk-set sums
  (:mod:`survlupus.stats.coxmodel`; lifelines' ``CoxPHFitter`` has Efron ties only).
* Tests, labelled: likelihood ratio ``2 (l(b) - l(0))``; Wald ``b' V^-1 b``; score
  ``U(0)' I(0)^-1 U(0)``; per coefficient a Wald z test.
* Firth (``firth=True``, Heinze & Schemper, Stat Med 2002;21:2409-19): maximises
  ``l(b) + 0.5 log det I(b)`` (Breslow ties, as R's ``coxphf``), with profile penalised-likelihood
  CIs and penalised likelihood-ratio p-values; finite estimates even for an arm with no event.
* ``ph_test()``: the score test of survival >= 3.0's ``cox.zph`` (transform ``"km"``): for the
  added covariates ``X g(t)``, ``g`` = 1 - the left-continuous pooled KM at t, centred at its
  mean over events, ``U2' [I]^-1 U2`` with the full information at ``(b, 0)``, per term and GLOBAL.

>>> fit = cox(adtte, "TTSFLR", ["ARM"], reference="Placebo")      # doctest: +SKIP
>>> fit.table, fit.tests, fit.ph_test()                         # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.stats.coxmodel import CoxModel
from survlupus.stats.data import _problem, select
from survlupus.stats.display import html_table
from survlupus.stats.firth import FirthModel
from survlupus.stats.firth import firth_fit as _firth
from survlupus.stats.identifiable import drop_aliased, drop_uninformative
from survlupus.stats.riskset import robust_variance, score_residuals
from survlupus.stats.zph import zph

TIES = ("efron", "breslow")


@dataclass(frozen=True)
class Design:
    """Model matrix with R-style term assignment (a factor's levels form one term)."""

    X: np.ndarray
    names: list[str]
    terms: dict[str, list[int]]


def design_matrix(
    data: pd.DataFrame, covariates: Sequence[str], reference: dict | str | None = None
) -> Design:
    """Numeric covariates as they are; text covariates as treatment contrasts against the
    reference level (``reference`` for the first covariate, or a dict per covariate; else the
    first level in sorted order). Column names are ``VAR[level]``."""
    cols, names, terms = [], [], {}
    refs = (
        reference
        if isinstance(reference, dict)
        else ({covariates[0]: reference} if reference is not None and covariates else {})
    )
    for cov in covariates:
        v = data[cov]
        start = len(names)
        if pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v):
            cols.append(v.to_numpy(float))
            names.append(cov)
        else:
            levels = sorted(v.astype(str).unique())
            ref = str(refs.get(cov, levels[0]))
            if ref not in levels:
                raise ValueError(f"reference {ref!r} is not a level of {cov}: {levels}")
            for lev in levels:
                if lev != ref:
                    cols.append((v.astype(str) == lev).to_numpy(float))
                    names.append(f"{cov}[{lev}]")
        terms[cov] = list(range(start, len(names)))
    X = np.column_stack(cols) if cols else np.zeros((len(data), 0))
    return Design(X, names, terms)


@dataclass(frozen=True)
class CoxResult:
    """``table`` (``term, coef, se, hr, lower, upper, p``), ``tests`` (likelihood ratio, Wald and
    score, labelled), and the data to re-check proportional hazards with ``ph_test()``."""

    table: pd.DataFrame
    tests: pd.DataFrame
    loglik: float
    loglik_null: float
    n: int
    n_events: int
    ties: str
    firth: bool
    design: Design = field(repr=False)
    data: pd.DataFrame = field(repr=False)
    strata: np.ndarray = field(repr=False)
    notes: tuple[str, ...] = ()
    paramcd: str = ""
    robust: bool = False

    def __repr__(self) -> str:
        model = "Firth penalised Cox" if self.firth else f"Cox ({self.ties})"
        return f"<CoxResult {model}: n={self.n}, {self.n_events} events, {len(self.table)} terms>"

    def _repr_html_(self) -> str:
        notes = "; ".join(self.notes)
        return html_table(repr(self) + (f" Note: {notes}" if notes else ""), self.table)

    def ph_test(self) -> pd.DataFrame:
        """Grambsch-Therneau test as survival >= 3.0's ``cox.zph(fit)`` (transform "km").

        Refused (a ``DataError`` naming the model) for a Firth fit and for a fit without a
        finite maximum, where the test is not defined.
        """
        model = f"the Cox model of {self.paramcd}"
        if self.firth:
            raise _problem(
                f"ph_test: {model} is Firth's penalised fit; cox.zph is not defined for it",
                "check proportional hazards on the ordinary fit (firth=False), if it converges",
            )
        if any("no finite maximum" in n for n in self.notes):
            raise _problem(
                f"ph_test: {model} has no finite maximum (monotone likelihood), so the test "
                "is not defined",
                "an arm without events cannot be checked for proportional hazards",
            )
        beta = self.table["coef"].dropna().to_numpy()  # estimable terms, as the design
        try:
            with np.errstate(all="ignore"):
                out = zph(
                    self.data["time"].to_numpy(float),
                    self.data["event"].to_numpy(int),
                    self.design,
                    beta,
                    self.strata,
                    self.ties,
                )
        except np.linalg.LinAlgError:
            out = None
        if out is None or not np.isfinite(out["chisq"]).all():
            raise _problem(
                f"ph_test: {model} gives a singular information for the time-varying terms",
                "too few events to test proportional hazards; report the test as not done",
            )
        return out


def cox(
    adtte: pd.DataFrame,
    paramcd: str,
    covariates: Sequence[str],
    strata: str | None = None,
    ties: str = "efron",
    firth: bool = False,
    reference=None,
    subjects: pd.DataFrame | None = None,
    conf_level: float = 0.95,
    robust: bool = False,
    cluster: str | None = None,
) -> CoxResult:
    """Cox model of ``paramcd`` on ``covariates``, as R's ``coxph`` (or ``coxphf`` with Firth).

    Parameters
    ----------
    adtte : DataFrame
    paramcd : str
    covariates : sequence of str
        ADTTE (or ``subjects``) columns; text columns become treatment contrasts.
    strata : str, optional
        Stratified baseline hazards (``strata()`` in R).
    ties : {"efron", "breslow"}
        Efron (R's default) or Breslow (SAS's default).
    firth : bool
        Firth's penalised likelihood (Breslow ties; profile-likelihood CI and p): finite
        estimates for an arm without events.
    reference : str or dict, optional
        Reference level of the first text covariate (or one per covariate).
    subjects : DataFrame, optional
    conf_level : float
    robust : bool
        Sandwich variance, each subject a cluster (``coxph(..., cluster = id)``).
    cluster : str, optional
        Column whose values are clusters for the sandwich variance.

    Returns
    -------
    CoxResult
        ``table`` (``term, coef, se, hr, lower, upper, p``; ``se_naive`` when robust),
        ``tests`` (likelihood ratio, Wald, score), ``notes`` (terms dropped as not estimable,
        monotone likelihood), ``ph_test()`` (``cox.zph``).

    Raises
    ------
    ValueError
        Unknown ``ties``, an absent reference level, Firth with a robust variance.
    DataError
        No estimable term, a singular model, missing columns (naming them).

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"), ["TTSFLR"],
    ...                                window_days=379)
    >>> fit = survlupus.cox(adtte, "TTSFLR", ["ARM"], reference="Placebo")
    >>> fit.table[["term", "hr", "lower", "upper"]].round(2).values.tolist()
    [['ARM[MSC high]', 0.62, 0.15, 2.6], ['ARM[MSC low]', 1.27, 0.39, 4.18]]
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}")
    if firth and (robust or cluster):
        raise ValueError("cox: a robust variance is not defined for Firth's penalised fit")
    covariates = list(covariates)
    extra = [c for c in (strata, cluster) if c]
    data = select(adtte, paramcd, covariates + extra, subjects)
    design = design_matrix(data, covariates, reference)
    strata_arr = data[strata].astype(str).to_numpy() if strata else np.zeros(len(data), int)
    design, dropped = drop_aliased(design, strata_arr)
    time, event = data["time"].to_numpy(float), data["event"].to_numpy(int)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    ph_ties = "breslow" if firth else ties

    def phreg(X):
        if firth:  # the analytic engine of Firth's model gives the Breslow moments directly
            return FirthModel(time, event, strata_arr, X)
        return CoxModel(time, event, strata_arr, X, ph_ties)

    if design.X.shape[1] and event.sum():
        with np.errstate(all="ignore"):
            info0 = -phreg(design.X).hessian(np.zeros(design.X.shape[1]))
        design, flat = drop_uninformative(design, np.nan_to_num(info0))
    else:
        flat = []
    if design.X.shape[1] == 0:
        raise _problem(
            f"cox: no term of {', '.join(covariates)} can be estimated for {paramcd} (each is "
            "constant within every stratum, has no subject, or there is no event)",
            "remove the covariate, or report the event counts without a model",
        )
    model = phreg(design.X)
    p = design.X.shape[1]
    ll0 = float(model.loglike(np.zeros(p)))
    notes: list[str] = [
        f"{name} cannot be estimated (constant within every stratum or aliased with earlier "
        "terms): dropped, coefficient NA, as R's coxph does"
        for name in dropped
    ] + [
        f"{name} cannot be estimated (no variation among the subjects at risk at the event "
        "times): dropped, coefficient NA, as R's coxph does"
        for name in flat
    ]
    dropped = [*dropped, *flat]
    if p >= event.sum():
        notes.append(
            f"{p} terms for {int(event.sum())} events: the model is over-parameterised and its "
            "estimates are not usable; use fewer covariates"
        )
    if firth:
        table, ll, tests = _firth(model, design, z)
    else:
        with warnings.catch_warnings():  # non-convergence is reported in ``notes``
            warnings.simplefilter("ignore")
            try:
                fit = model.fit()
            except np.linalg.LinAlgError:
                raise _problem(
                    f"cox: the model of {paramcd} on {', '.join(design.names)} cannot be fitted "
                    f"(singular information; {int(event.sum())} events for {p} terms)",
                    "use fewer covariates, or firth=True",
                ) from None
        retvals = getattr(fit, "mle_retvals", None) or {}
        if not retvals.get("converged", True) or np.any(np.abs(fit.params) > 10):
            notes.append(
                "the partial likelihood has no finite maximum (monotone likelihood, "
                "e.g. an arm without events): the estimates are not usable; refit "
                "with firth=True"
            )
        beta, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        # an over-parameterised model's near-singular information can invert to a negative
        # variance: its SE is NaN (the note says the estimates are not usable)
        with np.errstate(invalid="ignore"):
            se_naive = np.sqrt(np.diag(cov))
        if robust or cluster:
            with np.errstate(all="ignore"):
                resid = score_residuals(time, event, design.X, beta, strata_arr, ties)
            cov = robust_variance(resid, cov, data[cluster] if cluster else None)
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(cov))
        ll = float(fit.llf)
        with np.errstate(over="ignore", invalid="ignore"):  # monotone: inf; the note says why
            table = pd.DataFrame(
                {
                    "term": design.names,
                    "coef": beta,
                    "se": se,
                    "hr": np.exp(beta),
                    "lower": np.exp(beta - z * se),
                    "upper": np.exp(beta + z * se),
                    "p": 2 * stats.norm.sf(np.abs(beta / se)),
                    "p_test": "Wald (robust)" if robust or cluster else "Wald",
                }
            )
        if robust or cluster:
            table.insert(3, "se_naive", se_naive)
        u0 = model.score(np.zeros(p))
        i0 = -model.hessian(np.zeros(p))
        stat = {
            "likelihood ratio": 2 * (ll - ll0),
            "wald (robust)" if robust or cluster else "wald": _quadratic(beta, cov),
            "score": _quadratic(u0, i0),
        }
        tests = pd.DataFrame(
            [
                {"test": k, "statistic": v, "df": p, "p": float(stats.chi2.sf(v, p))}
                for k, v in stat.items()
            ]
        )
    if dropped:
        table = pd.concat(
            [table, pd.DataFrame({"term": dropped, "p_test": "not estimable"})],
            ignore_index=True,
        )
    return CoxResult(
        table,
        tests,
        ll,
        ll0,
        len(data),
        int(event.sum()),
        "breslow" if firth else ties,
        firth,
        design,
        data,
        strata_arr,
        tuple(notes),
        paramcd,
        bool(robust or cluster),
    )


def _quadratic(u: np.ndarray, m: np.ndarray) -> float:
    """``u' m⁻¹ u``; NaN (shown NE) when ``m`` is singular, e.g. at a monotone fit."""
    try:
        with np.errstate(all="ignore"):
            return float(u @ np.linalg.solve(m, u))
    except np.linalg.LinAlgError:
        return float("nan")
