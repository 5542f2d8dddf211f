"""Forest plot of hazard ratios (or any ratio/difference) across subgroups or endpoints, with the
numbers in columns beside the CI bars, a log scale, a reference line and "favours" labels.

The input is a tidy table with ``label, estimate, lower, upper`` (optionally ``n``, ``events``,
``p``): e.g. ``Results.forest()`` or :func:`survlupus.forest_table`, or written by hand.

>>> fig, ax = plot_forest(survlupus.forest_table(adtte, ["TTSFLR", "TTRESC"], by="ARM",
...                              reference="Placebo"), favours=("MSC", "Placebo"))
... # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

LOG_TICKS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0, 100.0, 1000.0)


def _plain_log_ticks(ax, values) -> None:
    """Ratio ticks written as numbers (0.25, 1, 4), not powers of ten, within the data."""
    finite = values[np.isfinite(values) & (values > 0)]
    lo, hi = (finite.min(), finite.max()) if len(finite) else (0.1, 10.0)
    ticks = [t for t in LOG_TICKS if lo / 1.5 <= t <= hi * 1.5] or [1.0]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())


def plot_forest(
    table: pd.DataFrame,
    *,
    ax=None,
    log_scale: bool = True,
    null_value: float = 1.0,
    favours: tuple[str, str] | None = None,
    columns: Sequence[str] = ("estimate",),
    xlabel: str = "Hazard ratio (95% CI)",
    color: str = "#0072B2",
):
    """One row per line of ``table``; returns ``(figure, axes)``."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 0.35 * len(table) + 1.2))
    fig = ax.figure
    y = np.arange(len(table))[::-1].astype(float)
    est, lo, hi = (table[c].to_numpy(float) for c in ("estimate", "lower", "upper"))
    lines = ax.hlines(y, lo, hi, color=color, linewidth=1.0)
    lines.set_gid("ci-bars")
    pts = ax.scatter(est, y, marker="s", color=color, zorder=3, s=18)
    pts.set_gid("estimates")
    ax.axvline(null_value, color="0.3", linewidth=0.7, linestyle="--")
    if log_scale:
        ax.set_xscale("log")
        _plain_log_ticks(ax, np.r_[lo, hi, est, null_value])
    ax.set_yticks(y, table["label"].tolist())
    ax.set_ylim(-0.8, len(table) - 0.2)
    ax.set_xlabel(xlabel)
    for side in ("right", "top", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    # numbers beside the bars, in a column right of the axes (axes-fraction x, data y)
    trans = ax.get_yaxis_transform()
    texts = [f"{e:.2f} ({a:.2f}-{b:.2f})" for e, a, b in zip(est, lo, hi, strict=True)]
    ax.text(
        1.04,
        len(table) - 0.3,
        "HR (95% CI)",
        transform=trans,
        fontweight="bold",
        fontsize="small",
        va="bottom",
    )
    for yi, txt in zip(y, texts, strict=True):
        ax.text(1.04, yi, txt, transform=trans, va="center", fontsize="small").set_gid(
            f"forest-text|{txt}"
        )
    extra = [c for c in columns if c != "estimate" and c in table]
    for k, col in enumerate(extra, start=1):
        ax.text(
            1.04 + 0.28 * k,
            len(table) - 0.3,
            col,
            transform=trans,
            fontweight="bold",
            fontsize="small",
            va="bottom",
        )
        for yi, val in zip(y, table[col].tolist(), strict=True):
            shown = f"{val:.3f}" if isinstance(val, float) else str(val)
            ax.text(1.04 + 0.28 * k, yi, shown, transform=trans, va="center", fontsize="small")
    if favours:
        ax.text(
            0.25,
            -0.22,
            f"← favours {favours[0]}",
            transform=ax.transAxes,
            ha="center",
            fontsize="small",
        )
        ax.text(
            0.75,
            -0.22,
            f"favours {favours[1]} →",
            transform=ax.transAxes,
            ha="center",
            fontsize="small",
        )
    return fig, ax
