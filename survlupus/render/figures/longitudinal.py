"""Figures of the longitudinal outcomes: LS mean change by visit (arms dodged side by side), a
panel of several parameters, and responder proportions by visit — drawn from tidy tables
(``MMRMResult.lsmeans``, ``Results.table("outcome_<n>")``), never fitting.

>>> fig, ax = plot_lsmeans(fit.lsmeans, title="C3 (g/L)")        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from survlupus.render.figures.style import arm_colors


def _dodged(ax, table: pd.DataFrame, colors: Mapping, *, percent: bool = False) -> list[str]:
    """Points with CI bars per arm and visit, arms side by side; returns the visit order."""
    visits = list(dict.fromkeys(table["visit"]))
    arms = list(dict.fromkeys(table["arm"]))
    width = 0.6 / max(len(arms), 1)
    scale = 100.0 if percent else 1.0
    for i, arm in enumerate(arms):
        t = table[table["arm"] == arm].set_index("visit").reindex(visits)
        x = np.arange(len(visits)) + (i - (len(arms) - 1) / 2) * width
        est, lo, hi = (scale * t[c].to_numpy(float) for c in ("estimate", "lower", "upper"))
        bars = ax.errorbar(
            x,
            est,
            yerr=[est - lo, hi - est],
            fmt="o-",
            ms=3,
            lw=1,
            capsize=2,
            color=colors.get(arm, "0.3"),
            label=str(arm),
        )
        bars.lines[0].set_gid(f"lsmeans|{arm}")
    ax.set_xticks(np.arange(len(visits)), visits)
    if len(visits) > 12:
        for label in ax.get_xticklabels()[1::2]:
            label.set_visible(False)
    ax.spines[["top", "right"]].set_visible(False)
    return visits


def plot_lsmeans(
    lsmeans: pd.DataFrame,
    *,
    ax=None,
    title: str | None = None,
    ylabel: str = "Change from baseline",
    colors: Mapping | None = None,
):
    """LS mean (or mean) change with its CI by visit, one series per arm, dodged; a dashed line
    at no change. Returns ``(figure, axes)``."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 3.2))
    colors = colors or arm_colors(list(dict.fromkeys(lsmeans["arm"])))
    _dodged(ax, lsmeans, colors)
    ax.axhline(0, color="0.5", lw=0.7, ls="--")
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Visit")
    if title:
        ax.set_title(title)
    if lsmeans["arm"].nunique() > 1:
        ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax.figure, ax


def plot_lsmeans_panel(
    panels: Sequence[tuple[str, pd.DataFrame]],
    *,
    ncols: int = 2,
    colors: Mapping | None = None,
):
    """One :func:`plot_lsmeans` per ``(title, lsmeans)``, in a grid with one legend."""
    n = len(panels)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.2, 2.2 * nrows + 0.6), squeeze=False)
    arms = list(dict.fromkeys(a for _, t in panels for a in t["arm"]))
    colors = colors or arm_colors(arms)
    for ax, (title, table) in zip(axes.flat, panels, strict=False):
        _dodged(ax, table, colors)
        ax.axhline(0, color="0.5", lw=0.7, ls="--")
        ax.set_title(title, fontsize="small")
        ax.tick_params(labelsize="small")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if len(arms) > 1:
        handles = [plt.Line2D([], [], color=colors[a], marker="o", label=a) for a in arms]
        fig.legend(
            handles=handles, loc="lower center", ncol=len(arms), frameon=False, fontsize="small"
        )
    fig.supylabel("Change from baseline (95% CI)", fontsize="small")
    fig.tight_layout(rect=(0, 0.05 if len(arms) > 1 else 0, 1, 1))
    return fig, axes


def plot_responders_by_visit(
    table: pd.DataFrame,
    *,
    ax=None,
    title: str | None = None,
    colors: Mapping | None = None,
):
    """Proportion of responders (Clopper-Pearson CI) by visit and arm, as lines."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 3.0))
    colors = colors or arm_colors(list(dict.fromkeys(table["arm"])))
    _dodged(ax, table, colors, percent=True)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Responders (%)")
    ax.set_xlabel("Visit")
    if title:
        ax.set_title(title)
    if table["arm"].nunique() > 1:
        ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax.figure, ax
