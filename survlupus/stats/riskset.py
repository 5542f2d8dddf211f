"""The partial likelihood over explicit risk sets: log-likelihood, score, information, score
residuals and the robust (sandwich) variance, as R's ``coxph(..., cluster = id)``: ``V = I⁻¹ (Σ_c L_c L_cᵀ) I⁻¹`` with ``L_c`` the score residuals summed over the
rows of cluster ``c`` (R: ``residuals(fit, "dfbeta")`` summed by cluster, then ``crossprod``).

A subject's score residual (Therneau & Grambsch 2000, §4.6) is
``L_i = δ_i (x_i - x̄(t_i)) - Σ_{t_j <= t_i} w_i r_i (x_i - x̄(t_j)) dΛ(t_j)``, with ``r_i =
exp(x_i b)`` and every sum within the subject's stratum. With Efron's ties the ``d`` deaths at a
time are taken in ``d`` steps: step ``k`` (``k = 0 .. d-1``) has the risk set sums reduced by
``k/d`` of the deaths' sums, mean ``x̄_k``, hazard ``1/S0_k``, and a tied death takes part in
step ``k`` with weight ``1 - k/d`` and ``1/d`` of each step's mean (Breslow: one step, no
reduction). Case weights ``w`` (Fine-Gray's censoring weights) multiply every risk-set term.

The risk weights are a matrix ``W`` (event times × rows, 0 where a row is not at risk), so the
same code serves the ordinary Cox model and the Fine-Gray model, whose risk sets keep subjects
with a competing event at decreasing weights.
"""

from __future__ import annotations

import numpy as np


def risk_matrix(time, event, strata) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(event times, their strata, W)`` with ``W[j, i] = 1`` when row ``i`` is at risk at
    event time ``j`` (``time_i >= t_j``, same stratum)."""
    keys = sorted({(s, t) for s, t, e in zip(strata, time, event, strict=True) if e == 1})
    st = np.array([k[0] for k in keys], dtype=object) if keys else np.array([], object)
    tj = np.array([k[1] for k in keys], float)
    W = (time[None, :] >= tj[:, None]) & (np.asarray(strata, object)[None, :] == st[:, None])
    return tj, st, W.astype(float)


def _steps(W, dead, X, beta, ties):
    """Per Efron step (one step for Breslow): which event times take part, the reduction
    fraction ``k/d``, S0, the mean, the second moment; with the risk scores and their shift."""
    with np.errstate(over="ignore"):
        eta = X @ beta
    shift = float(eta.max()) if len(eta) else 0.0
    r = np.exp(eta - shift)  # shifted: every ratio is unchanged, nothing overflows
    Wr = W * r[None, :]
    S0, S1 = Wr.sum(axis=1), Wr @ X
    XX = (X[:, :, None] * X[:, None, :]).reshape(len(X), -1)
    S2 = Wr @ XX
    Dr = dead * r[None, :]
    D0, D1, D2 = Dr.sum(axis=1), Dr @ X, Dr @ XX
    d = dead.sum(axis=1)
    steps = []
    for k in range(int(d.max()) if ties == "efron" and len(d) else 1):
        active = d > k if ties == "efron" else d > 0
        f = np.where(active, k / np.maximum(d, 1), 0.0) if ties == "efron" else np.zeros_like(d)
        s0 = S0 - f * D0
        safe = np.where(s0 > 0, s0, 1.0)
        mean = (S1 - f[:, None] * D1) / safe[:, None]
        second = (S2 - f[:, None] * D2) / safe[:, None]
        steps.append((active, f, s0, mean, second))
    return steps, d, r, shift, eta


def partial_likelihood(W, dead, X, beta, ties="efron"):
    """``(log-likelihood, score, information)`` of the partial likelihood at ``beta``.

    Efron: ``Σ_j [Σ_deaths η_i - Σ_k log S0_jk]``; Breslow: ``Σ_j [Σ_deaths η_i - d_j log S0_j]``.
    """
    steps, d, r, shift, eta = _steps(W, dead, X, beta, ties)
    p = X.shape[1]
    ll = float((dead.sum(axis=0) * eta).sum())
    U = dead.sum(axis=0) @ X
    info = np.zeros(p * p)
    for active, _f, s0, mean, second in steps:
        c = active * (1.0 if ties == "efron" else d)
        logs0 = np.log(np.where(active & (s0 > 0), s0, 1.0)) + shift
        ll -= float((c * logs0).sum())
        U = U - c @ mean
        info += c @ (second - (mean[:, :, None] * mean[:, None, :]).reshape(len(d), -1))
    return ll, U, info.reshape(p, p)


def newton(W, dead, X, ties="efron", tol=1e-10, max_iter=50):
    """The maximum of the partial likelihood by Newton-Raphson with step halving (as R's
    ``coxph``: start at 0, stop when the log-likelihood no longer changes)."""
    beta = np.zeros(X.shape[1])
    ll, U, info = partial_likelihood(W, dead, X, beta, ties)
    for it in range(max_iter):
        step = np.linalg.solve(info, U)
        new = beta + step
        ll_new, U_new, info_new = partial_likelihood(W, dead, X, new, ties)
        halvings = 0
        while ll_new < ll - 1e-12 and halvings < 30:
            step /= 2
            new = beta + step
            ll_new, U_new, info_new = partial_likelihood(W, dead, X, new, ties)
            halvings += 1
        done = abs(ll_new - ll) <= tol * (abs(ll) + tol) and np.max(np.abs(step)) < 1e-8
        beta, ll, U, info = new, ll_new, U_new, info_new
        if done:
            return beta, ll, info, True, it + 1
    return beta, ll, info, False, max_iter


def _jump(active, s0, d, ties) -> np.ndarray:
    """The hazard step of one Efron step (``1/S0_k``) or of Breslow's single step (``d/S0``)."""
    size = 1.0 if ties == "efron" else d
    return np.where(active & (s0 > 0), size / np.where(s0 > 0, s0, 1.0), 0.0)


def baseline_hazard(W, dead, X, beta, ties="efron") -> np.ndarray:
    """Jumps of the cumulative baseline hazard (``x b = 0``) at the event times: ``d/S0``
    (Breslow) or ``Σ_k 1/S0_k`` (Efron), as ``survfit`` on a ``coxph`` fit."""
    steps, d, _r, shift, _eta = _steps(W, dead, X, beta, ties)
    total = np.zeros(len(d))
    for active, _f, s0, _mean, _second in steps:
        total += _jump(active, s0, d, ties)
    return total * np.exp(-shift)  # the steps' risk scores are shifted by exp(-shift)


def score_residuals(time, event, X, beta, strata, ties="efron", W=None, dead=None):
    """Score residuals (rows × terms) at ``beta``; ``W``/``dead`` for weighted risk sets."""
    if W is None:
        tj, st, W = risk_matrix(time, event, strata)
        dead = W.astype(bool) & (time[None, :] == tj[:, None]) & (event[None, :] == 1)
        dead = dead.astype(float)
    steps, d, r, _shift, _eta = _steps(W, dead, X, beta, ties)
    n, p = X.shape
    L = np.zeros((n, p))
    share = 1.0 / np.maximum(d, 1) if ties == "efron" else np.ones_like(d)
    for active, f, s0, mean, _second in steps:
        # the event part: δ_i (x_i - x̄_k) / d per Efron step, δ_i (x_i - x̄) for Breslow
        w_event = dead * (active * share)[:, None]  # event times × rows
        L += w_event.sum(axis=0)[:, None] * X - w_event.T @ mean
        # the compensator: rows at risk (a tied death with weight 1 - k/d) × the hazard step,
        # 1/S0_k per Efron step, d/S0 for Breslow
        at = (W - f[:, None] * dead) * r[None, :] * _jump(active, s0, d, ties)[:, None]
        L -= at.sum(axis=0)[:, None] * X - at.T @ mean
    return L


def robust_variance(L: np.ndarray, naive: np.ndarray, cluster=None) -> np.ndarray:
    """``I⁻¹ (Σ_c L_c L_cᵀ) I⁻¹`` with ``naive = I⁻¹``; ``cluster`` groups rows (None: each row)."""
    if cluster is not None:
        codes, inv = np.unique(np.asarray(cluster, object).astype(str), return_inverse=True)
        Lc = np.zeros((len(codes), L.shape[1]))
        np.add.at(Lc, inv, L)
    else:
        Lc = L
    D = Lc @ naive
    return D.T @ D
