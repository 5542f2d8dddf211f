"""The Cox partial likelihood (Efron or Breslow ties, strata) on cumulative risk-set sums, fitted
by Newton-Raphson as R's ``coxph`` does.

Rows are sorted by time once; at each event time the risk-set sums ``S0, S1, S2`` of ``r x^k``
(``r = exp(x b)``) are cumulative sums of per-block sums, and the deaths' sums ``D0, D1, D2`` are
the block's dead rows. Efron's ``d`` tied deaths are taken in ``d`` steps with the risk set
reduced by ``k/d`` of the deaths' sums (Breslow: one step, no reduction), vectorised over the
event times. A likelihood evaluation costs O(n p²); a fit, a few of them.

The same object is what :func:`survlupus.cox` asks for ``loglike``, ``score`` and ``hessian`` (the
names of statsmodels' ``PHReg``, which it replaces here for speed: same numbers, checked against
R in ``tests/test_stats_vs_r.py`` and ``tests/test_regression_vs_r.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class RiskSets:
    """One stratum's rows sorted by time (latest first), with what does not depend on ``b``
    computed once: the products ``x x``, the event times (latest first), their tie counts ``d``
    and the blocks of rows between them, whose cumulated sums are the risk-set sums."""

    def __init__(self, time, event, X):
        order = np.argsort(-time, kind="stable")
        t, e, x = time[order], event[order], X[order]
        n, p = x.shape
        self.x, self.p, self.dead = x, p, e == 1
        self.xx = (x[:, :, None] * x[:, None, :]).reshape(n, p * p)
        times, d = np.unique(t[self.dead], return_counts=True)
        self.d = d[::-1].astype(float)
        # the last row (rows sorted latest first) at risk at each event time, latest first
        ends = (len(t) - 1 - np.searchsorted(t[::-1], times, side="left"))[::-1]
        self.starts = np.concatenate([[0], ends[:-1] + 1]).astype(int)
        self.stop = int(ends[-1]) + 1 if len(ends) else 0
        self.xsum = x[self.dead].sum(axis=0)

    def weights(self, beta):
        """``(eta, shift, r)``: the linear predictor, its maximum, and ``exp(eta - shift)`` of
        the rows ever at risk (shifted: every ratio is unchanged, nothing overflows)."""
        eta = self.x @ beta
        shift = float(eta.max())
        return eta, shift, np.exp(eta[: self.stop] - shift)

    def block(self, v):
        """Sums of ``v`` (rows ever at risk) over the blocks between event times."""
        return np.add.reduceat(v, self.starts, axis=0)

    def cum(self, v):
        """Sums of ``v`` over each event time's risk set."""
        return np.cumsum(self.block(v), axis=0)

    def breslow(self, eta, shift, s0, m1, dm2):
        """Log-likelihood, score and information (flattened) from the risk sets: ``m1`` the
        risk-set means of x at each event time, ``dm2`` the sum over the event times of ``d``
        times the risk-set means of x x' (flattened): never an event-times x p^2 array."""
        d = self.d
        ll = float(eta[self.dead].sum()) - float(np.sum(d * (np.log(s0) + shift)))
        dm1 = d[:, None] * m1
        return ll, self.xsum - dm1.sum(axis=0), dm2 - (dm1.T @ m1).ravel()

    def moments(self, beta, ties: str):
        p, d = self.p, self.d
        if not len(d):
            return 0.0, np.zeros(p), np.zeros((p, p))
        x, xx = self.x[: self.stop], self.xx[: self.stop]
        eta, shift, r = self.weights(beta)
        s0, s1, s2 = self.cum(r), self.cum(r[:, None] * x), self.cum(r[:, None] * xx)
        if not (ties == "efron" and np.any(d > 1)):  # Breslow: d deaths share one risk set
            ll, U, info = self.breslow(eta, shift, s0, s1 / s0[:, None], (d / s0) @ s2)
            return ll, U, info.reshape(p, p)
        rd = r * self.dead[: self.stop]
        d0, d1, d2 = self.block(rd), self.block(rd[:, None] * x), self.block(rd[:, None] * xx)
        ll = float(eta[self.dead].sum())
        U = self.xsum.astype(float).copy()
        info = np.zeros(p * p)
        for k in range(int(d.max())):
            if k == 0:  # the first of the tied deaths: the whole risk set at every event time
                a0, n1, n2 = s0, s1, s2
            else:
                act = d > k
                f = (k / d[act])[:, None]
                a0 = s0[act] - f[:, 0] * d0[act]
                n1, n2 = s1[act] - f * d1[act], s2[act] - f * d2[act]
            w = 1 / a0
            m1 = n1 * w[:, None]
            ll -= float(np.sum(np.log(a0) + shift))
            U -= m1.sum(axis=0)
            # sum over the times of (m2 - m1 m1'), m2 = n2 / a0: never a times x p^2 array
            info += w @ n2 - (m1.T @ m1).ravel()
        return ll, U, info.reshape(p, p)


@dataclass
class CoxFit:
    """What a fit gives: ``params``, ``cov_params()``, ``llf``, ``mle_retvals``."""

    params: np.ndarray
    llf: float
    information: np.ndarray
    mle_retvals: dict = field(default_factory=dict)

    def cov_params(self) -> np.ndarray:
        return np.linalg.inv(self.information)


class CoxModel:
    """The partial likelihood of one design (see the module docstring)."""

    strata_class = RiskSets

    def __init__(self, time, event, strata, X, ties: str = "efron"):
        time, event, strata = np.asarray(time, float), np.asarray(event, int), np.asarray(strata)
        self.ties, self.p = ties, X.shape[1]
        self.parts = [
            self.strata_class(time[strata == s], event[strata == s], X[strata == s])
            for s in np.unique(strata)
        ]

    def moments(self, beta):
        beta = np.asarray(beta, float)
        ll, U, info = 0.0, np.zeros(self.p), np.zeros((self.p, self.p))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for part in self.parts:
                a, b, c = part.moments(beta, self.ties)
                ll, U, info = ll + a, U + b, info + c
        return ll, U, info

    def loglike(self, beta) -> float:
        return self.moments(beta)[0]

    def score(self, beta) -> np.ndarray:
        return self.moments(beta)[1]

    def hessian(self, beta) -> np.ndarray:
        return -self.moments(beta)[2]

    def fit(self, max_iter: int = 30, tol: float = 1e-12) -> CoxFit:
        """Newton-Raphson from 0 with step halving (as ``coxph``); converged when the step is
        below ``tol`` relative to the coefficients."""
        b = np.zeros(self.p)
        ll, U, info = self.moments(b)[:3]
        converged = False
        for _ in range(max_iter):
            step = np.linalg.solve(info, U)  # LinAlgError: singular information
            for _ in range(30):
                new = self.moments(b + step)[:3]
                if np.isfinite(new[0]) and new[0] >= ll - 1e-12 * max(1.0, abs(ll)):
                    break
                step = step / 2
            b, (ll, U, info) = b + step, new
            if np.max(np.abs(step)) <= tol * max(1.0, float(np.max(np.abs(b)))):
                converged = True
                break
        return CoxFit(b, float(ll), info, {"converged": converged})
