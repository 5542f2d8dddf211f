"""The adverse-event dot plot: the incidence of each preferred term per arm (left) and, in a
controlled trial, its risk difference from the reference arm with a 95 % CI (right), terms by
descending total incidence — drawn from the ``ae_by_term`` table and the differences given.

>>> fig, axes = plot_ae_dots(terms, differences)                 # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import pandas as pd

from survlupus.render.figures.style import arm_colors


def plot_ae_dots(
    terms: pd.DataFrame,
    differences: pd.DataFrame | None = None,
    *,
    top: int = 20,
    colors: Mapping | None = None,
):
    """``terms``: ``term, arm, pct`` rows (``Total`` and system-organ-class rows are left out);
    ``differences``: ``term, arm, estimate, lower, upper`` in percentage points (optional)."""
    t = terms[(terms["term"] != "") & (terms["arm"] != "Total")]
    order = t.groupby("term")["pct"].mean().sort_values(ascending=True, kind="stable").index[-top:]
    y = {term: i for i, term in enumerate(order)}
    arms = list(dict.fromkeys(t["arm"]))
    colors = colors or arm_colors(arms)
    two = differences is not None and len(differences)
    fig, axes = plt.subplots(
        1,
        2 if two else 1,
        sharey=True,
        squeeze=False,
        figsize=(7.2, 0.22 * len(order) + 1.2),
        gridspec_kw={"width_ratios": [1, 1] if two else [1]},
    )
    ax = axes[0, 0]
    for arm in arms:
        part = t[(t["arm"] == arm) & t["term"].isin(order)]
        ax.scatter(
            part["pct"],
            part["term"].map(y),
            s=18,
            color=colors.get(arm, "0.3"),
            edgecolor="white",
            linewidth=0.5,
            label=arm,
            zorder=3,
        ).set_gid(f"ae-dots|{arm}")
    ax.set_yticks(range(len(order)), list(order))
    ax.set_xlabel("Subjects with the event (%)")
    ax.grid(axis="y", color="0.9", lw=0.5)
    if len(arms) > 1:
        ax.legend(frameon=False, fontsize="small", loc="lower right")
    if two:
        d = differences[differences["term"].isin(order)]
        bx = axes[0, 1]
        for i, arm in enumerate(dict.fromkeys(d["arm"])):
            part = d[d["arm"] == arm]
            off = (i - 0.5) * 0.2
            py = part["term"].map(y).to_numpy(float) + off
            est = part["estimate"].to_numpy(float)
            bars = bx.errorbar(
                est,
                py,
                xerr=[est - part["lower"], part["upper"] - est],
                fmt="o",
                ms=3,
                color=colors.get(arm, "0.3"),
                lw=0.8,
                label=f"{arm}",
            )
            bars.lines[0].set_gid(f"ae-diff|{arm}")
        bx.axvline(0, color="0.4", lw=0.7, ls="--")
        bx.set_xlabel(f"Risk difference vs {d.attrs.get('reference', 'reference')} (95% CI, %)")
    for a in axes.flat:
        a.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig, axes
