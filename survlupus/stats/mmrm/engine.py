"""The REML engine of the MMRM: the likelihood, its analytic gradient, the optimiser and the
Satterthwaite degrees of freedom.

Model: y_i = X_i β + ε_i, ε_i ~ N(0, Σ_i), Σ_i the rows and columns of Σ(θ) at subject i's
observed visits; subjects independent. With V = blockdiag(Σ_i), A = (Xᵀ V⁻¹ X)⁻¹,
β̂ = A Xᵀ V⁻¹ y and r = y - X β̂, the restricted log-likelihood is

    ℓ_R(θ) = -½ [ (N - p) log 2π + log|V| + rᵀ V⁻¹ r + log|Xᵀ V⁻¹ X| ]

(N records, p = rank of X) — ``nlme::gls(method = "REML")``'s. Its gradient with respect to Σ is
G = ½ Σ_i E_i [ -Σ_i⁻¹ + Σ_i⁻¹ (X_i A X_iᵀ + r_i r_iᵀ) Σ_i⁻¹ ] E_iᵀ (E_i places subject i's visits),
and ∂ℓ/∂θ_k = Σ_jl G_jl ∂Σ_jl/∂θ_k. Subjects are grouped by their pattern of observed visits,
so each pattern's Σ_i is inverted once per evaluation, in stacked (batched) arrays.

Optimisation: BFGS on -ℓ_R from the pairwise sample covariance of OLS residuals, then Newton
steps with the Hessian from central differences of the analytic gradient until the step is below
1e-8 or the likelihood gains less than 1e-11. The inverse of that Hessian (observed information) is
the covariance of θ̂.

Satterthwaite: for a linear combination cᵀβ with v(θ) = cᵀ A(θ) c,
df = 2 v² / (∇vᵀ W ∇v), W = (-∂²ℓ_R/∂θ²)⁻¹, ∇v by central differences of A(θ) at θ̂. (The same
formula as ``mmrm``'s and ``lmerTest``'s; ``emmeans`` on a ``gls`` fit uses nlme's numerical
``apVar`` for W, so its df can differ slightly.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from survlupus.stats.mmrm import covariance

LOG_2PI = float(np.log(2 * np.pi))


class FitError(ValueError):
    """The model cannot be fitted; the message says why and what to do."""


@dataclass
class Pattern:
    """Subjects with the same number m of observed visits: ``idx`` (P × m) the distinct sets of
    visit positions, ``which`` (n) each subject's set, ``y`` (n × m), ``x`` (n × m × p)."""

    idx: np.ndarray
    which: np.ndarray
    y: np.ndarray
    x: np.ndarray


@dataclass
class Evaluation:
    loglik: float
    beta: np.ndarray
    a: np.ndarray  # (Xᵀ V⁻¹ X)⁻¹
    grad_sigma: np.ndarray | None = None  # G (T × T)


def make_patterns(pos: np.ndarray, subj: np.ndarray, y: np.ndarray, x: np.ndarray, t: int):
    """Group records (visit position ``pos``, subject code ``subj``) by the number of visits a
    subject has, each group holding its distinct visit sets (so that every evaluation works on
    stacked arrays, one batched factorisation per set)."""
    order = np.lexsort((pos, subj))
    pos, subj, y, x = pos[order], subj[order], y[order], x[order]
    starts = np.flatnonzero(np.r_[True, subj[1:] != subj[:-1]])
    sizes = np.diff(np.r_[starts, len(subj)])
    out = []
    for m in np.unique(sizes):
        first = starts[sizes == m]
        rows = (first[:, None] + np.arange(m)[None, :]).ravel()
        sets = pos[rows].reshape(-1, m)
        idx, which = np.unique(sets, axis=0, return_inverse=True)
        out.append(
            Pattern(idx, which.ravel(), y[rows].reshape(-1, m), x[rows].reshape(-1, m, x.shape[1]))
        )
    return out


def evaluate(structure, theta, patterns, t, p, grad: bool = False) -> Evaluation:
    """ℓ_R(θ), β̂ and A; with ``grad`` also G = ∂ℓ_R/∂Σ."""
    full = covariance.sigma(structure, theta, t)
    xtvx = np.zeros((p, p))
    xtvy = np.zeros(p)
    logdet = 0.0
    n_total = 0
    cache = []
    for pat in patterns:
        s = full[pat.idx[:, :, None], pat.idx[:, None, :]]  # P × m × m
        sign, logdets = np.linalg.slogdet(s)
        if np.any(sign <= 0):
            return Evaluation(-np.inf, np.full(p, np.nan), np.full((p, p), np.nan))
        inv = np.linalg.inv(s)[pat.which]  # n × m × m
        vx = inv @ pat.x  # n × m × p
        vy = np.einsum("nmk,nk->nm", inv, pat.y)
        xtvx += np.einsum("nmp,nmq->pq", pat.x, vx)
        xtvy += np.einsum("nmp,nm->p", pat.x, vy)
        logdet += float(logdets[pat.which].sum())
        n_total += pat.y.size
        cache.append((inv, vx, vy))
    try:
        chol_a = linalg.cho_factor(xtvx)
    except linalg.LinAlgError:
        return Evaluation(-np.inf, np.full(p, np.nan), np.full((p, p), np.nan))
    beta = linalg.cho_solve(chol_a, xtvy)
    a = linalg.cho_solve(chol_a, np.eye(p))
    quad = 0.0
    for pat, (_, vx, vy) in zip(patterns, cache, strict=True):
        r = pat.y - pat.x @ beta
        quad += float(np.einsum("nm,nm->", r, vy - vx @ beta))
    logdet_xtvx = 2.0 * float(np.log(np.diag(chol_a[0])).sum())
    ll = -0.5 * ((n_total - p) * LOG_2PI + logdet + quad + logdet_xtvx)
    out = Evaluation(ll, beta, a)
    if grad:
        g = np.zeros((t, t))
        for pat, (inv, vx, vy) in zip(patterns, cache, strict=True):
            vr = vy - vx @ beta  # Σ⁻¹ r
            m_s = vx @ a @ vx.transpose(0, 2, 1) + vr[:, :, None] * vr[:, None, :] - inv
            rows = pat.idx[pat.which]
            np.add.at(g, (rows[:, :, None], rows[:, None, :]), 0.5 * m_s)
        out.grad_sigma = g
    return out


def gradient(structure, theta, patterns, t, p) -> tuple[float, np.ndarray]:
    ev = evaluate(structure, theta, patterns, t, p, grad=True)
    if not np.isfinite(ev.loglik):
        return ev.loglik, np.full(len(theta), np.nan)
    jac = covariance.jacobian(structure, theta, t)
    return ev.loglik, np.einsum("kij,ij->k", jac, ev.grad_sigma)


def hessian(structure, theta, patterns, t, p, h: float = 1e-5) -> np.ndarray:
    k = len(theta)
    out = np.empty((k, k))
    for i in range(k):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        out[i] = (
            gradient(structure, up, patterns, t, p)[1]
            - gradient(structure, down, patterns, t, p)[1]
        ) / (2 * h)
    return (out + out.T) / 2


@dataclass
class Optimum:
    theta: np.ndarray
    loglik: float
    hessian: np.ndarray
    iterations: int
    gradient_norm: float
    converged: bool
    message: str


def maximise(structure, theta0, patterns, t, p, max_newton: int = 20) -> Optimum:
    """BFGS, then Newton polishing (see the module docstring)."""

    def neg(th):
        ll, g = gradient(structure, th, patterns, t, p)
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(th)
        return -ll, -g

    res = optimize.minimize(
        neg, theta0, jac=True, method="BFGS", options={"gtol": 1e-6, "maxiter": 2000}
    )
    theta = res.x
    iterations = int(res.nit)
    ll, g = gradient(structure, theta, patterns, t, p)
    h = hessian(structure, theta, patterns, t, p)
    for _ in range(max_newton):
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            break
        new = theta - step
        ll_new, g_new = gradient(structure, new, patterns, t, p)
        if not np.isfinite(ll_new) or ll_new < ll - 1e-9:
            break
        gain = ll_new - ll
        theta, ll, g = new, ll_new, g_new
        iterations += 1
        h = hessian(structure, theta, patterns, t, p)
        if np.max(np.abs(step)) < 1e-8 or gain < 1e-11:
            break
    eig = np.linalg.eigvalsh(h)
    gnorm = float(np.max(np.abs(g)))
    converged = bool(np.all(eig < 0) and gnorm < 1e-4)
    message = (
        "converged"
        if converged
        else (
            "the REML surface is not concave at the optimum (a covariance parameter is not "
            "identified: too few subjects per visit, or a correlation at its bound)"
            if not np.all(eig < 0)
            else f"gradient {gnorm:.2g} not at zero after optimisation"
        )
    )
    return Optimum(theta, ll, h, iterations, gnorm, converged, message)


def satterthwaite(
    structure, opt: Optimum, patterns, t, p, contrasts: np.ndarray, h: float = 1e-5
) -> tuple[np.ndarray, np.ndarray]:
    """Variance and Satterthwaite df of each row of ``contrasts`` (L × p)."""
    theta = opt.theta
    a0 = evaluate(structure, theta, patterns, t, p).a
    k = len(theta)
    da = np.empty((k, p, p))
    for i in range(k):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        da[i] = (
            evaluate(structure, up, patterns, t, p).a - evaluate(structure, down, patterns, t, p).a
        ) / (2 * h)
    try:
        w = np.linalg.inv(-opt.hessian)
    except np.linalg.LinAlgError:
        w = np.linalg.pinv(-opt.hessian)
    var = np.einsum("lp,pq,lq->l", contrasts, a0, contrasts)
    grad = np.einsum("lp,kpq,lq->lk", contrasts, da, contrasts)
    denom = np.einsum("lk,kj,lj->l", grad, w, grad)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(denom > 0, 2 * var**2 / denom, np.inf)
    return var, df
