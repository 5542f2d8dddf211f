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

from survlupus.derive.tte.scope import UNLIMITED_WINDOW_DAYS, observation
from survlupus.render.figures.style import arm_colors

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
):
    """Lanes ordered by follow-up (longest on top) or by ``"first event"``."""
    obs = observation(trial, UNLIMITED_WINDOW_DAYS).set_index("subject_id")
    events = swimmer_events(trial, episodes, adtte)
    lanes = pd.DataFrame(
        {"USUBJID": obs.index, "days": (obs["last_contact"] - obs["start_date"]).dt.days + 1}
    )
    lanes["group"] = (
        trial.subjects.set_index("subject_id").loc[lanes["USUBJID"], color_by].fillna("").to_numpy()
    )
    if order == "first event":
        flares = events[~events["kind"].isin(["infusion", "censored", "withdrawal"])]
        first = flares.groupby("USUBJID")["day"].min()
        lanes["key"] = lanes["USUBJID"].map(first).fillna(np.inf)
        lanes = lanes.sort_values(["key", "USUBJID"], ascending=[False, True])
    else:
        lanes = lanes.sort_values(["days", "USUBJID"], ascending=[True, False])
    lanes["y"] = np.arange(len(lanes))
    if max_day is not None:
        lanes["days"] = lanes["days"].clip(upper=max_day)
        events = events[events["day"] <= max_day]
    scale = 7.0 if time_unit == "weeks" else 1.0
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 0.22 * len(lanes) + 1.2))
    fig = ax.figure
    colors = arm_colors(lanes["group"])
    for g, sub in lanes.groupby("group", sort=True):
        bars = ax.barh(
            sub["y"],
            (sub["days"] - 1) / scale,
            left=0,
            height=0.55,
            color=colors[str(g)],
            alpha=0.35,
            label=str(g) or "no subgroup",
        )
        for patch in bars.patches:
            patch.set_gid(f"lane|{g}")
    ypos = events["USUBJID"].map(lanes.set_index("USUBJID")["y"])
    for kind, (marker, color, filled) in MARKERS.items():
        sel = events["kind"] == kind
        if not sel.any():
            continue
        style = (
            {"color": color}
            if marker in ("|", "_", "+", "x")
            else {"edgecolors": color, "facecolors": color if filled else "none"}
        )
        pts = ax.scatter(
            (events.loc[sel, "day"] - 1) / scale,
            ypos[sel],
            marker=marker,
            s=28,
            zorder=3,
            label=kind,
            linewidths=0.9,
            **style,
        )
        pts.set_gid(f"marker|{kind}")
    ax.set_yticks(lanes["y"], lanes["USUBJID"])
    ax.set_xlabel(
        "Weeks since first infusion" if time_unit == "weeks" else "Days since first infusion"
    )
    ax.set_xlim(left=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return fig, ax
