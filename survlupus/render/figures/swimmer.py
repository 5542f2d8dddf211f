"""Swimmer plot: one lane per subject over study time, with every event of the subject's course.

Drawn from tidy tables, so that what a clinician sees is what was derived:

* the lane runs from day 1 to the last contact (``observation()``), coloured by arm or subgroup;
* ``swimmer_events(trial, episodes, adtte)`` lists the markers: infusions, every flare episode
  (by type; severe filled, mild/moderate open), complete renal remission (TTCR events), rescue
  therapy, dialysis, serious adverse events, death, and the end of the lane (withdrawal or
  censoring).

>>> fig, ax = plot_swimmer(trial, derive_episodes(trial), derive_adtte(trial))   # doctest: +SKIP
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from survlupus.derive.tte.scope import UNLIMITED_WINDOW_DAYS, observation
from survlupus.render.figures.sampling import note_under_axis, sample_lanes, sample_note
from survlupus.render.figures.style import arm_colors
from survlupus.render.figures.timeaxis import (
    axis_label,
    check_unit,
    nice_ticks,
    tick_labels,
    to_x,
)

MARKERS = {
    "infusion": ("^", "0.25", True),
    "severe flare": ("o", "#D55E00", True),
    "renal flare": ("D", "#CC79A7", True),
    "haematologic flare": ("s", "#E69F00", True),
    "extrarenal flare": ("h", "#D55E00", False),
    "mild/moderate flare": ("o", "#D55E00", False),
    "complete remission": ("*", "#009E73", True),
    "rescue therapy": ("P", "#000000", True),
    "dialysis": ("X", "#56B4E9", True),
    "death": ("X", "#000000", True),
    "serious adverse event": ("v", "#E69F00", True),
    "withdrawal": ("|", "#000000", True),
    "censored": (">", "0.5", False),
}


def swimmer_events(
    trial, episodes: pd.DataFrame | None = None, adtte: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every marker of the swimmer plot: ``USUBJID, kind, day`` (study day, day 1 = start)."""
    start = trial.subjects.set_index("subject_id")["start_date"]
    rows = []

    def add(ids, kinds, dates):
        for sid, kind, date in zip(ids, kinds, dates, strict=True):
            rows.append({"USUBJID": sid, "kind": kind, "day": int((date - start[sid]).days) + 1})

    inf = trial.infusions
    add(inf["subject_id"], ["infusion"] * len(inf), inf["infusion_date"])
    if episodes is not None and len(episodes):
        add(episodes["USUBJID"], episodes["TYPE"], episodes["ONSETDT"])
    if adtte is not None and len(adtte):
        cr = adtte[(adtte["PARAMCD"] == "TTCR") & (adtte["CNSR"] == 0)]
        add(cr["USUBJID"], ["complete remission"] * len(cr), cr["ADT"])
    ev = trial.events
    for name, kind in (
        ("rescue_therapy", "rescue therapy"),
        ("dialysis", "dialysis"),
        ("death", "death"),
    ):
        sel = ev[ev["event"] == name]
        add(sel["subject_id"], [kind] * len(sel), sel["start_date"])
    ae = trial.adverse_events
    sae = ae[ae["serious"].fillna(False).astype(bool)]
    add(sae["subject_id"], ["serious adverse event"] * len(sae), sae["start_date"])
    obs = observation(trial, UNLIMITED_WINDOW_DAYS)
    ends = obs[obs["status"] != "died"]
    add(
        ends["subject_id"],
        np.where(ends["status"] == "withdrew", "withdrawal", "censored"),
        ends["last_contact"],
    )
    out = pd.DataFrame(rows, columns=["USUBJID", "kind", "day"])
    return out.sort_values(["USUBJID", "day", "kind"], kind="stable").reset_index(drop=True)


MAX_LANES = 200
"""Above this many subjects the swimmer plot shows a systematic sample (the figure says so)."""


def plot_swimmer(
    trial,
    episodes: pd.DataFrame | None = None,
    adtte: pd.DataFrame | None = None,
    *,
    ax=None,
    color_by: str = "arm",
    order: str = "follow-up",
    max_day: int | None = None,
    time_unit: str = "weeks",
    max_lanes: int = MAX_LANES,
):
    """Lanes grouped by ``color_by`` (arm or subgroup), within a group ordered by follow-up
    (longest on top) or by ``"first event"``.

    The axis runs to the last marker or ``max_day`` (e.g. the plan's window), whichever is
    later; lanes that go on beyond it end in an arrow with their total follow-up written at the
    end. The legend has two titled blocks: the groups (lane colours) and the events (markers,
    outlined in white so they show on any lane colour).

    Above ``max_lanes`` subjects (default 200) the figure shows a systematic sample: every k-th
    subject of each group in ID order, k the same for every group, so each group keeps its share;
    the figure says so under the axis. The sample is fixed by the data (no random draw).
    """
    unit = check_unit(time_unit)
    obs = observation(trial, UNLIMITED_WINDOW_DAYS).set_index("subject_id")
    events = swimmer_events(trial, episodes, adtte)
    lanes = pd.DataFrame(
        {"USUBJID": obs.index, "days": (obs["last_contact"] - obs["start_date"]).dt.days + 1}
    )
    lanes["group"] = (
        trial.subjects.set_index("subject_id").loc[lanes["USUBJID"], color_by].fillna("").to_numpy()
    )
    lanes["group"] = lanes["group"].replace("", "no subgroup" if color_by == "subgroup" else "")
    groups = sorted(lanes["group"].unique(), key=str)
    total = len(lanes)
    lanes = sample_lanes(lanes, max_lanes)
    events = events[events["USUBJID"].isin(lanes["USUBJID"])]
    if order == "first event":
        flares = events[~events["kind"].isin(["infusion", "censored", "withdrawal"])]
        first = flares.groupby("USUBJID")["day"].min()
        lanes["key"] = -lanes["USUBJID"].map(first).fillna(np.inf)
    else:
        lanes["key"] = lanes["days"]
    # bottom to top: groups in reverse order (the first group on top), within a group the
    # longest follow-up (or the earliest event) on top
    lanes["rank"] = lanes["group"].map({g: i for i, g in enumerate(groups)})
    lanes = lanes.sort_values(["rank", "key", "USUBJID"], ascending=[False, True, False])
    lanes["y"] = (
        np.arange(len(lanes))
        + lanes["rank"].map({r: (len(groups) - 1 - r) * 0.8 for r in range(len(groups))}).to_numpy()
    )  # a gap between the groups
    marked = events[~events["kind"].isin(["censored", "withdrawal"])]
    last_marker = float(marked["day"].max()) if len(marked) else 1.0
    limit = max(last_marker, float(max_day or 0)) if max_day or len(marked) else None
    if limit is None or limit >= lanes["days"].max():
        limit = float(lanes["days"].max())
    beyond = lanes["days"] > limit
    shown = lanes["days"].clip(upper=limit)
    events = events[events["day"] <= limit]
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 0.16 * len(lanes) + 1.4))
    fig = ax.figure
    colors = arm_colors(groups)
    for g in groups:
        sel = (lanes["group"] == g).to_numpy()
        bars = ax.barh(
            lanes["y"][sel],
            to_x(shown[sel], unit),
            left=0,
            height=0.6,
            color=colors[str(g)],
            alpha=0.45,
            linewidth=0,
        )
        for patch in bars.patches:
            patch.set_gid(f"lane|{g}")
    for y, days, x in zip(
        lanes["y"][beyond], lanes["days"][beyond], to_x(shown[beyond], unit), strict=True
    ):
        ax.annotate(
            f"{to_x(days, unit):.0f}",
            xy=(x, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
            color="0.3",
        ).set_gid("continues")
        ax.plot([x], [y], marker=">", color="0.3", markersize=3, linestyle="none")
    ypos = events["USUBJID"].map(lanes.set_index("USUBJID")["y"])
    handles = []
    for kind, (marker, color, filled) in MARKERS.items():
        sel = events["kind"] == kind
        if not sel.any():
            continue
        line_marker = marker in ("|", "_", "+", "x")
        style = (
            {"color": color}
            if line_marker
            else {
                "edgecolors": color if not filled else "white",
                "facecolors": color if filled else "white",
            }
        )
        pts = ax.scatter(
            to_x(events.loc[sel, "day"], unit),
            ypos[sel],
            marker=marker,
            s=55 if marker == "*" else 30,
            zorder=3,
            label=kind,
            linewidths=0.6 if filled else 1.0,
            **style,
        )
        pts.set_gid(f"marker|{kind}")
        handles.append(pts)
    ax.set_yticks(lanes["y"], lanes["USUBJID"])
    ax.tick_params(axis="y", labelsize="small", length=0)
    ax.set_xlabel(axis_label(unit))
    ticks = nice_ticks(limit, unit, [max_day] if max_day else [])
    ax.set_xticks(ticks, tick_labels(ticks))
    ax.set_xlim(
        0,
        float(to_x(limit, unit)) * 1.04 + (0.06 * float(to_x(limit, unit)) if beyond.any() else 0),
    )
    ax.set_ylim(-0.8, float(lanes["y"].max()) + 0.8)
    # one legend in two titled blocks: the lane colours, then the event markers
    heading = "Arm" if color_by == "arm" else "Subgroup"
    blank = Patch(visible=False)
    entries = [(blank, heading)]
    entries += [(Patch(facecolor=colors[str(g)], alpha=0.45), str(g)) for g in groups]
    if handles:
        entries += [(blank, ""), (blank, "Events")]
        entries += [(h, h.get_label()) for h in handles]
    legend = ax.legend(
        [h for h, _ in entries],
        [label for _, label in entries],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        handletextpad=0.5,
    )
    for text, (_, label) in zip(legend.get_texts(), entries, strict=True):
        if label in (heading, "Events"):
            text.set_fontweight("bold")
    legend.set_gid("legend")
    notes = []
    if len(lanes) < total:
        notes.append(sample_note(len(lanes), total, max_lanes, heading.lower()))
    if beyond.any():
        notes.append(f"> follow-up continues beyond the axis (total {unit} written at the end)")
    if notes:
        note_under_axis(ax, "\n".join(notes))
    return fig, ax
