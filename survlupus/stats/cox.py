"""Cox proportional hazards: Efron (default, as R) or Breslow (as SAS) ties, strata, the three
global tests, Firth's penalised likelihood, and the Grambsch-Therneau test of R's ``cox.zph``.

* Fitting: statsmodels' ``PHReg`` (lifelines' ``CoxPHFitter`` has Efron ties only).
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
from scipy import optimize, stats
from statsmodels.duration.hazard_regression import PHReg

from survlupus.stats.data import select
from survlupus.stats.display import html_table
from survlupus.stats.identifiable import drop_aliased

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

    def __repr__(self) -> str:
        model = "Firth penalised Cox" if self.firth else f"Cox ({self.ties})"
        return f"<CoxResult {model}: n={self.n}, {self.n_events} events, {len(self.table)} terms>"

    def _repr_html_(self) -> str:
        notes = "; ".join(self.notes)
        return html_table(repr(self) + (f" Note: {notes}" if notes else ""), self.table)

    def ph_test(self) -> pd.DataFrame:
        """Grambsch-Therneau test as survival >= 3.0's ``cox.zph(fit)`` (transform "km")."""
        beta = self.table["coef"].dropna().to_numpy()  # estimable terms, as the design
        return zph(
            self.data["time"].to_numpy(float),
            self.data["event"].to_numpy(int),
            self.design,
            beta,
            self.strata,
            self.ties,
        )


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


def zph(time, event, design: Design, beta, strata, ties) -> pd.DataFrame:
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
) -> CoxResult:
    """Cox model of ``paramcd`` on ``covariates`` (ADTTE columns or ``subjects`` columns).

    ``reference``: the reference level of the first (text) covariate, or a dict per covariate.
    ``firth=True`` fits Firth's penalised model (Breslow ties).
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}")
    covariates = list(covariates)
    data = select(adtte, paramcd, covariates + ([strata] if strata else []), subjects)
    design = design_matrix(data, covariates, reference)
    strata_arr = data[strata].astype(str).to_numpy() if strata else np.zeros(len(data), int)
    design, dropped = drop_aliased(design, strata_arr)
    if design.X.shape[1] == 0:
        raise ValueError(
            f"cox: no term of {', '.join(covariates)} can be estimated for {paramcd} "
            "(each is constant within every stratum or has no subject)"
        )
    time, event = data["time"].to_numpy(float), data["event"].to_numpy(int)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    model = PHReg(
        time,
        design.X,
        status=event,
        strata=strata_arr if strata else None,
        ties="breslow" if firth else ties,
    )
    p = design.X.shape[1]
    ll0 = float(model.loglike(np.zeros(p)))
    notes: list[str] = [
        f"{name} cannot be estimated (constant within every stratum or aliased with earlier "
        "terms): dropped, coefficient NA, as R's coxph does"
        for name in dropped
    ]
    if firth:
        table, ll, tests = _firth(model, design, z)
    else:
        with warnings.catch_warnings():  # non-convergence is reported in ``notes``
            warnings.simplefilter("ignore")
            fit = model.fit(disp=False)
        retvals = getattr(fit, "mle_retvals", None) or {}
        if not retvals.get("converged", True) or np.any(np.abs(fit.params) > 10):
            notes.append(
                "the partial likelihood has no finite maximum (monotone likelihood, "
                "e.g. an arm without events): the estimates are not usable; refit "
                "with firth=True"
            )
        beta, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        se = np.sqrt(np.diag(cov))
        ll = float(fit.llf)
        with np.errstate(over="ignore"):  # a monotone likelihood gives inf; the note says why
            table = pd.DataFrame(
                {
                    "term": design.names,
                    "coef": beta,
                    "se": se,
                    "hr": np.exp(beta),
                    "lower": np.exp(beta - z * se),
                    "upper": np.exp(beta + z * se),
                    "p": 2 * stats.norm.sf(np.abs(beta / se)),
                    "p_test": "Wald",
                }
            )
        u0 = model.score(np.zeros(p))
        i0 = -model.hessian(np.zeros(p))
        stat = {
            "likelihood ratio": 2 * (ll - ll0),
            "wald": float(beta @ np.linalg.solve(cov, beta)),
            "score": float(u0 @ np.linalg.solve(i0, u0)),
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
    )


def _firth(model: PHReg, design: Design, z: float):
    """Firth's penalised partial likelihood (Heinze & Schemper 2001), profile-likelihood CIs.

    The CI search brackets on each coefficient's own scale: from the estimate it steps out by
    its standard error, doubling the step until the profile falls below the critical value, then
    solves between the last two points (a coefficient per year of age needs steps of 0.01, an
    arm with no events steps of several units); a likelihood that overflows counts as outside.
    """
    p = design.X.shape[1]

    def pll(b):
        with np.errstate(over="ignore", invalid="ignore"):
            info = -model.hessian(b)
            sign, logdet = np.linalg.slogdet(info)
            value = float(model.loglike(b)) + 0.5 * logdet
        return value if sign > 0 and np.isfinite(value) else -1e10

    def maximise(fixed: dict[int, float], start: np.ndarray):
        free = [j for j in range(p) if j not in fixed]

        def full(bf):
            b = start.copy()
            for j, v in fixed.items():
                b[j] = v
            b[free] = bf
            return b

        if not free:
            return pll(full(np.array([]))), full(np.array([]))
        res = optimize.minimize(
            lambda bf: -pll(full(bf)), start[free], method="BFGS", options={"gtol": 1e-10}
        )
        return -res.fun, full(res.x)

    lmax, bhat = maximise({}, np.zeros(p))
    with np.errstate(over="ignore", invalid="ignore"):
        info_hat = -model.hessian(bhat)
    try:
        step0 = np.sqrt(np.abs(np.diag(np.linalg.inv(info_hat))))
    except np.linalg.LinAlgError:
        step0 = np.ones(p)
    crit = stats.chi2.ppf(0.95 if z == stats.norm.ppf(0.975) else 1 - 2 * stats.norm.sf(z), 1) / 2
    rows = []
    for j, name in enumerate(design.names):

        def g(bj, j=j):
            return lmax - maximise({j: bj}, bhat)[0] - crit

        def bound(direction, j=j):
            step = step0[j] if np.isfinite(step0[j]) and step0[j] > 0 else 1.0
            inside = bhat[j]
            for _ in range(60):
                out = bhat[j] + direction * step
                if g(out) > 0:
                    return optimize.brentq(g, min(inside, out), max(inside, out), xtol=1e-12)
                inside, step = out, 2 * step
            return direction * np.inf

        lo, hi = bound(-1), bound(+1)
        l0 = maximise({j: 0.0}, bhat)[0]
        pv = float(stats.chi2.sf(2 * (lmax - l0), 1))
        with np.errstate(over="ignore"):
            rows.append(
                {
                    "term": name,
                    "coef": bhat[j],
                    "hr": np.exp(bhat[j]),
                    "lower": np.exp(lo),
                    "upper": np.exp(hi),
                    "p": pv,
                    "p_test": "penalised likelihood ratio",
                }
            )
    se = step0
    table = pd.DataFrame(rows)
    table.insert(2, "se", se)
    l_null = pll(np.zeros(p))
    stat = 2 * (lmax - l_null)
    tests = pd.DataFrame(
        [
            {
                "test": "penalised likelihood ratio",
                "statistic": stat,
                "df": p,
                "p": float(stats.chi2.sf(stat, p)),
            }
        ]
    )
    return table, float(model.loglike(bhat)), tests
