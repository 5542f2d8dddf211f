"""Kaplan-Meier and cumulative-incidence figures, to the standard of R's ggsurvfit/survminer.

Everything drawn comes from the analysis layer's tidy tables: the curves from
``KaplanMeier.table`` (or ``CumulativeIncidence.table``), the risk table from
``.risk_table(times, counts="before")`` at the same ticks, so a figure and an exported CSV cannot
disagree. What each part corresponds to in ggsurvfit:

* curves from (0, 1) — or from (0, 0) for a cumulative view (``cumulative=True``: 1 - S for a
  positive endpoint such as complete remission, with the y axis labelled for it);
* ``add_censor_mark``: a tick at every censoring, on KM and CIF curves alike;
* ``add_confidence_interval``: pointwise bands (``ci="band"``) or step lines (``ci="step"``); by
  default bands for one or two arms and none for more (three bands blur to grey);
* ``add_quantile``: ``median_lines=True``;
* ``add_pvalue`` / the annotation: it names the test (global or pairwise), the reference arm,
  HR (95 % CI) and Firth when it is Firth (:func:`km_annotation`); it is drawn right of the plot
  and the legend above it, so neither ever covers a curve;
* ``add_risktable``: titled "Number at risk", one block per statistic (at risk, events,
  censored, competing events) with each arm in its colour, at every tick. The counts add up: at
  risk = #{T >= t} (just before t), events and censored = those *before* t, so at risk + events +
  censored (+ competing) = N at every tick.

Time is drawn in days, weeks, months or years since day 1 (:mod:`.timeaxis`); the ticks include
the times passed as ``required_days`` (a plan's primary time point, the end of its window).

>>> fig, axes = plot_km(kaplan_meier(adtte, "TTSFLR", by="ARM"),
...                     annotation=km_annotation(logrank_result, cox_result, "Placebo"))
... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from mpl_toolkits.axes_grid1 import make_axes_locatable

from survlupus.render.figures.style import arm_colors, font_points
from survlupus.render.figures.timeaxis import (
    axis_label,
    check_unit,
    nice_ticks,
    tick_labels,
    to_aval,
    to_x,
)

RISK_ROW_LABELS = {
    "n_risk": "At risk",
    "cum_events": "Events",
    "cum_censored": "Censored",
    "cum_competing": "Competing event",
}
CI_STYLES = ("band", "step", "none")
RISK_LINE_INCHES = 0.125

__all__ = ["km_annotation", "plot_cif", "plot_curves", "plot_km", "to_aval", "to_x"]


def _axes(ax, n_rows: int):
    if ax is None:
        fig = plt.figure()
        ax = fig.add_subplot(111)
    fig = ax.figure
    risk_ax = None
    if n_rows:  # sizes in inches: a line of the table is one line of small text
        risk_ax = make_axes_locatable(ax).append_axes(
            "bottom", size=RISK_LINE_INCHES * n_rows, pad=0.62, sharex=ax
        )
    return fig, ax, risk_ax


def _risk_lines(rows: Sequence[str], groups: list) -> list[tuple[str, str | None, str | None]]:
    """The risk table's lines, top to bottom: ``(label, statistic, group)``; a block header has
    no group; with one group each statistic is one line."""
    lines: list[tuple[str, str | None, str | None]] = []
    for row in rows:
        if len(groups) == 1:
            lines.append((RISK_ROW_LABELS[row], row, groups[0]))
            continue
        lines.append((RISK_ROW_LABELS[row], None, None))
        lines += [(str(g), row, g) for g in groups]
    return lines


def _draw_risk_table(risk_ax, table: pd.DataFrame, rows: Sequence[str], groups, colors, unit):
    lines = _risk_lines(rows, groups)
    for i, (_label, row, g) in enumerate(lines):
        if row is None:
            continue
        sub = table[table["group"] == g]
        for x, value, t in zip(
            to_x(sub["time"], unit), sub[row].to_numpy(), sub["time"].to_numpy(), strict=True
        ):
            text = risk_ax.text(
                float(x),
                -i,
                str(int(value)),
                ha="center",
                va="center",
                color=colors.get(str(g), "black"),
                fontsize="small",
            )
            text.set_gid(f"risk|{row}|{g}|{t:g}")
    risk_ax.set_yticks([-i for i in range(len(lines))], [label for label, _, _ in lines])
    for tick, (_label, row, g) in zip(risk_ax.get_yticklabels(), lines, strict=True):
        if row is None:
            tick.set_fontweight("bold")
        elif len(groups) > 1:
            tick.set_color(colors.get(str(g), "black"))
    risk_ax.set_ylim(-len(lines) + 0.5, 0.5)
    risk_ax.tick_params(axis="y", length=0, pad=6, labelsize="small")
    for side in ("left", "right", "top", "bottom"):
        risk_ax.spines[side].set_visible(False)
    risk_ax.tick_params(axis="x", bottom=False, labelbottom=False)  # the times are the plot's
    risk_ax.set_title("Number at risk", loc="left", fontsize="small", fontweight="bold", pad=3)


def _flip(values: np.ndarray, flip: bool) -> np.ndarray:
    return 1.0 - values if flip else values


def plot_curves(
    table: pd.DataFrame,
    risk: pd.DataFrame | None,
    *,
    value: str,
    ax=None,
    risk_rows: Sequence[str] = ("n_risk",),
    ticks: Sequence[float] | None = None,
    required_days: Sequence[float] = (),
    time_unit: str = "weeks",
    ci: bool | str | None = None,
    censor_marks: bool = True,
    median_lines: bool = False,
    cumulative: bool = False,
    annotation: str | None = None,
    colors: dict | None = None,
    ylabel: str = "",
    xlabel: str | None = None,
    title: str | None = None,
):
    """Step curves of ``value`` per group (the shared engine of KM and CIF figures)."""
    unit = check_unit(time_unit)
    groups = list(table["group"].drop_duplicates())
    style = _ci_style(ci, len(groups))
    colors = colors or arm_colors(groups)
    rows = list(risk_rows) if risk is not None else []
    fig, ax, risk_ax = _axes(ax, len(_risk_lines(rows, groups)) if rows else 0)
    flip = cumulative and value == "survival"  # 1 - S; a CIF already rises from 0
    start = 0.0 if cumulative else 1.0
    tops = [start]
    for g in groups:
        tab = table[table["group"] == g].sort_values("time")
        x = np.concatenate([[0.0], to_x(tab["time"], unit)])
        y = np.concatenate([[start], _flip(tab[value].to_numpy(float), flip)])
        color = colors.get(str(g))
        (line,) = ax.step(x, y, where="post", color=color, label=str(g))
        line.set_gid(f"curve|{g}")
        tops.append(np.nanmax(y))
        if style != "none" and "lower" in tab:
            lo = _flip(tab["lower"].to_numpy(float), flip)
            hi = _flip(tab["upper"].to_numpy(float), flip)
            lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
            lo, hi = np.concatenate([[start], lo]), np.concatenate([[start], hi])
            ok = ~(np.isnan(lo) | np.isnan(hi))
            tops.append(np.nanmax(hi[ok]) if ok.any() else start)
            if style == "band":
                band = ax.fill_between(
                    x[ok], lo[ok], hi[ok], step="post", color=color, alpha=0.15, linewidth=0
                )
                band.set_gid(f"ci|{g}")
            else:
                for k, bound in enumerate((lo, hi)):
                    (b,) = ax.step(
                        x[ok], bound[ok], where="post", color=color, linewidth=0.6, linestyle="--"
                    )
                    b.set_gid(f"ci|{g}|{'lower' if k == 0 else 'upper'}")
        if censor_marks and "n_censor" in tab:
            cens = tab["n_censor"].to_numpy() > 0
            (marks,) = ax.plot(
                to_x(tab["time"].to_numpy()[cens], unit),
                _flip(tab[value].to_numpy(float), flip)[cens],
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
                xm = float(to_x(hit["time"].iloc[0], unit))
                ax.plot([0, xm, xm], [0.5, 0.5, 0], color="0.5", linewidth=0.6, linestyle=":")
    max_aval = float(table["time"].max()) if len(table) else 1.0
    ticks = list(ticks) if ticks is not None else nice_ticks(max_aval, unit, required_days)
    ax.set_xticks(ticks, tick_labels(ticks))
    right = max(ticks[-1], float(to_x(max_aval, unit)))
    ax.set_xlim(0, (right if right > 0 else 1.0) * 1.02)  # a curve of time 0 only: a unit axis
    if cumulative:
        ax.set_ylim(0, min(1.0, max(0.1, float(np.nanmax(tops)) * 1.1)) + 0.02)
    else:
        ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel or axis_label(unit))
    n_legend_rows = 0
    if len(groups) > 1 or groups[0] != "all":
        ncol = min(len(groups), 4)
        n_legend_rows = -(-len(groups) // ncol)
        legend = ax.legend(
            loc="lower left",
            bbox_to_anchor=(0.0, 1.01),
            ncol=ncol,
            borderaxespad=0.0,
            handlelength=1.6,
            columnspacing=1.2,
        )
        legend.set_gid("legend")
    if title:
        title = title.removesuffix(" (days)")  # the unit of AVAL, not of the axis
        size = font_points("legend.fontsize")
        ax.set_title(title, loc="left", pad=4 + n_legend_rows * 1.6 * size)
    if annotation:  # right of the plot, so it never covers a curve
        ax.text(
            1.02, 1.0, annotation, transform=ax.transAxes, ha="left", va="top", fontsize="small"
        ).set_gid("annotation")
    if risk_ax is not None:
        _draw_risk_table(risk_ax, risk, rows, groups, colors, unit)
    return fig, {"plot": ax, "risk": risk_ax}


def _ci_style(ci, n_groups: int) -> str:
    if ci is None:
        return "band" if n_groups <= 2 else "none"
    if ci is True:
        return "band"
    if ci is False:
        return "none"
    if ci not in CI_STYLES:
        raise ValueError(f"ci must be True, False, None or one of {', '.join(CI_STYLES)}")
    return ci


def _ticks_and_risk(result, ticks, required_days, time_unit: str, risk_rows):
    """Ticks (unless given) and the result's risk table at those ticks (counts before t)."""
    unit = check_unit(time_unit)
    table = result.table
    max_aval = float(table["time"].max()) if len(table) else 1.0
    ticks = list(ticks) if ticks is not None else nice_ticks(max_aval, unit, required_days)
    risk = result.risk_table(list(to_aval(ticks, unit)), counts="before") if risk_rows else None
    return ticks, risk


def plot_km(
    km,
    *,
    ax=None,
    risk_rows: Sequence[str] = ("n_risk", "cum_events", "cum_censored"),
    ticks: Sequence[float] | None = None,
    required_days: Sequence[float] = (),
    time_unit: str = "weeks",
    ci: bool | str | None = None,
    censor_marks: bool = True,
    median_lines: bool = False,
    cumulative: bool = False,
    annotation: str | None = None,
    colors: dict | None = None,
    title: str | None = None,
    ylabel: str | None = None,
):
    """Kaplan-Meier curves (or 1 - S from 0 with ``cumulative=True``) with a risk table.

    ``risk_rows``: any of ``n_risk``, ``cum_events``, ``cum_censored``; ``()`` for none.
    ``required_days``: study days that must be ticks (e.g. ``(365, 379)``: the primary time
    point and the end of the window). Returns ``(figure, {"plot": ax, "risk": ax})``.
    """
    ticks, risk = _ticks_and_risk(km, ticks, required_days, time_unit, risk_rows)
    default = "Cumulative probability of the event" if cumulative else "Probability event-free"
    return plot_curves(
        km.table,
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
        ylabel=ylabel or default,
        title=title,
    )


def plot_cif(
    cif,
    *,
    ax=None,
    risk_rows: Sequence[str] = ("n_risk", "cum_events", "cum_competing", "cum_censored"),
    ticks: Sequence[float] | None = None,
    required_days: Sequence[float] = (),
    time_unit: str = "weeks",
    ci: bool | str | None = None,
    censor_marks: bool = True,
    annotation: str | None = None,
    colors: dict | None = None,
    title: str | None = None,
    ylabel: str = "Cumulative incidence",
):
    """Cumulative incidence (Aalen-Johansen) curves from 0, censor marks and their risk table."""
    ticks, risk = _ticks_and_risk(cif, ticks, required_days, time_unit, risk_rows)
    return plot_curves(
        cif.table,
        risk,
        value="estimate",
        ax=ax,
        risk_rows=risk_rows,
        ticks=ticks,
        time_unit=time_unit,
        ci=ci,
        censor_marks=censor_marks,
        cumulative=True,
        annotation=annotation,
        colors=colors,
        ylabel=ylabel,
        title=title,
    )


def km_annotation(
    logrank_result=None, cox_result=None, reference: str | None = None, term: str | None = None
) -> str:
    """The test and the hazard ratios in words, e.g.::

        Log-rank test, all 3 arms: p = 0.590
        HR vs Placebo (95% CI), Cox (Efron):
          MSC high 0.62 (0.15-2.60)

    A log-rank result with ``pairwise`` rows gives each arm's p against the reference too;
    Firth's model says so and names its profile-likelihood CI.
    """
    parts = []
    if logrank_result is not None:
        n = len(logrank_result.table)
        scope = f"all {n} arms" if n > 2 else ("2 arms" if n == 2 else "1 group")
        parts.append(
            f"{logrank_result.test.capitalize()} test, {scope}: p = {_p(logrank_result.p)}"
        )
        pair = logrank_result.pairwise
        if pair is not None and n > 2 and reference is not None:
            for r in pair.itertuples():
                parts.append(f"  {r.group} vs {reference}: p = {_p(r.p)}")
    if cox_result is not None:
        tab = cox_result.table.dropna(subset=["coef"])
        rows = tab if term is None else tab[tab["term"] == term]
        vs = f" vs {reference}" if reference else ""
        if cox_result.firth:
            parts.append(f"HR{vs}, Firth's penalised Cox\n(95% profile-likelihood CI):")
        else:
            parts.append(f"HR{vs} (95% CI),\nCox ({cox_result.ties.capitalize()}):")
        for r in rows.itertuples():
            label = r.term.split("[", 1)[-1].rstrip("]")
            parts.append(f"  {label} {r.hr:.2f} ({r.lower:.2f}-{r.upper:.2f})")
    return "\n".join(parts)


def _p(p: float) -> str:
    if p is None or np.isnan(p):
        return "NE"
    return "<0.001" if p < 0.001 else f"{p:.3f}"
