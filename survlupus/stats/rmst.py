"""Restricted mean survival time (RMST) up to a horizon τ, by group, with the difference and
the ratio against a reference group.

RMST = ∫₀^τ S(t) dt under the Kaplan-Meier curve (a step function, so a sum of rectangles).
Its variance is the Greenwood-type sum over event times t_i ≤ τ of A(t_i)² d_i / (n_i (n_i −
d_i)), with A(t_i) = ∫_{t_i}^τ S(u) du (Klein & Moeschberger, section 4.5); the CI is normal.
Difference: RMST₁ − RMST₀, SE √(v₁ + v₀); ratio: on the log scale, SE √(v₁/R₁² + v₀/R₀²).
These are the formulas of R's ``survRM2::rmst2`` and of ``survival``'s ``rmean`` (checked
against ``summary(survfit(...), rmean = tau)`` in ``validation/r/edges.R``).

>>> rmst(adtte, "TTSFLR", tau=365, by="ARM", reference="Placebo")      # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.stats.data import group_labels, select


def _one(time: np.ndarray, event: np.ndarray, tau: float) -> tuple[float, float]:
    times = np.unique(time[(event == 1) & (time <= tau)])
    n = np.array([(time >= t).sum() for t in times], float)
    d = np.array([((time == t) & (event == 1)).sum() for t in times], float)
    surv = np.cumprod(1 - d / n)
    edges = np.r_[0.0, times, tau]
    heights = np.r_[1.0, surv]
    areas = heights * np.diff(edges)
    total = float(areas.sum())
    after = np.cumsum(areas[::-1])[::-1][1:]  # A(t_i): area from t_i to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, after**2 * d / (n * (n - d)), 0.0)
    return total, float(terms.sum())


def rmst(
    adtte: pd.DataFrame,
    paramcd: str,
    tau: float,
    by: str | None = None,
    reference=None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Restricted mean survival time to ``tau`` per group and, against ``reference``, the
    difference and the ratio with normal CIs (R: ``survRM2::rmst2``; ``survival`` ``rmean``).

    Parameters
    ----------
    adtte : DataFrame
    paramcd : str
    tau : float
        The horizon (study days), within follow-up.
    by : str, optional
    reference : optional
    conf_level : float

    Returns
    -------
    DataFrame
        ``group, comparison, tau, estimate, se, lower, upper, p`` (``comparison`` empty for a
        group's own RMST, ``difference`` or ``ratio``).

    Raises
    ------
    ValueError
        ``tau`` not positive or beyond follow-up; an unknown reference.

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"), ["TTSFLR"],
    ...                                window_days=379)
    >>> t = survlupus.rmst(adtte, "TTSFLR", tau=365, by="ARM", reference="Placebo")
    >>> t[t.comparison == "difference"][["group", "estimate"]].round(1).values.tolist()
    [['MSC high', 18.4], ['MSC low', -8.9]]
    """
    if not tau > 0:
        raise ValueError(f"rmst: the horizon tau must be positive, not {tau!r}")
    data = select(adtte, paramcd, [by] if by else [])
    if tau > data["time"].max():
        raise ValueError(
            f"rmst: tau {tau:g} is beyond the last follow-up time {data['time'].max():g} of "
            f"{paramcd}; choose a horizon within follow-up"
        )
    groups = group_labels(data[by]) if by else ["all"]
    if reference is not None and reference not in groups:
        raise ValueError(f"rmst: reference {reference!r} is not a group; groups: {groups}")
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    est = {}
    rows = []
    for g in groups:
        sub = data if by is None else data[data[by] == g]
        r, v = _one(sub["time"].to_numpy(float), sub["event"].to_numpy(int), tau)
        est[g] = (r, v)
        se = np.sqrt(v)
        rows.append(
            {
                "group": g,
                "comparison": "",
                "tau": tau,
                "estimate": r,
                "se": se,
                "lower": r - z * se,
                "upper": r + z * se,
                "p": np.nan,
            }
        )
    if reference is not None:
        r0, v0 = est[reference]
        for g in groups:
            if g == reference:
                continue
            r1, v1 = est[g]
            se = np.sqrt(v1 + v0)
            diff = r1 - r0
            rows.append(
                {
                    "group": g,
                    "comparison": "difference",
                    "tau": tau,
                    "estimate": diff,
                    "se": se,
                    "lower": diff - z * se,
                    "upper": diff + z * se,
                    "p": float(2 * stats.norm.sf(abs(diff / se))) if se > 0 else np.nan,
                }
            )
            lse = np.sqrt(v1 / r1**2 + v0 / r0**2)
            lr = np.log(r1 / r0)
            rows.append(
                {
                    "group": g,
                    "comparison": "ratio",
                    "tau": tau,
                    "estimate": r1 / r0,
                    "se": lse,
                    "lower": np.exp(lr - z * lse),
                    "upper": np.exp(lr + z * lse),
                    "p": float(2 * stats.norm.sf(abs(lr / lse))) if lse > 0 else np.nan,
                }
            )
    return pd.DataFrame(rows)
