"""Kaplan-Meier estimates by group, with pointwise CIs, quantiles, landmarks and risk tables.

The estimate is the product limit over the observed times (vectorised numpy); the standard error is
Greenwood's (``std_err`` is the s.e. of the cumulative hazard, ``sqrt(sum d / (n (n - d)))``, as
R's ``survfit`` reports it), and the CIs are R ``survfit``'s three transforms:

* ``"log-log"`` (default, as SAS and lifelines): ``exp(-exp(log(-log S) ± z se / log S))``;
* ``"log"`` (R's default): ``S exp(± z se)``, upper limit capped at 1;
* ``"plain"``: ``S ± z S se``, limited to [0, 1].

Quantiles (``median()``, ``quantile(q)``) name their rule: ``"r"`` (R's ``quantile.survfit``: the
first time S(t) <= 1 - q; where S sits exactly at 1 - q on a flat, within a tolerance of
sqrt(machine epsilon), the midpoint of the flat) or ``"sas"`` (the first time S(t) < 1 - q,
strictly). CIs of a quantile are the same rule applied to the lower and upper curves. A quantile
that is not reached is ``NaN`` ("not estimable", printed NE), never ``inf``.

>>> km = kaplan_meier(adtte, "TTSFLR", by="ARM")          # doctest: +SKIP
>>> km.median()                                            # doctest: +SKIP
>>> km.risk_table([0, 28, 56, 84])                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survlupus.stats.data import per_group, select
from survlupus.stats.display import html_table

CONF_TYPES = ("log-log", "log", "plain")
QUANTILE_METHODS = ("r", "sas")
TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def confidence_limits(
    surv: np.ndarray, se: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits for S with ``se`` = s.e. of the cumulative hazard (R's ``std.err``)."""
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    s = np.asarray(surv, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            lo, hi = np.clip(s - z * s * se, 0, 1), np.clip(s + z * s * se, 0, 1)
        elif conf_type == "log":
            lo, hi = s * np.exp(-z * se), np.minimum(s * np.exp(z * se), 1.0)
            lo, hi = np.where(s == 0, np.nan, lo), np.where(s == 0, np.nan, hi)
        else:
            ll = np.log(-np.log(s))
            lo = np.exp(-np.exp(ll - z * se / np.log(s)))
            hi = np.exp(-np.exp(ll + z * se / np.log(s)))
            edge = (s == 0) | (s == 1)  # undefined on the log-log scale: NaN, as in R
            lo, hi = np.where(edge, np.nan, lo), np.where(edge, np.nan, hi)
    return lo, hi


def _one_group(time: np.ndarray, event: np.ndarray) -> dict[str, np.ndarray]:
    """The product-limit estimate at each observed time (vectorised; R's ``survfit``): columns."""
    times, inverse = np.unique(np.asarray(time, float), return_inverse=True)
    removed = np.bincount(inverse, minlength=len(times)).astype(float)
    d = np.bincount(inverse, weights=np.asarray(event, float), minlength=len(times))
    n = removed[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d / n)
        inc = np.where(d > 0, d / (n * (n - d)), 0.0)
    se = np.sqrt(np.cumsum(inc))  # infinite once S reaches 0 (n == d), as in R
    return {
        "time": times,
        "n_risk": n.astype(int),
        "n_event": d.astype(int),
        "n_censor": (removed - d).astype(int),
        "survival": surv,
        "std_err": se,
    }


def _quantile_of(times: np.ndarray, curve: np.ndarray, p: float, method: str) -> float:
    """First time the step curve reaches ``p`` (1 - q) by ``method``; NaN if never."""
    ok = ~np.isnan(curve)
    t, s = times[ok], curve[ok]
    if method == "sas":
        below = np.flatnonzero(s < p - TOLERANCE)
        return float(t[below[0]]) if len(below) else float("nan")
    hit = np.flatnonzero(s <= p + TOLERANCE)
    if not len(hit):
        return float("nan")
    i = hit[0]
    if abs(s[i] - p) < TOLERANCE:
        # a flat exactly at p: the midpoint of the flat, which ends at the next drop or, if the
        # curve never drops again, at the last observed time (as R's quantile.survfit)
        later = np.flatnonzero(s < p - TOLERANCE)
        end = t[later[0]] if len(later) else t[-1]
        return float((t[i] + end) / 2)
    return float(t[i])


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier estimates of one parameter, by group. Build with :func:`kaplan_meier`."""

    table: pd.DataFrame
    data: pd.DataFrame
    paramcd: str
    by: str | None
    conf_type: str
    conf_level: float
    quantile_method: str

    def __repr__(self) -> str:
        n = len(self.data)
        ev = int(self.data["event"].sum())
        by = f" by {self.by}" if self.by else ""
        return f"<KaplanMeier {self.paramcd}{by}: n={n}, {ev} events, {self.conf_type} CI>"

    def _repr_html_(self) -> str:
        med = self.median()
        counts = self.data.groupby(self.by if self.by else (lambda _: "all"))["event"]
        med.insert(1, "n", counts.size().reindex(med["group"]).to_numpy())
        med.insert(2, "events", counts.sum().reindex(med["group"]).astype(int).to_numpy())
        med = med.rename(
            columns={"estimate": "median", "lower": "median lower", "upper": "median upper"}
        ).drop(columns=["quantile", "method"])
        return html_table(repr(self), med)

    @property
    def groups(self) -> list:
        return list(self.table["group"].drop_duplicates())

    def quantile(self, q: float) -> pd.DataFrame:
        """Time by which a fraction ``q`` has had the event, per group, with CI (NaN = NE)."""
        if not 0 < q < 1:
            raise ValueError("q must be between 0 and 1")
        rows = []
        for g, tab in self.table.groupby("group", sort=False):
            t = tab["time"].to_numpy()
            rows.append(
                {
                    "group": g,
                    "quantile": q,
                    **{
                        name: _quantile_of(t, tab[col].to_numpy(), 1 - q, self.quantile_method)
                        for name, col in (
                            ("estimate", "survival"),
                            ("lower", "lower"),
                            ("upper", "upper"),
                        )
                    },
                    "method": self.quantile_method,
                }
            )
        return pd.DataFrame(rows)

    def median(self) -> pd.DataFrame:
        return self.quantile(0.5)

    def at(self, times: Sequence[float], extend: bool = False) -> pd.DataFrame:
        """S(t) with CI at each time (landmarks), per group: the value at the last time on or
        before t, as R's ``summary(fit, times=)``.

        Beyond a group's last observed time S(t) is not estimated: NaN with ``n_risk`` 0 (R
        leaves such times out), unless the curve has already reached 0 or ``extend=True``
        (R's ``extend = TRUE``: the last value carried). The analysis carries it to a time
        point of the plan, which is never beyond the plan's window."""
        rows = []
        for g, tab in self.table.groupby("group", sort=False):
            t = tab["time"].to_numpy()
            for x in times:
                i = np.searchsorted(t, x, side="right") - 1
                last = self._times(g).max() if len(self._times(g)) else -np.inf
                if i < 0:
                    vals = (1.0, 1.0, 1.0, tab["n_risk"].iloc[0])
                elif x > last and tab["survival"].iloc[i] > 0 and not extend:
                    vals = (np.nan, np.nan, np.nan, 0)
                else:
                    r = tab.iloc[i]
                    vals = (r["survival"], r["lower"], r["upper"], int((self._times(g) >= x).sum()))
                rows.append(
                    {
                        "group": g,
                        "time": x,
                        "survival": vals[0],
                        "lower": vals[1],
                        "upper": vals[2],
                        "n_risk": int(vals[3]),
                    }
                )
        return pd.DataFrame(rows)

    def _times(self, g) -> np.ndarray:
        d = self.data
        return (d["time"] if self.by is None else d.loc[d[self.by] == g, "time"]).to_numpy()

    def risk_table(self, times: Sequence[float], counts: str = "through") -> pd.DataFrame:
        """At each time t: at risk = #{T >= t} (just before t) and the cumulative events and
        censorings up to and including t (``counts="through"``, R's ``summary(fit, times)``) or
        before t (``"before"``: then at risk + events + censored = N at every t)."""
        if counts not in COUNTS:
            raise ValueError(f"counts must be one of {COUNTS}, not {counts!r}")
        rows = []
        d = self.data
        for g in self.groups:
            sub = d if self.by is None else d[d[self.by] == g]
            t, e = sub["time"].to_numpy(), sub["event"].to_numpy()
            for x in times:
                rows.append(
                    {
                        "group": g,
                        "time": x,
                        "n_risk": int((t >= x).sum()),
                        "cum_events": int((_upto(t, x, counts) & (e == 1)).sum()),
                        "cum_censored": int((_upto(t, x, counts) & (e == 0)).sum()),
                    }
                )
        return pd.DataFrame(rows)


COUNTS = ("through", "before")


def _upto(t: np.ndarray, x: float, counts: str) -> np.ndarray:
    """Times counted by a risk table at ``x``: ``t <= x`` (through) or ``t < x`` (before)."""
    return t <= x if counts == "through" else t < x


def kaplan_meier(
    adtte: pd.DataFrame,
    paramcd: str,
    by: str | None = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    quantile_method: str = "r",
    subjects: pd.DataFrame | None = None,
) -> KaplanMeier:
    """Kaplan-Meier estimate of ``paramcd`` by the groups of ``by``, as R's ``survfit``.

    Parameters
    ----------
    adtte : DataFrame
        ADTTE rows (``USUBJID, PARAMCD, AVAL, CNSR``); the event is ``CNSR == 0``.
    paramcd : str
    by : str, optional
        A column of ``adtte`` (or of ``subjects``), e.g. ``"ARM"``.
    conf_type : {"log-log", "log", "plain"}
        Pointwise CI transform (default log-log, as SAS; R's default is "log").
    conf_level : float
    quantile_method : {"r", "sas"}
        Median/quantile rule at an exact flat (``docs/analysis.md``).
    subjects : DataFrame, optional
        Where ``by`` is taken from when it is not an ADTTE column.

    Returns
    -------
    KaplanMeier
        ``table`` (``group, time, n_risk, n_event, n_censor, survival, std_err, lower, upper``),
        ``median()``, ``quantile(q)``, ``at(times, extend=False)``, ``risk_table(times)``.

    Raises
    ------
    DataError
        No rows for ``paramcd``, a missing column (naming it and what exists).

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"), ["TTSFLR"],
    ...                                window_days=379)
    >>> km = survlupus.kaplan_meier(adtte, "TTSFLR", by="ARM")
    >>> km.at([365], extend=True)[["group", "survival", "n_risk"]].round(3).values.tolist()
    [['MSC high', 0.873, 6], ['MSC low', 0.768, 8], ['Placebo', 0.81, 9]]
    """
    if quantile_method not in QUANTILE_METHODS:
        raise ValueError(f"quantile_method must be one of {QUANTILE_METHODS}")
    data = select(adtte, paramcd, [by] if by else [], subjects)
    columns = per_group(data, by, _one_group, "time", "event")
    columns["lower"], columns["upper"] = confidence_limits(
        columns["survival"], columns["std_err"], conf_type, conf_level
    )
    table = pd.DataFrame(columns)
    return KaplanMeier(table, data, paramcd, by, conf_type, conf_level, quantile_method)
