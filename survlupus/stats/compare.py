"""Comparing survival between groups: log-rank, Fleming-Harrington, stratified, pairwise.

One weighted K-sample test, as R's ``survdiff`` computes it: at each distinct event time ``t``
(within each stratum) with ``n`` at risk and ``d`` events,

* observed and expected for group k: ``sum w(t) d_k`` and ``sum w(t) n_k d / n``;
* covariance: ``sum w(t)^2 d (n - d) / (n - 1) n_k / n (delta_kl - n_l / n)``;
* chi-square = ``(O - E)' V^- (O - E)`` on K - 1 degrees of freedom (first K - 1 groups).

Weights: ``None`` is the log-rank test (w = 1); ``("fh", p, q)`` is Fleming-Harrington,
``w = S(t-)^p (1 - S(t-))^q`` with S the pooled Kaplan-Meier estimate of the stratum just before
``t`` (R's ``survdiff(rho = p)`` is ``("fh", p, 0)``). A stratified test sums O - E and V over
strata (lifelines has no stratified log-rank).

>>> res = logrank(adtte, "TTSFLR", by="ARM", strata="SUBGROUP")          # doctest: +SKIP
>>> res.chisq, res.df, res.p, res.table                                # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.stats.data import group_labels, select
from survlupus.stats.display import html_table


@dataclass(frozen=True)
class LogRankResult:
    """``chisq, df, p`` with ``test`` naming it; ``table`` has ``group, n, observed, expected``;
    ``pairwise`` (with a reference group) has one test per group against the reference."""

    test: str
    chisq: float
    df: int
    p: float
    table: pd.DataFrame
    pairwise: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"<LogRankResult {self.test}: chisq={self.chisq:.3f}, df={self.df}, p={self.p:.4g}>"

    def _repr_html_(self) -> str:
        return html_table(repr(self), self.table)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"test": self.test, "chisq": self.chisq, "df": self.df, "p": self.p}])


def _weights_name(weights) -> str:
    if weights is None:
        return "log-rank"
    kind, p, q = weights
    return f"Fleming-Harrington(p={p:g}, q={q:g})"


def _stratum_terms(time, event, group_idx, k, weights):
    """O - E (k,) and V (k, k) for one stratum, vectorised over its distinct event times."""
    times, tix = np.unique(time, return_inverse=True)
    m = len(times)
    removed = np.bincount(tix * k + group_idx, minlength=m * k).reshape(m, k).astype(float)
    d_k = np.bincount(tix * k + group_idx, weights=event == 1, minlength=m * k).reshape(m, k)
    n_k = removed[::-1].cumsum(axis=0)[::-1]  # at risk at each time, by group
    at_event = d_k.sum(axis=1) > 0
    n_k, d_k = n_k[at_event], d_k[at_event]
    n, d = n_k.sum(axis=1), d_k.sum(axis=1)
    if weights is None:
        w = np.ones(len(n))
    else:
        _, p, q = weights
        surv = np.concatenate([[1.0], np.cumprod(1 - d / n)[:-1]])  # pooled KM just before t
        w = surv**p * (1 - surv) ** q
    ow = (w[:, None] * d_k).sum(axis=0)
    ew = (w[:, None] * n_k * (d / n)[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.where(n > 1, w**2 * d * (n - d) / (n - 1), 0.0)
    frac = n_k / n[:, None]
    var = np.diag(coef @ frac) - np.einsum("t,ti,tj->ij", coef, frac, frac)
    return ow, ew, var


def _test(data: pd.DataFrame, by: str, strata: str | None, weights, labels: list):
    k = len(labels)
    gi = data[by].map({g: i for i, g in enumerate(labels)}).to_numpy()
    time, event = data["time"].to_numpy(), data["event"].to_numpy()
    obs, exp, var = np.zeros(k), np.zeros(k), np.zeros((k, k))
    if strata:
        codes = pd.factorize(data[strata], sort=True)[0]
        parts = [codes == s for s in range(codes.max() + 1)]
    else:
        parts = [slice(None)]
    for ins in parts:
        o, e, v = _stratum_terms(time[ins], event[ins], gi[ins], k, weights)
        obs += o
        exp += e
        var += v
    oe = obs - exp
    use = slice(0, k - 1)
    chisq = float(oe[use] @ np.linalg.pinv(var[use, use]) @ oe[use]) if k > 1 else 0.0
    df = int(np.linalg.matrix_rank(var[use, use])) if k > 1 else 0
    if k > 1 and df == 0 and (exp > 0).sum() > 1:
        # events, but every weight zero (e.g. FH(0, 1) with events only while S = 1): no
        # evidence of a difference; R's survdiff gives chisq 0 on k - 1 df, p = 1
        df = int((exp > 0).sum()) - 1
    p = float(stats.chi2.sf(chisq, df)) if df > 0 else float("nan")
    return chisq, df, p, obs, exp


def logrank(
    adtte: pd.DataFrame,
    paramcd: str,
    by: str,
    strata: str | None = None,
    weights: tuple[str, float, float] | None = None,
    reference=None,
    subjects: pd.DataFrame | None = None,
) -> LogRankResult:
    """Log-rank (or Fleming-Harrington weighted) test of ``paramcd`` between the groups of ``by``,
    as R's ``survdiff``.

    Parameters
    ----------
    adtte : DataFrame
    paramcd : str
    by : str
        The grouping column (two or more groups).
    strata : str, optional
        Stratified test: observed minus expected and variances summed over strata.
    weights : None or ("fh", p, q)
        ``S(t-)^p (1 - S(t-))^q``; R's ``rho = p`` is ``("fh", p, 0)``.
    reference : optional
        Also test each other group against this one (``pairwise``).
    subjects : DataFrame, optional

    Returns
    -------
    LogRankResult
        ``test, chisq, df, p``, ``table`` (observed and expected per group), ``pairwise``.

    Raises
    ------
    ValueError
        One group only (a single-arm trial), an unknown reference, bad weights.
    DataError
        No rows for ``paramcd``, a missing column.

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"), ["TTSFLR"],
    ...                                window_days=379)
    >>> lr = survlupus.logrank(adtte, "TTSFLR", by="ARM")
    >>> round(lr.chisq, 3), lr.df, round(lr.p, 4)
    (1.067, 2, 0.5865)
    """
    if weights is not None and (len(weights) != 3 or weights[0] != "fh"):
        raise ValueError("weights must be None or ('fh', p, q)")
    cols = [by] + ([strata] if strata else [])
    data = select(adtte, paramcd, cols, subjects)
    labels = group_labels(data[by])
    if len(labels) < 2:
        raise ValueError(
            f"logrank compares groups: {by} of {paramcd} has one group ({labels[0] if labels else 'none'}); "
            "a single-arm trial has no between-arm test"
        )
    chisq, df, p, obs, exp = _test(data, by, strata, weights, labels)
    name = _weights_name(weights) + (f" stratified by {strata}" if strata else "")
    table = pd.DataFrame(
        {
            "group": labels,
            "n": [int((data[by] == g).sum()) for g in labels],
            "observed": obs,
            "expected": exp,
        }
    )
    pairwise = None
    if reference is not None:
        if reference not in labels:
            raise ValueError(f"reference {reference!r} is not a group of {by}: {labels}")
        rows = []
        for g in labels:
            if g == reference:
                continue
            sub = data[data[by].isin([g, reference])]
            c, d_, pv, _, _ = _test(sub, by, strata, weights, sorted([g, reference], key=str))
            rows.append(
                {"group": g, "reference": reference, "test": name, "chisq": c, "df": d_, "p": pv}
            )
        pairwise = pd.DataFrame(rows)
    return LogRankResult(name, chisq, df, p, table, pairwise)
