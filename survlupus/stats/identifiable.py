"""Terms a Cox model cannot estimate, found and dropped as R's ``coxph`` does.

Within strata only differences between subjects of the same stratum inform the partial
likelihood, so each column is centred within its stratum first; a column whose centred values
lie in the span of the columns kept before it (in model order) is aliased — constant within
every stratum, a duplicate, or a level with no subject — and is dropped, its coefficient reported
as NA (R: ``coef(fit)`` is ``NA`` and the term is left out of the degrees of freedom).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def drop_aliased(design, strata: np.ndarray):
    """``(design without aliased columns, [dropped names])``; ``design`` is a cox Design."""
    x = design.X
    if x.shape[1] == 0:
        return design, []
    centred = x - pd.DataFrame(x).groupby(np.asarray(strata)).transform("mean").to_numpy()
    scale = np.abs(centred).max(axis=0)
    keep: list[int] = []
    for j in range(x.shape[1]):
        if scale[j] <= 1e-12:
            continue
        trial = centred[:, [*keep, j]] / np.maximum(scale[[*keep, j]], 1e-300)
        if np.linalg.matrix_rank(trial, tol=1e-9 * np.sqrt(len(x))) == len(keep) + 1:
            keep.append(j)
    dropped = [design.names[j] for j in range(x.shape[1]) if j not in keep]
    if not dropped:
        return design, []
    index = {old: new for new, old in enumerate(keep)}
    terms = {t: [index[c] for c in cols if c in index] for t, cols in design.terms.items()}
    return type(design)(
        x[:, keep], [design.names[j] for j in keep], {t: c for t, c in terms.items() if c}
    ), dropped


TOLER_CHOL = np.finfo(float).eps ** 0.75
"""R's ``coxph.control(toler.chol)``: a pivot below this fraction of the largest is zero."""


def drop_uninformative(design, info: np.ndarray):
    """Terms the information at 0 cannot separate, as R's ``cholesky2`` finds them: in model
    order, a column whose pivot (its variance left after the columns kept before it) is below
    ``TOLER_CHOL`` × the largest diagonal carries no information — e.g. a covariate that varies
    only among subjects censored before the first event. ``(design, [dropped names])``."""
    p = info.shape[0]
    if p == 0:
        return design, []
    eps = TOLER_CHOL * max(float(np.max(np.abs(np.diag(info)))), 1e-300)
    keep: list[int] = []
    for j in range(p):
        pivot = info[j, j]
        if keep:
            k = np.array(keep)
            sub = info[np.ix_(k, k)]
            pivot = info[j, j] - info[j, k] @ np.linalg.solve(sub, info[k, j])
        if pivot > eps:
            keep.append(j)
    if len(keep) == p:
        return design, []
    dropped = [design.names[j] for j in range(p) if j not in keep]
    index = {old: new for new, old in enumerate(keep)}
    terms = {t: [index[c] for c in cols if c in index] for t, cols in design.terms.items()}
    return type(design)(
        design.X[:, keep], [design.names[j] for j in keep], {t: c for t, c in terms.items() if c}
    ), dropped
