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
from scipy import stats

from survlupus.stats.data import group_labels, select
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


def _cif_one(time: np.ndarray, cause: np.ndarray, k: int = 1) -> pd.DataFrame:
    """CIF of cause ``k`` and Gray's variance at every distinct time."""
    order = np.argsort(time, kind="stable")
    time, cause = time[order], cause[order]
    uniq = np.unique(time)
    f = v1 = v2 = v3 = 0.0
    var = 0.0
    surv = 1.0
    rows = []
    n_total = len(time)
    for t in uniq:
        at = time == t
        n = n_total - np.searchsorted(time, t, side="left")
        d1 = int(((cause == k) & at).sum())
        d2 = int(((cause != k) & (cause != 0) & at).sum())
        d = d1 + d2
        if d:
            s_next = surv * (n - d) / n
            if d1:
                f = f + surv * d1 / n
            if d2 and s_next > 0:
                c = 1 - (d2 - 1) / (n - 1) if d2 > 1 else 1.0
                w = surv**2 * c * d2 / n**2
                a, b = 1 / s_next, f / s_next
                v1, v2, v3 = v1 + b * b * w, v2 + a * b * w, v3 + a * a * w
            if d1:
                c = 1 - (d1 - 1) / (n - 1) if d1 > 1 else 1.0
                w = surv**2 * c * d1 / n**2
                a = 1 / s_next if s_next > 0 else 0.0
                b = 1 + a * f
                v1, v2, v3 = v1 + b * b * w, v2 + a * b * w, v3 + a * a * w
                var = v1 + f * f * v3 - 2 * f * v2
            surv = s_next
        rows.append(
            {
                "time": float(t),
                "n_risk": int(n),
                "n_event": d1,
                "n_competing": d2,
                "n_censor": int(((cause == 0) & at).sum()),
                "estimate": f,
                "variance": var,
            }
        )
    return pd.DataFrame(rows)


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
    parts = []
    for g in group_labels(data[by]) if by else ["all"]:
        sub = data if by is None else data[data[by] == g]
        tab = _cif_one(sub["time"].to_numpy(float), sub["cause"].to_numpy(int))
        tab["std_err"] = np.sqrt(tab["variance"])
        tab["lower"], tab["upper"] = _limits(
            tab["estimate"].to_numpy(), tab["std_err"].to_numpy(), conf_type, z
        )
        tab.insert(0, "group", g)
        parts.append(tab)
    return CumulativeIncidence(pd.concat(parts, ignore_index=True), data, by, conf_type)


def _gray_stratum(time, cause, gi, k, rho):
    """Scores (k-1) and their covariance for one stratum (Gray 1988)."""
    order = np.argsort(time, kind="stable")
    time, cause, gi = time[order], cause[order], gi[order]
    rs = np.bincount(gi, minlength=k).astype(float)
    f1m, skmm = np.zeros(k), np.ones(k)
    f1, skm = np.zeros(k), np.ones(k)
    c = np.zeros((k, k))
    v2 = np.zeros((k - 1, k))
    v3 = np.zeros(k)
    vv = np.zeros((k - 1, k - 1))
    s = np.zeros(k - 1)
    fm = 0.0
    # counts by time, cause and group in one pass (the recursion below is over times)
    times, tix = np.unique(time, return_inverse=True)
    counts = (
        np.bincount((tix * 3 + cause.astype(int)) * k + gi, minlength=len(times) * 3 * k)
        .reshape(len(times), 3, k)
        .astype(float)
    )
    for ti in range(len(times)):
        dd = counts[ti]
        nd1, nd2 = dd[1].sum(), dd[2].sum()
        if nd1 or nd2:
            live = rs > 0
            skm = np.where(live, skmm * (rs - dd[1] - dd[2]) / np.where(live, rs, 1), skm)
            f1 = np.where(live, f1m + skmm * dd[1] / np.where(live, rs, 1), f1)
            tr = np.sum(np.where(live, rs / skmm, 0))
            tq = np.sum(np.where(live, rs * (1 - f1m) / skmm, 0))
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            a = np.zeros((k, k))
            t1 = np.where(live, rs / skmm, 0)
            for i in range(k):
                if not live[i]:
                    continue
                a[i, i] = fb * t1[i] * (1 - t1[i] / tr)
                for j in range(i + 1, k):
                    if live[j]:
                        a[i, j] = a[j, i] = -fb * t1[i] * rs[j] / (skmm[j] * tr)
            c += a * nd1 / (tr * (1 - fm))
            for i in range(k - 1):
                if live[i]:
                    s[i] += fb * (dd[1, i] - nd1 * rs[i] * (1 - f1m[i]) / (skmm[i] * tq))
            if nd1:
                for kk in range(k):
                    if not live[kk]:
                        continue
                    t4 = 1 - (1 - f) / skm[kk] if skm[kk] > 0 else 1.0
                    t5 = 1 - (nd1 - 1) / (tr * skmm[kk] - 1) if nd1 > 1 else 1.0
                    t3 = t5 * skmm[kk] * nd1 / (tr * rs[kk])
                    v3[kk] += t4 * t4 * t3
                    tt1 = a[: k - 1, kk] - t4 * c[: k - 1, kk]
                    v2[:, kk] += tt1 * t4 * t3
                    vv += np.outer(tt1, tt1) * t3
            if nd2:
                for kk in range(k):
                    if skm[kk] <= 0 or dd[2, kk] <= 0:
                        continue
                    t4 = (1 - f) / skm[kk]
                    t5 = 1 - (dd[2, kk] - 1) / (rs[kk] - 1) if dd[2, kk] > 1 else 1.0
                    t3 = t5 * skmm[kk] ** 2 * dd[2, kk] / rs[kk] ** 2
                    v3[kk] += t4 * t4 * t3
                    tt1 = t4 * c[: k - 1, kk]
                    v2[:, kk] -= tt1 * t4 * t3
                    vv += np.outer(tt1, tt1) * t3
            fm = f
            f1m, skmm = f1.copy(), skm.copy()
        rs -= dd.sum(axis=0)
    ck = c[: k - 1, :]
    vv += (ck * v3) @ ck.T + ck @ v2.T + v2 @ ck.T
    return s, vv


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
    gi = data[by].map({g: i for i, g in enumerate(labels)}).to_numpy()
    rows = []
    for cause_code, name in ((1, paramcd), (2, competing or "competing")):
        cause = np.where(data["cause"] == cause_code, 1, np.where(data["cause"] == 0, 0, 2))
        s_tot, v_tot = np.zeros(k - 1), np.zeros((k - 1, k - 1))
        strata_vals = data[strata].to_numpy() if strata else np.zeros(len(data))
        for sv in np.unique(strata_vals):
            ins = strata_vals == sv
            s_, v_ = _gray_stratum(data["time"].to_numpy(float)[ins], cause[ins], gi[ins], k, rho)
            s_tot += s_
            v_tot += v_
        if not (cause == 1).any() or np.linalg.matrix_rank(v_tot) < k - 1:
            stat, pv = float("nan"), float("nan")  # no event of this cause: not testable
        else:
            stat = float(s_tot @ np.linalg.solve(v_tot, s_tot))
            pv = float(stats.chi2.sf(stat, k - 1))
        rows.append(
            {
                "event": name,
                "cause": cause_code,
                "statistic": stat,
                "df": k - 1,
                "p": pv,
                "test": f"Gray's test (rho = {rho:g})",
            }
        )
    return pd.DataFrame(rows)
