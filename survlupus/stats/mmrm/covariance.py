"""Residual covariance structures of the MMRM, each a map from unconstrained parameters θ to a
positive-definite T×T matrix Σ (T visits, in visit order).

========  ==========================================  ======================================
name      Σ                                           θ (unconstrained)
========  ==========================================  ======================================
``us``    unstructured: Σ = L Lᵀ                      lower triangle of L by rows, diagonal
                                                      on the log scale (T(T+1)/2)
``cs``    σ² [(1-ρ) I + ρ J]                          log σ, z; ρ = (eᶻ - 1/(T-1)) / (eᶻ + 1)
``csh``   D [(1-ρ) I + ρ J] D, D = diag(σ_t)          log σ_1..σ_T, z (as ``cs``)
``ar1``   σ² ρ^|i-j|                                  log σ, z; ρ = tanh z
``arh1``  σ_i σ_j ρ^|i-j|                             log σ_1..σ_T, z
``toep``  σ² ρ_|i-j| (any stationary correlation)     log σ, partial autocorrelations
                                                      tanh z_1..z_{T-1} (Durbin-Levinson)
========  ==========================================  ======================================

Lags are in visit positions (1, 2, ... in visit order), as R's ``mmrm`` and
``nlme::corAR1(form = ~ VISITN | USUBJID)`` with VISITN the visit's position.
"""

from __future__ import annotations

import numpy as np

STRUCTURES = ("us", "cs", "csh", "ar1", "arh1", "toep")

R_EQUIVALENT = {
    "us": "correlation = corSymm(form = ~ VISITN | USUBJID), weights = varIdent(form = ~ 1 | AVISIT)",
    "cs": "correlation = corCompSymm(form = ~ 1 | USUBJID)",
    "csh": "correlation = corCompSymm(form = ~ 1 | USUBJID), weights = varIdent(form = ~ 1 | AVISIT)",
    "ar1": "correlation = corAR1(form = ~ VISITN | USUBJID)",
    "arh1": "correlation = corAR1(form = ~ VISITN | USUBJID), weights = varIdent(form = ~ 1 | AVISIT)",
    "toep": "correlation = corARMA(form = ~ VISITN | USUBJID, p = T - 1)",
}
"""The ``nlme::gls`` arguments giving the same model (VISITN: the visit's position 1..T)."""


def n_params(structure: str, t: int) -> int:
    return {
        "us": t * (t + 1) // 2,
        "cs": 1 + (t > 1),
        "csh": t + (t > 1),
        "ar1": 1 + (t > 1),
        "arh1": t + (t > 1),
        "toep": t,
    }[structure]


def _cs_rho(z: float, t: int) -> float:
    lo = -1.0 / (t - 1)
    e = np.exp(np.clip(z, -30, 30))
    return (e + lo) / (e + 1)


def _cs_z(rho: float, t: int) -> float:
    lo = -1.0 / (t - 1)
    rho = np.clip(rho, lo + 1e-6, 1 - 1e-6)
    return float(np.log((rho - lo) / (1 - rho)))


def _pacf_to_acf(pacf: np.ndarray) -> np.ndarray:
    """Autocorrelations ρ_1..ρ_p from partial autocorrelations (Durbin-Levinson)."""
    p = len(pacf)
    rho = np.ones(p + 1)
    phi = np.zeros(0)
    for k in range(1, p + 1):
        a = pacf[k - 1]
        v = 1.0 - float(phi @ rho[1:k]) if k > 1 else 1.0
        rho[k] = (float(phi @ rho[k - 1 : 0 : -1]) if k > 1 else 0.0) + a * v
        phi = np.append(phi - a * phi[::-1], a)
    return rho


def _toeplitz(rho: np.ndarray) -> np.ndarray:
    t = len(rho)
    idx = np.abs(np.subtract.outer(np.arange(t), np.arange(t)))
    return rho[idx]


def sigma(structure: str, theta: np.ndarray, t: int) -> np.ndarray:
    """Σ(θ) for the structure (see the module docstring)."""
    theta = np.asarray(theta, float)
    if structure == "us":
        low = np.zeros((t, t))
        low[np.tril_indices(t)] = theta
        d = np.diag_indices(t)
        low[d] = np.exp(np.clip(low[d], -30, 30))
        return low @ low.T
    if structure in ("cs", "ar1", "toep"):
        sd = np.full(t, np.exp(theta[0]))
        rest = theta[1:]
    else:
        sd = np.exp(theta[:t])
        rest = theta[t:]
    if t == 1:
        corr = np.ones((1, 1))
    elif structure in ("cs", "csh"):
        rho = _cs_rho(rest[0], t)
        corr = np.full((t, t), rho) + (1 - rho) * np.eye(t)
    elif structure in ("ar1", "arh1"):
        corr = _toeplitz(np.tanh(rest[0]) ** np.arange(t))
    else:
        corr = _toeplitz(_pacf_to_acf(np.tanh(rest)))
    return sd[:, None] * corr * sd[None, :]


def start(structure: str, cov: np.ndarray) -> np.ndarray:
    """θ whose Σ is close to ``cov`` (a positive-definite T×T matrix)."""
    t = cov.shape[0]
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    mean_r = float(corr[np.triu_indices(t, 1)].mean()) if t > 1 else 0.0
    if structure == "us":
        low = np.linalg.cholesky(cov)
        low[np.diag_indices(t)] = np.log(np.diag(low))
        return low[np.tril_indices(t)]
    if structure in ("cs", "ar1", "toep"):
        head = [np.log(np.sqrt(np.mean(sd**2)))]
    else:
        head = list(np.log(sd))
    if t == 1:
        return np.array(head)
    if structure in ("cs", "csh"):
        return np.array([*head, _cs_z(mean_r, t)])
    if structure in ("ar1", "arh1"):
        lag1 = float(np.mean(np.diag(corr, 1)))
        return np.array([*head, np.arctanh(np.clip(lag1, -0.95, 0.95))])
    lag1 = float(np.mean(np.diag(corr, 1)))
    return np.array([*head, np.arctanh(np.clip(lag1, -0.95, 0.95)), *np.zeros(t - 2)])


def jacobian(structure: str, theta: np.ndarray, t: int, h: float = 1e-6) -> np.ndarray:
    """∂Σ/∂θ_k for every k (k × T × T): analytic for ``us``, central differences otherwise."""
    k = len(theta)
    out = np.empty((k, t, t))
    if structure == "us":
        low = np.zeros((t, t))
        low[np.tril_indices(t)] = theta
        d = np.diag_indices(t)
        low[d] = np.exp(low[d])
        rows, cols = np.tril_indices(t)
        for i, (a, b) in enumerate(zip(rows, cols, strict=True)):
            e = np.zeros((t, t))
            e[a, b] = low[a, b] if a == b else 1.0  # d L / d θ (log scale on the diagonal)
            out[i] = e @ low.T + low @ e.T
        return out
    for i in range(k):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        out[i] = (sigma(structure, up, t) - sigma(structure, down, t)) / (2 * h)
    return out
