"""Which subjects a per-subject figure draws when there are too many to see: a systematic sample
(every k-th subject of each group in ID order, the same k for every group, so each group keeps its
share), fixed by the data (no random draw). The figure says what it shows.

>>> lanes = pd.DataFrame({"USUBJID": [f"S{i:03d}" for i in range(10)], "group": ["A"] * 10})
>>> sample_lanes(lanes, 4)["USUBJID"].tolist()
['S000', 'S003', 'S006', 'S009']
"""

from __future__ import annotations

import pandas as pd


def sample_lanes(lanes: pd.DataFrame, max_lanes: int) -> pd.DataFrame:
    """Every k-th subject of each group in ID order (k = ceil(N / max_lanes)), all when N fits.
    ``lanes`` has one row per subject with ``USUBJID`` and ``group``."""
    if len(lanes) <= max_lanes:
        return lanes
    k = -(-len(lanes) // max_lanes)
    ordered = lanes.sort_values(["group", "USUBJID"], kind="stable")
    keep = ordered.groupby("group", sort=False).cumcount() % k == 0
    return ordered[keep.to_numpy()]


def sample_note(shown: int, total: int, max_lanes: int, group_word: str) -> str:
    """The sentence under a sampled figure."""
    k = -(-total // max_lanes)
    return (
        f"{shown} of {total} subjects shown: every {k}th subject of each {group_word}, in ID order"
    )


def note_under_axis(ax, text: str, points_below: float = 30, color: str | None = "0.3") -> None:
    """Small text ``points_below`` points under ``ax`` (grey by default): what a sampled figure
    shows and how it is drawn, or how an estimate was made."""
    ax.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -points_below),
        textcoords="offset points",
        fontsize="small",
        color=color,
        va="top",
    )
