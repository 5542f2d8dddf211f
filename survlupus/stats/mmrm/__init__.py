"""Mixed model for repeated measures (MMRM) of change from baseline, fitted by REML.

``mmrm(bds, "SLEDAI", by="ARM", reference="Placebo")`` fits

    CHG ~ ARM × AVISIT + BASE × AVISIT        (visit-specific arm effects and baseline slopes)

on the analysed post-baseline records (``ANL01FL == "Y"`` where the column exists; baseline
records, ``ABLFL == "Y"``, left out) with an unstructured residual covariance over visits (or
``cs``, ``csh``, ``ar1``, ``arh1``, ``toep``: :mod:`survlupus.stats.mmrm.covariance`). Every subject
with at least one post-baseline value contributes (missing at random, no imputation). Without
``by`` (or with one arm) the arm term is dropped: the LS means are the mean change per visit.

LS means are taken at the mean of each covariate over the analysed records (as ``emmeans``
does); contrasts are each arm minus the reference at each visit; degrees of freedom are
Satterthwaite's (:mod:`survlupus.stats.mmrm.engine`). The same numbers in R::

    fit <- nlme::gls(CHG ~ ARM * AVISIT + BASE * AVISIT, data = d, method = "REML",
                     correlation = corSymm(form = ~ VISITN | USUBJID),
                     weights = varIdent(form = ~ 1 | AVISIT), na.action = na.omit)
    em <- emmeans::emmeans(fit, ~ ARM | AVISIT, mode = "satterthwaite", data = d)
    emmeans::contrast(em, "trt.vs.ctrl", ref = "Placebo")

(or ``mmrm::mmrm(CHG ~ ARM * AVISIT + BASE * AVISIT + us(AVISIT | USUBJID), data = d)``;
VISITN is the visit's position 1..T). Checked against R in ``validation/r/mmrm.R``.

>>> fit = survlupus.mmrm(bds, "SLEDAI", by="ARM", reference="Placebo")   # doctest: +SKIP
>>> fit.lsmeans; fit.contrasts; fit.covariance                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.stats.mmrm import covariance
from survlupus.stats.mmrm.engine import FitError, make_patterns, maximise, satterthwaite
from survlupus.stats.mmrm.result import MMRMResult

__all__ = ["FitError", "MMRMResult", "mmrm"]

REQUIRED = ("USUBJID", "PARAMCD", "AVISIT", "AVISITN", "BASE", "CHG")


def _records(bds, paramcd, by, covariates, visits) -> pd.DataFrame:
    need = [*REQUIRED, *([by] if by else []), *covariates]
    missing = [c for c in dict.fromkeys(need) if c not in bds]
    if missing:
        raise ValueError(
            f"mmrm: the dataset has no column {', '.join(missing)}; it needs {', '.join(need)} "
            "(a BDS: survlupus.derive_bds)"
        )
    codes = list(dict.fromkeys(bds["PARAMCD"]))
    if paramcd not in codes:
        raise ValueError(
            f"mmrm: no PARAMCD {paramcd!r}; the dataset has {', '.join(map(str, codes))}"
        )
    d = bds[bds["PARAMCD"] == paramcd]
    if "ANL01FL" in d:
        d = d[d["ANL01FL"] == "Y"]
    if "ABLFL" in d:
        d = d[d["ABLFL"] != "Y"]
    d = d[d["AVISITN"] > 1]
    if visits is not None:
        unknown = [v for v in visits if v not in set(d["AVISIT"])]
        if unknown:
            raise ValueError(
                f"mmrm: {paramcd} has no post-baseline record at visit {', '.join(unknown)}; "
                f"visits: {', '.join(dict.fromkeys(d.sort_values('AVISITN')['AVISIT']))}"
            )
        d = d[d["AVISIT"].isin(visits)]
    keep = d["CHG"].notna()
    for c in covariates:
        keep &= d[c].notna()
    d = d[keep]
    if d.empty:
        raise ValueError(f"mmrm: {paramcd} has no post-baseline value (CHG) with a baseline")
    dup = d.duplicated(["USUBJID", "AVISIT"], keep=False)
    if dup.any():
        first = d[dup].iloc[0]
        raise ValueError(
            f"mmrm: {paramcd}: subject {first['USUBJID']} has several analysed records at "
            f"{first['AVISIT']}; flag one per subject and visit with ANL01FL = 'Y'"
        )
    return d


def _design(d, by, arms, reference, covariates, visits):
    """X with columns per visit: intercept, arm effects (non-reference arms), covariate slopes."""
    vis = d["AVISIT"].to_numpy()
    cols, names = [], []
    for v in visits:
        cols.append((vis == v).astype(float))
        names.append(f"AVISIT[{v}]")
    for a in arms:
        if a == reference:
            continue
        for v in visits:
            cols.append(((vis == v) & (d[by].to_numpy() == a)).astype(float))
            names.append(f"{by}[{a}]:AVISIT[{v}]")
    for c in covariates:
        x = d[c].to_numpy(float)
        for v in visits:
            cols.append(np.where(vis == v, x, 0.0))
            names.append(f"{c}:AVISIT[{v}]")
    return np.column_stack(cols), names


def _check_counts(d, paramcd, by, arms, covariates, visits):
    need = len(arms) + len(covariates) + 1
    for v in visits:
        at = d[d["AVISIT"] == v]
        if at["USUBJID"].nunique() < need:
            raise ValueError(
                f"mmrm: {paramcd} at visit {v} has {at['USUBJID'].nunique()} subject(s); the model "
                f"estimates {need - 1} effects and a variance there, so it needs at least {need}. "
                "Leave the visit out (visits=...) or pool it with a neighbour in the schedule"
            )
        if by:
            empty = [a for a in arms if not (at[by] == a).any()]
            if empty:
                raise ValueError(
                    f"mmrm: {paramcd} at visit {v}: no subject of {', '.join(empty)}; the arm "
                    "effect there cannot be estimated. Leave the visit out (visits=...)"
                )


def _start_cov(structure, resid, pos, subj, t, start):
    if start is not None:
        cov = np.asarray(start, float)
        if cov.shape != (t, t) or not np.allclose(cov, cov.T):
            raise ValueError(f"mmrm: start must be a symmetric {t}×{t} matrix (one row per visit)")
        if np.linalg.eigvalsh(cov).min() <= 0:
            raise ValueError(
                "mmrm: the start covariance is not positive definite; give one that "
                "is (e.g. a diagonal of variances) or leave start=None"
            )
        return cov
    wide = pd.DataFrame({"s": subj, "v": pos, "r": resid}).pivot(index="s", columns="v", values="r")
    wide = wide.reindex(columns=range(t))
    cov = wide.cov(min_periods=2).to_numpy()
    var = np.nanvar(resid) if np.isfinite(resid).any() else 1.0
    diag = np.where(np.isfinite(np.diag(cov)) & (np.diag(cov) > 0), np.diag(cov), var)
    cov = np.where(np.isfinite(cov), cov, 0.0)
    cov[np.diag_indices(t)] = diag
    w, q = np.linalg.eigh(cov)
    w = np.maximum(w, 1e-3 * max(w.max(), 1e-8))  # the nearest positive-definite matrix
    return (q * w) @ q.T


def mmrm(
    bds: pd.DataFrame,
    paramcd: str,
    by: str | None = "ARM",
    reference=None,
    covariates: Sequence[str] = ("BASE",),
    covariance_structure: str = "us",
    *,
    visits: Sequence[str] | None = None,
    conf_level: float = 0.95,
    start=None,
) -> MMRMResult:
    """Mixed model for repeated measures of the change from baseline of ``paramcd``:
    ``CHG ~ ARM x AVISIT + BASE x AVISIT`` with an unstructured (or other) covariance within
    subject, REML, LS means and contrasts with Satterthwaite df, as R's ``mmrm`` /
    ``nlme::gls`` + ``emmeans`` (``docs/analysis.md``).

    Parameters
    ----------
    bds : DataFrame
        The BDS (:func:`survlupus.derive_bds`): ``USUBJID, PARAMCD, AVISIT, CHG, BASE`` and
        ``by``; analysed records (``ANL01FL``) after baseline.
    paramcd : str
    by : str or None
        The arm column; None for a single arm (the LS means are the mean changes).
    reference : optional
        The reference arm of the contrasts.
    covariates : sequence of str
        Baseline covariates, each with its own slope per visit (default ``("BASE",)``).
    covariance_structure : {"us", "cs", "csh", "ar1", "arh1", "toep"}
    visits : sequence of str, optional
        The visits analysed (default: every post-baseline visit).
    conf_level : float
    start : optional
        Starting covariance parameters (for a difficult fit).

    Returns
    -------
    MMRMResult
        ``lsmeans``, ``contrasts`` (``arm, visit, estimate, se, df, lower, upper, p_value``),
        ``covariance``, ``converged`` and the fit's log-likelihood.

    Raises
    ------
    ValueError
        A missing column, unknown PARAMCD or reference, a visit with too few subjects, an arm
        absent at a visit, two records at one visit (naming the parameter and visit).

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> plan = survlupus.load_plan("data/synthetic/musc/plan.toml")
    >>> bds = survlupus.derive_bds(trial, ["c3_g_l", "egfr_ml_min", "anti_dsdna_iu_ml"], plan)
    >>> fit = survlupus.mmrm(bds, "C3", by="ARM", reference="Placebo",
    ...                      visits=["W12", "W24", "W36", "W52"])
    >>> fit.contrasts[["arm", "visit", "estimate"]].round(3).head(2).values.tolist()
    [['MSC high', 'W12', 0.159], ['MSC low', 'W12', 0.092]]
    """
    if covariance_structure not in covariance.STRUCTURES:
        raise ValueError(
            f"mmrm: covariance {covariance_structure!r} is not one of "
            + ", ".join(covariance.STRUCTURES)
        )
    covariates = list(covariates)
    d = _records(bds, paramcd, by, covariates, visits)
    for c in covariates:
        if not pd.api.types.is_numeric_dtype(d[c]):
            raise ValueError(f"mmrm: covariate {c!r} is not numeric")
    order = d.drop_duplicates("AVISIT").sort_values("AVISITN", kind="stable")
    visit_list = order["AVISIT"].tolist()
    arms = sorted(d[by].astype(str).unique()) if by else []
    if by and len(arms) < 2:
        by, arms = None, []
    if by:
        d = d.assign(**{by: d[by].astype(str)})
        if reference is None:
            reference = arms[0]
        elif reference not in arms:
            raise ValueError(
                f"mmrm: reference {reference!r} is not an arm; arms: {', '.join(arms)}"
            )
        arms = [reference] + [a for a in arms if a != reference]
    _check_counts(d, paramcd, by, arms, covariates, visit_list)
    x, names = _design(d, by, arms, reference, covariates, visit_list)
    p = x.shape[1]
    if np.linalg.matrix_rank(x) < p:
        raise ValueError(
            f"mmrm: {paramcd}: the fixed effects are not estimable (collinear "
            "covariates?); drop a covariate"
        )
    t = len(visit_list)
    pos = d["AVISIT"].map({v: i for i, v in enumerate(visit_list)}).to_numpy()
    subj = pd.factorize(d["USUBJID"])[0]
    y = d["CHG"].to_numpy(float)
    resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    cov0 = _start_cov(covariance_structure, resid, pos, subj, t, start)
    patterns = make_patterns(pos, subj, y, x, t)
    theta0 = covariance.start(covariance_structure, cov0)
    opt = maximise(covariance_structure, theta0, patterns, t, p)
    means = {c: float(d[c].mean()) for c in covariates}
    grid, labels = [], []
    for v_i, v in enumerate(visit_list):
        for a in arms or [None]:
            row = np.zeros(p)
            row[v_i] = 1.0
            if a is not None and a != reference:
                row[names.index(f"{by}[{a}]:AVISIT[{v}]")] = 1.0
            for c in covariates:
                row[names.index(f"{c}:AVISIT[{v}]")] = means[c]
            grid.append(row)
            labels.append((a, v))
    contrasts, clabels = [], []
    for v in visit_list:
        for a in arms[1:]:
            row = np.zeros(p)
            row[names.index(f"{by}[{a}]:AVISIT[{v}]")] = 1.0
            contrasts.append(row)
            clabels.append((a, v))
    rows = np.array(grid + contrasts)
    var, df = satterthwaite(covariance_structure, opt, patterns, t, p, rows)
    from survlupus.stats.mmrm.engine import evaluate

    ev = evaluate(covariance_structure, opt.theta, patterns, t, p)
    est = rows @ ev.beta
    se = np.sqrt(var)
    q = stats.t.ppf(1 - (1 - conf_level) / 2, df)
    n_ls = len(grid)
    ls = pd.DataFrame(
        {
            "arm": [a if a is not None else "all" for a, _ in labels],
            "visit": [v for _, v in labels],
            "estimate": est[:n_ls],
            "se": se[:n_ls],
            "df": df[:n_ls],
            "lower": est[:n_ls] - q[:n_ls] * se[:n_ls],
            "upper": est[:n_ls] + q[:n_ls] * se[:n_ls],
        }
    )
    ct = pd.DataFrame(
        {
            "arm": [a for a, _ in clabels],
            "visit": [v for _, v in clabels],
            "estimate": est[n_ls:],
            "se": se[n_ls:],
            "df": df[n_ls:],
            "lower": est[n_ls:] - q[n_ls:] * se[n_ls:],
            "upper": est[n_ls:] + q[n_ls:] * se[n_ls:],
            "p_value": 2 * stats.t.sf(np.abs(est[n_ls:] / se[n_ls:]), df[n_ls:]),
        }
    )
    sigma = covariance.sigma(covariance_structure, opt.theta, t)
    n_theta = len(opt.theta)
    return MMRMResult(
        paramcd=paramcd,
        covariance_structure=covariance_structure,
        by=by,
        reference=reference if by else None,
        visits=tuple(visit_list),
        arms=tuple(arms),
        lsmeans=ls,
        contrasts=ct,
        covariance=pd.DataFrame(sigma, index=visit_list, columns=visit_list),
        coefficients=pd.DataFrame(
            {"term": names, "estimate": ev.beta, "se": np.sqrt(np.diag(ev.a))}
        ),
        covariate_means=means,
        loglik=opt.loglik,
        aic=-2 * opt.loglik + 2 * n_theta,
        n_subjects=int(d["USUBJID"].nunique()),
        n_records=len(d),
        converged=opt.converged,
        iterations=opt.iterations,
        message=opt.message,
        conf_level=conf_level,
    )
