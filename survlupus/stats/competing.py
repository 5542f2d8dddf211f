"""Competing risks: cumulative incidence by Aalen-Johansen with exact ties, and Gray's test.

* Estimate, at each distinct time t with ``n`` at risk, ``d_k`` events of cause k and ``d`` of any
  cause: ``F_k(t) = sum S(t_j-) d_kj / n_j``, S the all-cause Kaplan-Meier. Tied times are handled
  exactly (lifelines' ``AalenJohansenFitter`` breaks ties with random jitter; not used).
* Variance: Gray's delta-method estimator, as R's ``cmprsk::cuminc`` computes it (with the
  correction for tied events ``1 - (d - 1)/(n - 1)``). CI: ``conf_type="log-log"`` (default,
  ``F^exp(± z se / (F log F))``) or ``"plain"``; the CIs are not part of cmprsk's output and are
  not compared with R.
* Gray's K-sample test (Gray RJ, Ann Stat 1988;16:1141-54) with weight ``(1 - F(t-))^rho``,
  stratified if asked, as ``cmprsk::cuminc(..., rho = 0)``.

The competing event comes from a second ADTTE parameter: for ``cumulative_incidence(adtte,
"TTRFLR", competing="TTDTH")`` a subject's cause is 1 at a renal flare, 2 at a death before any
renal flare, else censored at the renal-flare parameter's ADT.

>>> cif = cumulative_incidence(adtte, "TTRFLR", competing="TTDTH", by="ARM")   # doctest: +SKIP
>>> gray_test(adtte, "TTRFLR", competing="TTDTH", by="ARM")                    # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from survlupus.stats.data import group_labels, per_group, select
from survlupus.stats.display import html_table
from survlupus.stats.km import COUNTS, _upto


def competing_data(
    adtte: pd.DataFrame,
    paramcd: str,
    competing: str | None,
    columns=(),
    subjects: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``time`` and ``cause`` (0 censored, 1 the event, 2 the competing event) per subject.

    Without ``competing``, the ADTTE must carry a ``CRSTAT`` column (0/1/2) for ``paramcd``.
    """
    main = select(adtte, paramcd, list(columns), subjects)
    if competing is None:
        if "CRSTAT" not in main:
            raise ValueError("give competing= (a PARAMCD) or a CRSTAT column (0/1/2)")
        main["cause"] = main["CRSTAT"].astype(int)
        return main
    comp = select(adtte, competing).set_index("USUBJID").reindex(main["USUBJID"])
    comp_first = (comp["event"].to_numpy() == 1) & (
        (main["event"].to_numpy() == 0) & (comp["time"].to_numpy() <= main["time"].to_numpy())
    )
    main["cause"] = np.where(main["event"] == 1, 1, np.where(comp_first, 2, 0))
    main["time"] = np.where(comp_first, comp["time"].to_numpy(), main["time"].to_numpy())
    return main


def _shift(x: np.ndarray, first: float) -> np.ndarray:
    """``x`` moved one time later along axis 0, ``first`` at the start (the value just before)."""
    return np.concatenate([np.full((1, *x.shape[1:]), first), x[:-1]])


def _cif_one(time: np.ndarray, cause: np.ndarray, k: int = 1) -> dict[str, np.ndarray]:
    """CIF of cause ``k`` and Gray's variance at every distinct time (cmprsk's ``cinc``).

    Vectorised over the sorted distinct times: the all-cause survival is a cumulative product, the
    estimate and the three variance sums are cumulative sums; the variance is updated at times
    with an event of cause ``k`` and carried forward between them, as cmprsk reports it.
    """
    times, tix = np.unique(time, return_inverse=True)
    m = len(times)
    d1 = np.bincount(tix, weights=cause == k, minlength=m)
    d2 = np.bincount(tix, weights=(cause != k) & (cause != 0), minlength=m)
    removed = np.bincount(tix, minlength=m).astype(float)
    n = removed[::-1].cumsum()[::-1]
    d = d1 + d2
    s_next = np.cumprod((n - d) / n)
    surv = _shift(s_next, 1.0)
    f = np.cumsum(surv * d1 / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(s_next > 0, 1 / s_next, 0.0)
        # events of the other causes (counted where S stays above 0), then of cause k
        c2 = np.where(d2 > 1, 1 - (d2 - 1) / (n - 1), 1.0)
        w2 = np.where((d2 > 0) & (s_next > 0), surv**2 * c2 * d2 / n**2, 0.0)
        c1 = np.where(d1 > 1, 1 - (d1 - 1) / (n - 1), 1.0)
        w1 = np.where(d1 > 0, surv**2 * c1 * d1 / n**2, 0.0)
    b2, b1 = f * a, 1 + a * f
    v1 = np.cumsum(b2 * b2 * w2 + b1 * b1 * w1)
    v2 = np.cumsum(a * b2 * w2 + a * b1 * w1)
    v3 = np.cumsum(a * a * (w2 + w1))
    at_event = d1 > 0
    last = np.maximum.accumulate(np.where(at_event, np.arange(m), -1))
    var_at = v1 + f * f * v3 - 2 * f * v2
    variance = np.where(last >= 0, var_at[np.maximum(last, 0)], 0.0)
    return {
        "time": times.astype(float),
        "n_risk": n.astype(int),
        "n_event": d1.astype(int),
        "n_competing": d2.astype(int),
        "n_censor": (removed - d).astype(int),
        "estimate": f,
        "variance": variance,
    }


@dataclass(frozen=True)
class CumulativeIncidence:
    """``table``: ``group, time, n_risk, n_event, n_competing, n_censor, estimate, variance,
    std_err, lower, upper``."""

    table: pd.DataFrame
    data: pd.DataFrame
    by: str | None
    conf_type: str

    def __repr__(self) -> str:
        ev = int((self.data["cause"] == 1).sum())
        by = f" by {self.by}" if self.by else ""
        return f"<CumulativeIncidence{by}: n={len(self.data)}, {ev} events of interest>"

    def _repr_html_(self) -> str:
        last = self.table.groupby("group", sort=False).tail(1)
        cols = ["group", "time", "estimate", "lower", "upper"]
        return html_table(repr(self) + " Estimate at the last time:", last[cols])

    def at(self, times) -> pd.DataFrame:
        rows = []
        for g, tab in self.table.groupby("group", sort=False):
            t = tab["time"].to_numpy()
            for x in times:
                i = np.searchsorted(t, x, side="right") - 1
                r = tab.iloc[i] if i >= 0 else None
                rows.append(
                    {
                        "group": g,
                        "time": x,
                        **(
                            {
                                c: (r[c] if r is not None else 0.0)
                                for c in ("estimate", "std_err", "lower", "upper")
                            }
                        ),
                    }
                )
        return pd.DataFrame(rows)

    def risk_table(self, times, counts: str = "through") -> pd.DataFrame:
        """As :meth:`KaplanMeier.risk_table`, with the competing events counted too."""
        if counts not in COUNTS:
            raise ValueError(f"counts must be one of {COUNTS}, not {counts!r}")
        rows = []
        for g in self.table["group"].drop_duplicates():
            sub = self.data if self.by is None else self.data[self.data[self.by] == g]
            t, c = sub["time"].to_numpy(), sub["cause"].to_numpy()
            for x in times:
                rows.append(
                    {
                        "group": g,
                        "time": x,
                        "n_risk": int((t >= x).sum()),
                        "cum_events": int((_upto(t, x, counts) & (c == 1)).sum()),
                        "cum_competing": int((_upto(t, x, counts) & (c == 2)).sum()),
                        "cum_censored": int((_upto(t, x, counts) & (c == 0)).sum()),
                    }
                )
        return pd.DataFrame(rows)


def _limits(f, se, conf_type, z):
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            return np.clip(f - z * se, 0, 1), np.clip(f + z * se, 0, 1)
        lf = np.log(f)  # F log F < 0, so exp(-z se / (F log F)) > 1 gives the lower limit
        lo = f ** np.exp(-z * se / (f * lf))
        hi = f ** np.exp(z * se / (f * lf))
    edge = (f <= 0) | (f >= 1)
    return np.where(edge, np.nan, lo), np.where(edge, np.nan, hi)


def cumulative_incidence(
    adtte: pd.DataFrame,
    paramcd: str,
    competing: str | None = None,
    by: str | None = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    subjects: pd.DataFrame | None = None,
) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of ``paramcd`` with ``competing`` as the competing event,
    with Gray's variance, as R's ``cmprsk::cuminc``.

    Parameters
    ----------
    adtte : DataFrame
        Both parameters' rows (or ``CRSTAT`` 0/1/2 for ``paramcd`` with ``competing=None``).
    paramcd, competing : str
    by : str, optional
    conf_type : {"log-log", "plain"}
    conf_level : float
    subjects : DataFrame, optional
        Where ``by`` is taken from when it is not an ADTTE column.

    Returns
    -------
    CumulativeIncidence
        ``table`` (``group, time, n_risk, n_event, n_competing, n_censor, estimate, variance,
        std_err, lower, upper``), ``at(times)``, ``risk_table(times)``.

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"),
    ...                                ["TTRFLR", "TTDTH"], window_days=379)
    >>> cif = survlupus.cumulative_incidence(adtte, "TTRFLR", competing="TTDTH", by="ARM")
    >>> cif.at([365])[["group", "estimate"]].round(3).values.tolist()
    [['MSC high', 0.238], ['MSC low', 0.222], ['Placebo', 0.222]]
    """
    if conf_type not in ("log-log", "plain"):
        raise ValueError("conf_type must be 'log-log' or 'plain'")
    data = competing_data(adtte, paramcd, competing, [by] if by else [], subjects)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    columns = per_group(data, by, _cif_one, "time", "cause")
    columns["std_err"] = np.sqrt(columns["variance"])
    columns["lower"], columns["upper"] = _limits(
        columns["estimate"], columns["std_err"], conf_type, z
    )
    return CumulativeIncidence(pd.DataFrame(columns), data, by, conf_type)


def _gray_stratum(time, cause, gi, k, rho, block: int = 4096):
    """Scores (k-1) and their covariance for one stratum (Gray 1988; cmprsk's ``crstm``).

    cmprsk's recursion over event times, vectorised: the at-risk counts, the groups' all-cause
    Kaplan-Meier and cause-1 incidences and the pooled incidence are cumulative sums and products
    over the event times; the k x k weight matrices (``a``, and their running sum ``c``) are built
    ``block`` times at a time so memory stays bounded for many groups and times.
    """
    times, tix = np.unique(time, return_inverse=True)
    m = len(times)
    counts = np.bincount((tix * 3 + cause.astype(int)) * k + gi, minlength=m * 3 * k)
    counts = counts.reshape(m, 3, k).astype(float)
    n_g = np.bincount(gi, minlength=k).astype(float)
    rs = n_g - _shift(np.cumsum(counts.sum(axis=1), axis=0), 0.0)  # at risk just before each time
    keep = counts[:, 1:].sum(axis=(1, 2)) > 0  # the recursion moves at event times only
    rs, d1, d2 = rs[keep], counts[keep, 1], counts[keep, 2]
    live = rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        skm = np.cumprod(np.where(live, (rs - d1 - d2) / np.where(live, rs, 1), 1.0), axis=0)
        skmm = _shift(skm, 1.0)
        f1m = _shift(np.cumsum(np.where(live, skmm * d1 / np.where(live, rs, 1), 0.0), axis=0), 0.0)
        t1 = np.where(live, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(live, rs * (1 - f1m) / skmm, 0.0).sum(axis=1)
        nd1 = d1.sum(axis=1)
        f = np.cumsum(nd1 / tr)
        fm = _shift(f, 0.0)
        fb = (1 - fm) ** rho
        score = np.where(
            live, fb[:, None] * (d1 - nd1[:, None] * rs * (1 - f1m) / (skmm * tq[:, None])), 0.0
        )
        # cause-1 events: every live group; other causes: groups with such an event
        on1 = (nd1 > 0)[:, None] & live
        t4 = np.where(on1, np.where(skm > 0, 1 - (1 - f[:, None]) / skm, 1.0), 0.0)
        t5 = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / (tr[:, None] * skmm - 1), 1.0)
        t3 = np.where(on1, t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        on2 = (skm > 0) & (d2 > 0)
        u4 = np.where(on2, (1 - f[:, None]) / skm, 0.0)
        u5 = np.where(d2 > 1, 1 - (d2 - 1) / (rs - 1), 1.0)
        u3 = np.where(on2, u5 * skmm**2 * d2 / rs**2, 0.0)
        cw = nd1 / (tr * (1 - fm))
    v3 = (t4 * t4 * t3 + u4 * u4 * u3).sum(axis=0)
    v2 = np.zeros((k - 1, k))
    vv = np.zeros((k - 1, k - 1))
    c = np.zeros((k, k))
    for lo in range(0, len(tr), block):
        sl = slice(lo, lo + block)
        # a = fb (diag(t1) - t1 t1' / tr); c its running sum weighted by nd1 / (tr (1 - fm))
        a = -t1[sl, :, None] * t1[sl, None, :] / tr[sl, None, None]
        a[:, np.arange(k), np.arange(k)] += t1[sl]
        a *= fb[sl, None, None]
        cs = c + np.cumsum(a * cw[sl, None, None], axis=0)
        c = cs[-1]
        tt1 = a[:, : k - 1] - t4[sl, None, :] * cs[:, : k - 1]
        uu1 = u4[sl, None, :] * cs[:, : k - 1]
        v2 += (tt1 * (t4 * t3)[sl, None, :] - uu1 * (u4 * u3)[sl, None, :]).sum(axis=0)
        vv += np.einsum("tik,tjk,tk->ij", tt1, tt1, t3[sl]) + np.einsum(
            "tik,tjk,tk->ij", uu1, uu1, u3[sl]
        )
    ck = c[: k - 1, :]
    vv += (ck * v3) @ ck.T + ck @ v2.T + v2 @ ck.T
    return score[:, : k - 1].sum(axis=0), vv


def gray_test(
    adtte: pd.DataFrame,
    paramcd: str,
    by: str,
    competing: str | None = None,
    strata: str | None = None,
    rho: float = 0.0,
    subjects: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Gray's K-sample test of the cumulative incidences of each cause between the groups of
    ``by``, as R's ``cmprsk::cuminc(..., rho = 0)$Tests``.

    Parameters
    ----------
    adtte : DataFrame
    paramcd : str
    by : str
    competing : str, optional
        The competing PARAMCD (or a ``CRSTAT`` column with None).
    strata : str, optional
    rho : float
        Weight ``(1 - F(t-))^rho``.
    subjects : DataFrame, optional

    Returns
    -------
    DataFrame
        One row per cause: ``event, cause, statistic, df, p, test``.

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"),
    ...                                ["TTSFLR", "TTRFLR", "TTDTH"], window_days=379)
    >>> g = survlupus.gray_test(adtte, "TTRFLR", by="ARM", competing="TTDTH")
    >>> g[["event", "df"]].values.tolist()[0], round(float(g["p"].iloc[0]), 4)
    (['TTRFLR', 2], 0.9755)
    """
    cols = [by] + ([strata] if strata else [])
    data = competing_data(adtte, paramcd, competing, cols, subjects)
    labels = group_labels(data[by])
    k = len(labels)
    gi = pd.Index(labels).get_indexer(data[by]).astype(np.int64)
    time, observed = data["time"].to_numpy(float), data["cause"].to_numpy()
    if strata:
        values = data[strata].to_numpy()
        parts = [values == sv for sv in pd.unique(values)]
    else:
        parts = [slice(None)]
    rows = []
    for cause_code, name in ((1, paramcd), (2, competing or "competing")):
        cause = np.where(observed == cause_code, 1, np.where(observed == 0, 0, 2))
        s_tot, v_tot = np.zeros(k - 1), np.zeros((k - 1, k - 1))
        for ins in parts:
            s_, v_ = _gray_stratum(time[ins], cause[ins], gi[ins], k, rho)
            s_tot += s_
            v_tot += v_
        if not (cause == 1).any() or np.linalg.matrix_rank(v_tot) < k - 1:
            stat, pv = float("nan"), float("nan")  # no event of this cause: not testable
        else:
            stat = float(s_tot @ np.linalg.solve(v_tot, s_tot))
            pv = float(special.chdtrc(k - 1, stat))  # stats.chi2.sf, without its overhead
        rows.append((name, cause_code, stat, k - 1, pv, f"Gray's test (rho = {rho:g})"))
    names = ("event", "cause", "statistic", "df", "p", "test")
    return pd.DataFrame(dict(zip(names, map(list, zip(*rows, strict=True)), strict=True)))
