"""Forest plots of hazard ratios (or any ratio) across endpoints or subgroups, as tern's
``g_forest`` and survminer's ``ggforest`` draw them: labels in words, a log axis with plain
ticks (0.1, 0.25, 0.5, 1, 2, 4, 10), "favours" labels just under the axis, the numbers in
columns with a header, Firth's estimates marked (†) and "NE" where there is no estimate.

Endpoints whose event is favourable (complete remission: HR > 1 favours the arm) are drawn in a
panel of their own with the "favours" labels the other way round (``event_is_good`` column).
Subgroup tables (``header`` rows with ``p_interaction``) print each variable in bold with the
p-value of its interaction with the arm.

>>> fig, axes = plot_forest(results.forest(), favours=("MSC", "Placebo"))   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from survlupus.render.figures.sampling import note_under_axis
from survlupus.render.figures.style import font_points

LOG_TICKS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0)
WIDE_LOG_TICKS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)
"""Ticks for ratios spanning more than 10-fold either way of 1 (powers of ten only)."""
COLUMN_HEADERS = {
    "estimate": "HR (95% CI)",
    "events": "Events/N (arm vs reference)",
    "p": "p",
    "p_interaction": "p (interaction)",
}
FIRTH_MARK = "†"
FIRTH_NOTE = "† Firth's penalised Cox (profile-likelihood CI)"


def _plain_log_ticks(ax, values) -> None:
    """Ratio ticks written as numbers (0.25, 1, 4), not powers of ten, within the data."""
    finite = values[np.isfinite(values) & (values > 0)]
    lo, hi = (finite.min(), finite.max()) if len(finite) else (0.1, 10.0)
    wide = lo < 0.05 or hi > 20
    ticks = [t for t in (WIDE_LOG_TICKS if wide else LOG_TICKS) if lo / 1.5 <= t <= hi * 1.5]
    ticks = ticks or [1.0]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())


def _fmt(value, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "NE"
    return f"{value:.{digits}f}" if abs(value) < 100 else f"{value:.0f}"


def _p_text(p) -> str:
    if p is None or not np.isfinite(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _cell(row, col: str) -> str:
    if bool(row.get("header", False)):
        return (_p_text(row.get(col)) or "NE") if col == "p_interaction" else ""
    if col == "estimate":
        est = row["estimate"]
        if est is None or not np.isfinite(est):
            return "NE"
        return f"{_fmt(est)} ({_fmt(row['lower'])}-{_fmt(row['upper'])})"
    if col in ("p", "p_interaction"):
        return _p_text(row.get(col))
    value = row.get(col)
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _panel(ax, table: pd.DataFrame, columns, null_value, log_scale, color, favours, xlim):
    n = len(table)
    y = np.arange(n)[::-1].astype(float)
    est, lo, hi = (
        pd.to_numeric(table[c], errors="coerce").to_numpy(float)
        for c in ("estimate", "lower", "upper")
    )
    ok = np.isfinite(est)
    bars = ax.hlines(y[ok], lo[ok], hi[ok], color=color, linewidth=1.0)
    bars.set_gid("ci-bars")
    pts = ax.scatter(est[ok], y[ok], marker="s", color=color, zorder=3, s=18)
    pts.set_gid("estimates")
    ax.axvline(null_value, color="0.3", linewidth=0.7, linestyle="--")
    if log_scale:
        ax.set_xscale("log")
    ax.set_xlim(*xlim)
    labels = []
    for r in table.to_dict("records"):
        shown = np.isfinite(pd.to_numeric(r.get("estimate"), errors="coerce"))
        mark = f" {FIRTH_MARK}" if r.get("firth") and not r.get("header") and shown else ""
        labels.append(f"{r['label']}{mark}")
    ax.set_yticks(y, labels)
    for tick, r in zip(ax.get_yticklabels(), table.to_dict("records"), strict=True):
        if r.get("header"):
            tick.set_fontweight("bold")
    ax.set_ylim(-0.7, n - 0.3)
    for side in ("right", "top", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    # the columns sit at fixed distances (in points) right of the axes, sized by their text
    trans = ax.get_yaxis_transform()
    size = plt.rcParams["font.size"] * 0.85  # "small"
    offset = size
    records = table.to_dict("records")
    for col in columns:
        if col not in table and col != "estimate":
            continue
        header = COLUMN_HEADERS.get(col, col)
        cells = [_cell(r, col) for r in records]
        ax.annotate(
            header,
            xy=(1, n - 0.45),
            xycoords=trans,
            xytext=(offset, 0),
            textcoords="offset points",
            fontweight="bold",
            fontsize="small",
            va="bottom",
        )
        for yi, text in zip(y, cells, strict=True):
            t = ax.annotate(
                text,
                xy=(1, yi),
                xycoords=trans,
                xytext=(offset, 0),
                textcoords="offset points",
                va="center",
                fontsize="small",
            )
            if col == "estimate":
                t.set_gid(f"forest-text|{text}")
        width = max([len(header) * 0.62, *(len(c) * 0.58 for c in cells)])
        offset += width * size + size * 1.2
    if favours:
        size = font_points("xtick.labelsize")
        below = -(size * 1.5 + 6)  # points under the axis: just below the tick labels
        blend = ax.get_xaxis_transform()
        for side, text in ((-1, f"← favours {favours[0]}"), (1, f"favours {favours[1]} →")):
            ax.annotate(
                text,
                xy=(null_value * (1.06 if side > 0 else 1 / 1.06), 0),
                xycoords=blend,
                xytext=(0, below),
                textcoords="offset points",
                ha="left" if side > 0 else "right",
                va="top",
                fontsize="small",
                color="0.25",
            ).set_gid(f"favours|{favours[0 if side < 0 else 1]}")
        ax.xaxis.labelpad = size * 1.6 + 4


def plot_forest(
    table: pd.DataFrame,
    *,
    ax=None,
    log_scale: bool = True,
    null_value: float = 1.0,
    favours: tuple[str, str] | None = None,
    columns: Sequence[str] = ("estimate", "events"),
    xlabel: str = "Hazard ratio (95% CI, log scale)",
    color: str = "#0072B2",
):
    """One row per line of ``table`` (``label, estimate, lower, upper`` and the ``columns``).

    ``favours = (treatment, reference)`` labels the side where HR < 1 for an unfavourable event;
    rows with ``event_is_good`` True (a remission) go to a second panel with the labels swapped.
    Returns ``(figure, axes)`` — one axes, or a list of two for the two panels.
    """
    good = table["event_is_good"].fillna(False).astype(bool) if "event_is_good" in table else None
    parts = [table] if good is None or good.all() or not good.any() else [table[~good], table[good]]
    values = pd.to_numeric(
        pd.concat([table[c] for c in ("estimate", "lower", "upper")]), errors="coerce"
    ).to_numpy(float)
    finite = values[np.isfinite(values) & (values > 0)]
    lo, hi = (finite.min(), finite.max()) if len(finite) else (0.5, 2.0)
    lo, hi = min(lo, null_value) / 1.3, max(hi, null_value) * 1.3
    if ax is None:
        heights = [len(p) + 1.5 for p in parts]
        fig, axes = plt.subplots(
            len(parts),
            1,
            figsize=(6.5, 0.3 * sum(heights) + 0.6),
            gridspec_kw={"height_ratios": heights},
            squeeze=False,
        )
        axes = list(axes[:, 0])
    else:
        if len(parts) > 1:
            raise ValueError(
                "a table with favourable and unfavourable events needs two panels: "
                "leave ax=None, or pass one kind of endpoint"
            )
        fig, axes = ax.figure, [ax]
    for k, (axk, part) in enumerate(zip(axes, parts, strict=True)):
        is_good = bool(good is not None and good.loc[part.index].all())
        side = (favours[1], favours[0]) if favours and is_good else favours
        _panel(axk, part, columns, null_value, log_scale, color, side, (lo, hi))
        if log_scale:
            _plain_log_ticks(axk, np.r_[values, null_value])
            axk.set_xlim(lo, hi)
        if len(parts) > 1:
            kind = "favourable events (remission)" if is_good else "unfavourable events"
            axk.set_title(kind.capitalize(), loc="left", fontsize="small", fontweight="bold")
        axk.set_xlabel(xlabel if k == len(parts) - 1 else "")
    if "firth" in table and table["firth"].fillna(False).astype(bool).any():
        note_under_axis(axes[-1], FIRTH_NOTE, points_below=48, color=None)  # below the x label
    return fig, (axes[0] if len(axes) == 1 else axes)
