"""Fine-Gray regression: the proportional subdistribution hazards model of a competing-risk
outcome (Fine JP, Gray RJ. J Am Stat Assoc 1999;94:496-509), and the cumulative incidence it
predicts.

The same numbers as R's ``survival::finegray`` followed by a weighted ``coxph`` clustered by
subject::

    fg <- finegray(Surv(time, factor(cause)) ~ ., data, etype = "1")
    fit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ ARM + AGE, weights = fgwt, data = fg,
                 cluster = id)                   # ties = "efron" (default) or "breslow"
    survfit(fit, newdata = ...)                  # the predicted cumulative incidence

* **Risk sets.** At each time ``t`` of the event of interest, everyone still observed
  (``time >= t``) has weight 1, and a subject whose *competing* event came first stays in with
  weight ``G(t-) / G(s-)``, ``s`` the competing event's time and ``G`` the Kaplan-Meier estimate
  of the censoring distribution; censored subjects leave. ``G`` counts tied events before the
  censorings of the same day (as ``finegray`` does).
* **Fit.** The weighted partial likelihood (Efron or Breslow ties) by Newton-Raphson, the one
  engine of :mod:`survlupus.stats.riskset`.
* **Variance.** Robust (sandwich, per subject), as ``coxph(..., cluster = id)`` reports it and
  the paper recommends; the model-based ``se_naive`` is given beside it. ``cmprsk::crr`` uses
  Breslow ties and a variance that also accounts for estimating ``G``: its coefficients equal
  ``ties="breslow"`` here up to its evaluation of ``G`` (1e-3 on the validation data), its
  standard errors agree to about 1e-3 (``validation/r/regression.R`` lists both).
* **CIF.** ``F(t | x) = 1 - exp(-Λ₀(t) exp(x b))`` with the Breslow (or Efron) baseline
  subdistribution hazard, as ``survfit`` on the fit.

>>> fg = fine_gray(adtte, "TTRFLR", competing="TTDTH", covariates=["ARM"],
...                reference="Placebo")                       # doctest: +SKIP
>>> fg.table                                                  # doctest: +SKIP
>>> fg.cif({"ARM": "MSC high"}, times=[182, 365])             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.stats.competing import competing_data
from survlupus.stats.cox import TIES, Design, design_matrix
from survlupus.stats.data import _problem
from survlupus.stats.display import html_table
from survlupus.stats.identifiable import drop_aliased
from survlupus.stats.riskset import baseline_hazard, newton, robust_variance, score_residuals


def censoring_survival_before(time: np.ndarray, cause: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``G(at-)``: the Kaplan-Meier estimate of the censoring distribution just before each
    time in ``at``; at a tied time the events leave the risk set before the censorings."""
    cens_times = np.unique(time[cause == 0])
    n_cens = np.array([((time == c) & (cause == 0)).sum() for c in cens_times])
    at_risk = np.array([((time > c) | ((time == c) & (cause == 0))).sum() for c in cens_times])
    factors = 1.0 - n_cens / np.maximum(at_risk, 1)
    cum = np.concatenate([[1.0], np.cumprod(factors)])
    return cum[np.searchsorted(cens_times, at, side="left")]


def subdistribution_risk(time, cause):
    """``(event times, W, dead)``: the Fine-Gray risk weights (event times × subjects)."""
    tj = np.unique(time[cause == 1])
    observed = time[None, :] >= tj[:, None]
    g_t = censoring_survival_before(time, cause, tj)
    g_s = censoring_survival_before(time, cause, time)
    kept = (cause[None, :] == 2) & ~observed
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(g_s[None, :] > 0, g_t[:, None] / g_s[None, :], 0.0)
    W = np.where(observed, 1.0, np.where(kept, ratio, 0.0))
    dead = ((time[None, :] == tj[:, None]) & (cause[None, :] == 1)).astype(float)
    return tj, W, dead


@dataclass(frozen=True)
class FineGrayResult:
    """``table``: ``term, coef, se (robust), se_naive, shr, lower, upper, p``; ``cif(...)``
    predicts the cumulative incidence of the event for given covariate values."""

    table: pd.DataFrame
    paramcd: str
    competing: str | None
    n: int
    n_events: int
    n_competing: int
    ties: str
    converged: bool
    design: Design = field(repr=False)
    beta: np.ndarray = field(repr=False)
    event_times: np.ndarray = field(repr=False)
    hazard: np.ndarray = field(repr=False)  # baseline jumps at the event times, for x b = 0
    levels: dict = field(repr=False, default_factory=dict)
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"<FineGrayResult {self.paramcd} (competing {self.competing}): n={self.n}, "
            f"{self.n_events} events, {self.n_competing} competing, {len(self.table)} terms>"
        )

    def _repr_html_(self) -> str:
        notes = "; ".join(self.notes)
        return html_table(repr(self) + (f" Note: {notes}" if notes else ""), self.table)

    def cif(self, values: Mapping[str, object], times: Sequence[float]) -> pd.DataFrame:
        """Predicted cumulative incidence at ``times`` for one set of covariate ``values``
        (e.g. ``{"ARM": "MSC high", "AGE": 45}``), as ``survfit(fit, newdata=)``."""
        x = np.zeros(len(self.design.names))
        for cov, cols in self.levels.items():
            if cov not in values:
                raise ValueError(
                    f"cif: give a value of {cov} (the model's covariates: {', '.join(self.levels)})"
                )
            v = values[cov]
            if cols is None:
                x[self.design.names.index(cov)] = float(v)
            else:
                name = f"{cov}[{v}]"
                if str(v) not in cols["levels"]:
                    raise ValueError(f"cif: {v!r} is not a level of {cov}: {cols['levels']}")
                if name in self.design.names:
                    x[self.design.names.index(name)] = 1.0
        lp = float(x @ self.beta)
        cum = np.concatenate([[0.0], np.cumsum(self.hazard)])
        at = cum[np.searchsorted(self.event_times, np.asarray(times, float), side="right")]
        with np.errstate(over="ignore"):
            return pd.DataFrame({"time": list(times), "cif": 1.0 - np.exp(-at * np.exp(lp))})


def fine_gray(
    adtte: pd.DataFrame,
    paramcd: str,
    competing: str | None = None,
    covariates: Sequence[str] = ("ARM",),
    reference=None,
    ties: str = "efron",
    subjects: pd.DataFrame | None = None,
    conf_level: float = 0.95,
) -> FineGrayResult:
    """Fine-Gray model of ``paramcd`` with ``competing`` as the competing event (module docstring),
    as ``finegray`` + ``coxph(..., cluster = id)`` in R.

    Parameters
    ----------
    adtte : DataFrame
        Both parameters' rows (or a ``CRSTAT`` column 0/1/2 with ``competing=None``).
    paramcd : str
    competing : str, optional
    covariates : sequence of str
        Default ``("ARM",)``.
    reference : optional
        Reference level of the first text covariate.
    ties : {"efron", "breslow"}
    subjects : DataFrame, optional
    conf_level : float

    Returns
    -------
    FineGrayResult
        ``table`` (``term, coef, se`` robust, ``se_naive, shr, lower, upper, p``) and
        ``cif(values, times)``.

    Raises
    ------
    DataError
        No event, no estimable term, as many terms as events or more, a singular model.

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"),
    ...                                ["TTSFLR", "TTRFLR", "TTDTH"], window_days=379)
    >>> fg = survlupus.fine_gray(adtte, "TTRFLR", "TTDTH", ["ARM"], reference="Placebo")
    >>> fg.table[["term", "shr"]].round(2).values.tolist()
    [['ARM[MSC high]', 1.25], ['ARM[MSC low]', 1.14]]
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}")
    covariates = list(covariates)
    data = competing_data(adtte, paramcd, competing, covariates, subjects)
    time, cause = data["time"].to_numpy(float), data["cause"].to_numpy(int)
    n_events, n_comp = int((cause == 1).sum()), int((cause == 2).sum())
    design = design_matrix(data, covariates, reference)
    design, dropped = drop_aliased(design, np.zeros(len(data), int))
    model = f"Fine-Gray model of {paramcd}"
    if n_events == 0:
        raise _problem(f"{model}: no event of {paramcd}", "nothing to model; report the counts")
    if design.X.shape[1] == 0:
        raise _problem(
            f"{model}: no term of {', '.join(covariates)} can be estimated",
            "each covariate is constant; remove it",
        )
    if design.X.shape[1] >= n_events:
        raise _problem(
            f"{model}: {design.X.shape[1]} terms but {n_events} events",
            "use fewer covariates (at least one event per term; about ten is the usual rule)",
        )
    tj, W, dead = subdistribution_risk(time, cause)
    X = design.X
    try:
        beta, _ll, info, converged, _it = newton(W, dead, X, ties)
        naive = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise _problem(
            f"{model}: the information matrix is singular (a covariate without variation "
            "among the subjects at risk at the event times)",
            "remove that covariate",
        ) from None
    notes = [f"{name} cannot be estimated (constant or aliased): dropped" for name in dropped]
    if not converged or np.any(np.abs(beta) > 10):
        converged = False
        notes.append(
            "the partial likelihood has no finite maximum (an arm without events?): the "
            "estimates are not usable"
        )
    L = score_residuals(time, (cause == 1).astype(int), X, beta, None, ties, W=W, dead=dead)
    cov = robust_variance(L, naive)
    se, se_naive = np.sqrt(np.diag(cov)), np.sqrt(np.diag(naive))
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(over="ignore"):
        table = pd.DataFrame(
            {
                "term": design.names,
                "coef": beta,
                "se": se,
                "se_naive": se_naive,
                "shr": np.exp(beta),
                "lower": np.exp(beta - z * se),
                "upper": np.exp(beta + z * se),
                "p": 2 * stats.norm.sf(np.abs(beta / se)),
                "p_test": "Wald (robust)",
            }
        )
    hazard = baseline_hazard(W, dead, X, beta, ties)
    levels = {
        cov: None if cov in design.names else {"levels": sorted(data[cov].astype(str).unique())}
        for cov in covariates
    }
    return FineGrayResult(
        table,
        paramcd,
        competing,
        len(data),
        n_events,
        n_comp,
        ties,
        converged,
        design,
        beta,
        tj,
        hazard,
        levels,
        tuple(notes),
    )
