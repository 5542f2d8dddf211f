"""The Grambsch-Therneau test of proportional hazards, as survival >= 3.0's ``cox.zph``.

For the added covariates ``X g(t)``, ``g`` = 1 - the left-continuous pooled KM at t, centred at its
mean over events: ``U2' [I]^-1 U2`` with the full information at ``(b, 0)``, per term and GLOBAL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def risk_set_terms(time, event, X, beta, strata, ties: str):
    """Per event time: its time, the score contribution u_j and information contribution V_j.

    Efron: for d tied deaths the risk-set sums are reduced by r/d of the deaths' sums, r = 0..d-1;
    Breslow: not reduced. Sums run within strata.
    """
    eta = X @ beta
    w = np.exp(eta - eta.max()) if len(eta) else eta  # shifted: the ratios are unchanged
    out_t, out_u, out_v = [], [], []
    for s in np.unique(strata):
        ins = strata == s
        t_s, e_s, X_s, w_s = time[ins], event[ins], X[ins], w[ins]
        for t in np.unique(t_s[e_s == 1]):
            risk = t_s >= t
            dead = (t_s == t) & (e_s == 1)
            d = dead.sum()
            S0, S1 = w_s[risk].sum(), w_s[risk] @ X_s[risk]
            S2 = (X_s[risk] * w_s[risk][:, None]).T @ X_s[risk]
            D0, D1 = w_s[dead].sum(), w_s[dead] @ X_s[dead]
            D2 = (X_s[dead] * w_s[dead][:, None]).T @ X_s[dead]
            u = X_s[dead].sum(axis=0)
            V = np.zeros((X.shape[1], X.shape[1]))
            for r in range(d):
                f = r / d if ties == "efron" else 0.0
                s0, s1, s2 = S0 - f * D0, S1 - f * D1, S2 - f * D2
                mean = s1 / s0
                u = u - mean
                V += s2 / s0 - np.outer(mean, mean)
            out_t.append(t)
            out_u.append(u)
            out_v.append(V)
    return np.array(out_t), np.array(out_u), np.array(out_v)


def _km_left(time, event) -> np.ndarray:
    """1 - pooled Kaplan-Meier just before each time (R's left-continuous ``km`` transform)."""
    uniq = np.unique(time[event == 1])
    surv, s = {}, 1.0
    for t in uniq:
        surv[t] = s
        n, d = (time >= t).sum(), ((time == t) & (event == 1)).sum()
        s *= 1 - d / n
    km_before = np.array([surv.get(t, np.nan) for t in time])
    # for a censored time the left-continuous value is the KM after all earlier event times
    for i, t in enumerate(time):
        if np.isnan(km_before[i]):
            prior = uniq[uniq < t]
            km_before[i] = (
                1.0
                if not len(prior)
                else np.prod(
                    [1 - ((time == x) & (event == 1)).sum() / (time >= x).sum() for x in prior]
                )
            )
    return 1.0 - km_before


def zph(time, event, design, beta, strata, ties) -> pd.DataFrame:
    """The test per term and GLOBAL; ``design`` is a cox ``Design``."""
    g_all = _km_left(time, event)
    g_all = g_all - g_all[event == 1].mean()
    t_j, u_j, v_j = risk_set_terms(time, event, design.X, beta, strata, ties)
    g = np.array([g_all[np.flatnonzero((time == t) & (event == 1))[0]] for t in t_j])
    p = design.X.shape[1]
    u2 = (g[:, None] * u_j).sum(axis=0)
    I11 = v_j.sum(axis=0)
    I12 = (g[:, None, None] * v_j).sum(axis=0)
    I22 = (g[:, None, None] ** 2 * v_j).sum(axis=0)
    imat = np.block([[I11, I12], [I12.T, I22]])
    rows = []
    for name, jj in design.terms.items():
        kk = list(range(p)) + [p + j for j in jj]
        u = np.concatenate([np.zeros(p), u2[jj]])
        chisq = float(u @ np.linalg.solve(imat[np.ix_(kk, kk)], u))
        rows.append(
            {"term": name, "chisq": chisq, "df": len(jj), "p": float(stats.chi2.sf(chisq, len(jj)))}
        )
    u = np.concatenate([np.zeros(p), u2])
    chisq = float(u @ np.linalg.solve(imat, u))
    rows.append({"term": "GLOBAL", "chisq": chisq, "df": p, "p": float(stats.chi2.sf(chisq, p))})
    out = pd.DataFrame(rows)
    out["test"] = "Grambsch-Therneau score test (cox.zph, survival >= 3.0, transform km)"
    return out
