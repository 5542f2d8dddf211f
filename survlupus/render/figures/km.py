"""Kaplan-Meier and cumulative-incidence plots with a risk table under the curves.

Everything drawn comes from the analysis layer's tidy tables: the curves from ``KaplanMeier.table``
(or ``CumulativeIncidence.table``), the risk table from ``.risk_table(times)`` at the same ticks
(at risk = #{T >= t}), so the figure and an exported CSV cannot disagree.

The x-axis is time since day 1: ``time_unit="weeks"`` puts study day ``7w + 1`` (the week-w visit)
at ``w``; ``"days"`` puts day d at d - 1.

>>> fig, axes = plot_km(kaplan_meier(adtte, "TTSFLR", by="ARM"), annotation="log-rank p = 0.59")
... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from mpl_toolkits.axes_grid1 import make_axes_locatable

from survlupus.render.figures.style import arm_colors

RISK_ROW_LABELS = {
    "n_risk": "At risk",
    "cum_events": "Events",
    "cum_censored": "Censored",
    "cum_competing": "Competing",
}


def to_x(aval, unit: str):
    """Plot position of an AVAL (study day): weeks or days since day 1."""
    a = np.asarray(aval, dtype=float)
    return (a - 1) / 7.0 if unit == "weeks" else a - 1


def to_aval(x, unit: str):
    a = np.asarray(x, dtype=float)
    return a * 7.0 + 1 if unit == "weeks" else a + 1


def default_ticks(max_aval: float, unit: str) -> list[float]:
    """Visit-aligned ticks: every 4 weeks (or 28 days), widened for long follow-up."""
    top = float(to_x(max_aval, unit))
    step = 4 if unit == "weeks" else 28
    while top / step > 10:
        step *= 2
    return [float(t) for t in np.arange(0, top + 1e-9, step)]


def _axes(ax, risk_rows, n_groups):
    if ax is None:
        fig = plt.figure()
        ax = fig.add_subplot(111)
    fig = ax.figure
    risk_ax = None
    if risk_rows:
        height = 0.14 * len(risk_rows) * max(n_groups, 1) + 0.1
        risk_ax = make_axes_locatable(ax).append_axes(
            "bottom", size=f"{height * 100:.0f}%", pad=0.45, sharex=ax
        )
    return fig, ax, risk_ax


def _draw_risk_table(risk_ax, table: pd.DataFrame, rows: Sequence[str], groups, colors, unit):
    labels = []
    y = 0
    for row in rows:
        for g in groups:
            sub = table[table["group"] == g]
            for _, r in sub.iterrows():
                t = risk_ax.text(
                    float(to_x(r["time"], unit)),
                    -y,
                    str(int(r[row])),
                    ha="center",
                    va="center",
                    color=colors.get(str(g), "black"),
                    fontsize="small",
                )
                t.set_gid(f"risk|{row}|{g}|{r['time']:g}")
            labels.append(f"{RISK_ROW_LABELS[row]}" + (f" {g}" if len(groups) > 1 else ""))
            y += 1
    risk_ax.set_yticks([-i for i in range(len(labels))], labels)
    risk_ax.set_ylim(-len(labels) + 0.5, 0.5)
    risk_ax.tick_params(axis="y", length=0, pad=8)
    for side in ("left", "right", "top"):
        risk_ax.spines[side].set_visible(False)
    risk_ax.tick_params(axis="x", labelbottom=True)


def plot_curves(
    table: pd.DataFrame,
    risk: pd.DataFrame | None,
    *,
    value: str,
    ax=None,
    risk_rows: Sequence[str] = ("n_risk",),
    ticks: Sequence[float] | None = None,
    time_unit: str = "weeks",
    ci: bool = True,
    censor_marks: bool = True,
    median_lines: bool = False,
    cumulative: bool = False,
    annotation: str | None = None,
    colors: dict | None = None,
    ylabel: str = "",
    xlabel: str | None = None,
    title: str | None = None,
):
    """Step curves of ``value`` per group (the shared engine of KM and CIF plots)."""
    groups = list(table["group"].drop_duplicates())
    colors = colors or arm_colors(groups)
    fig, ax, risk_ax = _axes(ax, list(risk_rows) if risk is not None else [], len(groups))
    for g in groups:
        tab = table[table["group"] == g].sort_values("time")
        x = np.concatenate([[0.0], to_x(tab["time"], time_unit)])
        y = np.concatenate([[0.0 if cumulative else 1.0], tab[value].to_numpy(float)])
        if cumulative and value == "survival":
            y = 1 - y
        color = colors.get(str(g), None)
        (line,) = ax.step(x, y, where="post", color=color, label=str(g))
        line.set_gid(f"curve|{g}")
        if ci and "lower" in tab:
            lo = np.concatenate([[y[0]], tab["lower"].to_numpy(float)])
            hi = np.concatenate([[y[0]], tab["upper"].to_numpy(float)])
            if cumulative and value == "survival":
                lo, hi = 1 - hi, 1 - lo
            ok = ~(np.isnan(lo) | np.isnan(hi))
            band = ax.fill_between(
                x[ok], lo[ok], hi[ok], step="post", color=color, alpha=0.15, linewidth=0
            )
            band.set_gid(f"ci|{g}")
        if censor_marks and "n_censor" in tab:
            cens = tab["n_censor"].to_numpy() > 0
            cy = tab[value].to_numpy(float)[cens]
            cy = 1 - cy if cumulative and value == "survival" else cy
            (marks,) = ax.plot(
                to_x(tab["time"].to_numpy()[cens], time_unit),
                cy,
                "|",
                color=color,
                markersize=5,
                markeredgewidth=0.8,
            )
            marks.set_gid(f"censor|{g}")
    if median_lines and not cumulative and value == "survival":
        for g in groups:
            tab = table[table["group"] == g]
            hit = tab[tab["survival"] <= 0.5]
            if len(hit):
                xm = float(to_x(hit["time"].iloc[0], time_unit))
                ax.plot([0, xm, xm], [0.5, 0.5, 0], color="0.5", linewidth=0.6, linestyle=":")
    max_aval = float(table["time"].max()) if len(table) else 1.0
    ticks = list(ticks) if ticks is not None else default_ticks(max_aval, time_unit)
    ax.set_xticks(ticks)
    right = max(ticks[-1], float(to_x(max_aval, time_unit)))
    ax.set_xlim(0, (right if right > 0 else 1.0) * 1.02)  # a curve of time 0 only: a unit axis
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(
        xlabel
        or ("Weeks since first infusion" if time_unit == "weeks" else "Days since first infusion")
    )
    if title:
        ax.set_title(title)
    if len(groups) > 1 or groups[0] != "all":
        ax.legend(loc="lower left" if not cumulative and value == "survival" else "upper left")
    if annotation:  # bottom right for falling curves, top right for rising ones
        falling = not cumulative and value == "survival"
        ax.text(
            0.98,
            0.04 if falling else 0.96,
            annotation,
            transform=ax.transAxes,
            ha="right",
            va="bottom" if falling else "top",
            fontsize="small",
        ).set_gid("annotation")
    if risk_ax is not None:
        _draw_risk_table(risk_ax, risk, list(risk_rows), groups, colors, time_unit)
        risk_ax.set_xlabel(ax.get_xlabel())
        ax.set_xlabel("")
        ax.tick_params(axis="x", labelbottom=True)
    return fig, {"plot": ax, "risk": risk_ax}


def _ticks_and_risk(result, ticks, time_unit: str, risk_rows):
    """Visit-aligned ticks (unless given) and the result's risk table at those ticks."""
    table = result.table
    max_aval = float(table["time"].max()) if len(table) else 1.0
    ticks = list(ticks) if ticks is not None else default_ticks(max_aval, time_unit)
    risk = result.risk_table(list(to_aval(ticks, time_unit))) if risk_rows else None
    return ticks, risk


def plot_km(
    km,
    *,
    ax=None,
    risk_rows: Sequence[str] = ("n_risk",),
    ticks: Sequence[float] | None = None,
    time_unit: str = "weeks",
    ci: bool = True,
    censor_marks: bool = True,
    median_lines: bool = False,
    cumulative: bool = False,
    annotation: str | None = None,
    colors: dict | None = None,
    title: str | None = None,
    ylabel: str | None = None,
):
    """Kaplan-Meier curves (or 1 - S with ``cumulative=True``) with a risk table under them.

    ``risk_rows``: any of ``n_risk`` (#{T >= t}), ``cum_events``, ``cum_censored`` (the KMunicate
    rows); ``()`` for none. Returns ``(figure, {"plot": ax, "risk": ax})``.
    """
    table = km.table
    ticks, risk = _ticks_and_risk(km, ticks, time_unit, risk_rows)
    default_label = "Cumulative incidence" if cumulative else "Probability event-free"
    return plot_curves(
        table,
        risk,
        value="survival",
        ax=ax,
        risk_rows=risk_rows,
        ticks=ticks,
        time_unit=time_unit,
        ci=ci,
        censor_marks=censor_marks,
        median_lines=median_lines,
        cumulative=cumulative,
        annotation=annotation,
        colors=colors,
        ylabel=ylabel or default_label,
        title=title,
    )


def plot_cif(
    cif,
    *,
    ax=None,
    risk_rows: Sequence[str] = ("n_risk", "cum_events", "cum_competing"),
    ticks: Sequence[float] | None = None,
    time_unit: str = "weeks",
    ci: bool = True,
    annotation: str | None = None,
    colors: dict | None = None,
    title: str | None = None,
    ylabel: str = "Cumulative incidence",
):
    """Cumulative incidence (Aalen-Johansen) curves with their risk table."""
    table = cif.table
    ticks, risk = _ticks_and_risk(cif, ticks, time_unit, risk_rows)
    fig, axes = plot_curves(
        table,
        risk,
        value="estimate",
        ax=ax,
        risk_rows=risk_rows,
        ticks=ticks,
        time_unit=time_unit,
        ci=ci,
        censor_marks=False,
        cumulative=True,
        annotation=annotation,
        colors=colors,
        ylabel=ylabel,
        title=title,
    )
    values = table["estimate"].to_numpy(float)
    if ci:
        values = np.concatenate([values, table["upper"].to_numpy(float)])
    top = np.nanmax(values) if len(values) else 1.0
    axes["plot"].set_ylim(0, min(1.0, max(0.1, top * 1.15)))
    return fig, axes


def km_annotation(logrank_result=None, cox_result=None, term: str | None = None) -> str:
    """``Log-rank p = 0.59; HR 0.62 (0.15-2.60)`` from the analysis layer's results."""
    parts = []
    if logrank_result is not None:
        p = logrank_result.p
        parts.append(
            f"{logrank_result.test.capitalize()} p = " + ("<0.001" if p < 0.001 else f"{p:.3f}")
        )
    if cox_result is not None:
        tab = cox_result.table
        rows = tab if term is None else tab[tab["term"] == term]
        for _, r in rows.iterrows():
            label = r["term"].split("[", 1)[-1].rstrip("]")
            parts.append(f"HR {label}: {r['hr']:.2f} ({r['lower']:.2f}-{r['upper']:.2f})")
    return "\n".join(parts)
