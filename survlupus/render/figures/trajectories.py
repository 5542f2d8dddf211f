"""Trajectories of a lab value or score over study time: per subject (spaghetti) and per arm
(mean or median with 95 % CI at nominal visits), raw or as change from baseline, with threshold
lines and infusion markers.

Summaries use the nominal visit label of each row (``visit``); the per-visit table is
``trajectory_summary()`` so the figure's points can be exported and checked.

>>> fig, ax = plot_trajectory(trial, "creatinine_umol_l", kind="spaghetti")   # doctest: +SKIP
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from survlupus.derive.bds import PARAMETERS
from survlupus.render.figures.sampling import note_under_axis, sample_lanes, sample_note
from survlupus.render.figures.style import arm_colors
from survlupus.render.figures.timeaxis import axis_label, check_unit, nice_ticks, tick_labels, to_x

THRESHOLDS = {
    "creatinine_umol_l": [(106.0, "106 µmol/L")],
    "upcr_g_g": [(0.5, "UPCR 0.5 g/g")],
    "platelets_10e9_l": [(100.0, "100×10⁹/L")],
    "hemoglobin_g_dl": [(10.0, "10 g/dL")],
    "neutrophils_10e9_l": [(1.0, "1.0×10⁹/L")],
    "pred_eq_mg_day": [(7.5, "7.5 mg/day")],
    "sledai2k": [(4.0, "SLEDAI-2K 4")],
}

SKEWED = frozenset(
    {
        "upcr_g_g",
        "proteinuria_g_24h",
        "anti_dsdna_iu_ml",
        "ana_titer",
        "urine_rbc_hpf",
        "urine_wbc_hpf",
        "pred_eq_mg_day",
    }
)
"""Visit measures summarised by median and IQR by default (``statistic="auto"``): right-skewed
laboratory values and doses, whose mean a few subjects decide."""

LABELS = {
    **{var: param for var, (_, param) in PARAMETERS.items()},
    "creatinine_umol_l": "Creatinine (µmol/L)",
    "upcr_g_g": "UPCR (g/g)",
    "platelets_10e9_l": "Platelets (×10⁹/L)",
    "hemoglobin_g_dl": "Haemoglobin (g/dL)",
    "neutrophils_10e9_l": "Neutrophils (×10⁹/L)",
    "wbc_10e9_l": "White cells (×10⁹/L)",
    "sledai2k": "SLEDAI-2K",
    "pga": "PGA",
    "pred_eq_mg_day": "Prednisone eq. (mg/day)",
}


MAX_LINES = 300
"""Above this many subjects a spaghetti plot draws a systematic sample of them (it says so)."""


def _subgroups(trial) -> pd.Series:
    s = trial.subjects.set_index("subject_id")
    if "subgroup" not in s:
        return pd.Series("", index=s.index)
    return s["subgroup"].fillna("").astype(str)


def trajectory_data(trial, variable: str, change_from_baseline: bool = False) -> pd.DataFrame:
    """``USUBJID, arm, visit, day, value`` per visit row (``pred_eq_mg_day`` = the steroid dose
    in effect on the visit date)."""
    from survlupus.clinical.steroids import dose_on

    v = trial.visits
    start = v["subject_id"].map(trial.subjects.set_index("subject_id")["start_date"])
    if variable == "pred_eq_mg_day":
        values = dose_on(trial.steroid_steps, v["subject_id"], v["visit_date"])
    else:
        if variable not in v:
            raise KeyError(f"visits has no column {variable!r}")
        values = v[variable].astype("Float64").astype(float)
    d = pd.DataFrame(
        {
            "USUBJID": v["subject_id"].to_numpy(),
            "arm": v["subject_id"].map(trial.subjects.set_index("subject_id")["arm"]),
            "subgroup": v["subject_id"].map(_subgroups(trial)),
            "visit": v["visit"].to_numpy() if "visit" in v else "",
            "day": ((v["visit_date"] - start).dt.days + 1).to_numpy(),
            "value": values.to_numpy(float),
        }
    )
    if change_from_baseline:
        pre = d[(d["day"] <= 1) & d["value"].notna()]
        base = pre.groupby("USUBJID")["value"].last()
        d["value"] = d["value"] - d["USUBJID"].map(base)
    return d.dropna(subset=["value"]).reset_index(drop=True)


def trajectory_summary(
    trial,
    variable: str,
    change_from_baseline: bool = False,
    statistic: str = "auto",
    by_subgroup: bool = False,
) -> pd.DataFrame:
    """Per arm (and subgroup) and nominal visit: ``n``, nominal ``day`` (median of the actual
    days), and the ``statistic``: ``"mean"`` (t-based 95 % CI), ``"median"`` (order-statistic
    95 % CI) or ``"median_iqr"`` (lower and upper = the quartiles); ``"auto"`` is
    ``median_iqr`` for the skewed measures of :data:`SKEWED`, else ``mean``."""
    if statistic == "auto":
        statistic = "median_iqr" if variable in SKEWED else "mean"
    if statistic not in ("mean", "median", "median_iqr"):
        raise ValueError("statistic must be 'auto', 'mean', 'median' or 'median_iqr'")
    d = trajectory_data(trial, variable, change_from_baseline)
    d = d[d["visit"].astype(str).ne("UNS")]
    keys = ["subgroup", "arm", "visit"] if by_subgroup else ["arm", "visit"]
    rows = []
    for key, g in d.groupby(keys, sort=False):
        x = g["value"].to_numpy()
        n = len(x)
        if statistic == "mean":
            est = float(np.mean(x))
            half = (
                float(stats.t.ppf(0.975, n - 1) * np.std(x, ddof=1) / np.sqrt(n))
                if n > 1
                else np.nan
            )
            lo, hi = est - half, est + half
        elif statistic == "median":
            est = float(np.median(x))
            k = stats.binom.ppf(0.025, n, 0.5)
            xs = np.sort(x)
            lo = float(xs[int(max(k - 1, 0))]) if n > 1 else np.nan
            hi = float(xs[int(min(n - k, n - 1))]) if n > 1 else np.nan
        else:
            est = float(np.median(x))
            lo, hi = (float(q) for q in np.percentile(x, [25, 75]))
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "day": float(np.median(g["day"])),
                "n": n,
                "estimate": est,
                "lower": lo,
                "upper": hi,
                "statistic": statistic,
            }
        )
    out = pd.DataFrame(rows)
    order = [k for k in ("subgroup", "arm") if k in keys] + ["day"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)


def plot_trajectory(
    trial,
    variable: str,
    *,
    kind: str = "spaghetti",
    ax=None,
    change_from_baseline: bool = False,
    statistic: str = "auto",
    thresholds: list | None = None,
    infusions: bool = True,
    time_unit: str = "weeks",
    max_day: int | None = None,
    by_subgroup: bool | None = None,
    schedule: list | None = None,
    max_lines: int = MAX_LINES,
):
    """``kind="spaghetti"`` (one line per subject) or ``"summary"`` (per arm: mean with 95 % CI,
    or median with IQR for skewed measures; arms dodged, N per arm under each visit).

    ``by_subgroup`` (default: when the trial has two or more subgroups) draws one panel per
    subgroup, so nephritis and cytopenia are not pooled; ``schedule`` (the plan's visits, with
    ``label`` and ``day``) labels the axis with the visits. Above ``max_lines`` subjects
    (default 300) a spaghetti plot draws a systematic sample: every k-th subject of each arm in
    ID order (:mod:`~survlupus.render.figures.sampling`), said under the axis; summaries use
    every subject. Returns ``(figure, axes)`` — one axes, or a list of them with panels.
    """
    unit = check_unit(time_unit)
    if kind not in ("spaghetti", "summary"):
        raise ValueError("kind must be 'spaghetti' or 'summary'")
    subgroup_of = _subgroups(trial)
    groups = sorted({g for g in subgroup_of if g})
    if by_subgroup is None:
        by_subgroup = len(groups) >= 2
    if by_subgroup and (subgroup_of == "").any():
        groups.append("")  # subjects of neither subgroup get their own panel: none is dropped
    panels = groups if by_subgroup and groups else [None]
    if ax is None:
        fig, axes = plt.subplots(1, len(panels), sharex=True, squeeze=False)
        axes = list(axes[0])
    else:
        if len(panels) > 1:
            raise ValueError("one panel per subgroup needs its own figure: leave ax=None")
        fig, axes = ax.figure, [ax]
    colors = arm_colors(trial.subjects["arm"])
    data = (
        trajectory_data(trial, variable, change_from_baseline)
        if kind == "spaghetti"
        else trajectory_summary(trial, variable, change_from_baseline, statistic, by_subgroup)
    )
    if max_day is not None:
        data = data[data["day"] <= max_day]
    note = ""
    if kind == "spaghetti":
        lanes = data[["USUBJID", "arm"]].drop_duplicates("USUBJID")
        kept = sample_lanes(lanes.rename(columns={"arm": "group"}), max_lines)
        if len(kept) < len(lanes):
            note = sample_note(len(kept), len(lanes), max_lines, "arm")
            data = data[data["USUBJID"].isin(kept["USUBJID"])]
    max_x = float(to_x(data["day"].max(), unit)) if len(data) else 1.0
    if schedule:
        visits = [
            (w.label, float(to_x(w.day, unit)))
            for w in schedule
            if to_x(w.day, unit) <= max_x * 1.05
        ]
        kept = [("D1", 0.0)]
        for lab, x in visits:  # a label at least 6 % of the axis from the one before
            if x - kept[-1][1] >= 0.06 * max_x:
                kept.append((lab, x))
        kept = kept[:: max(1, -(-len(kept) // 10))]  # and at most 10 of them
        ticks, labels = [x for _, x in kept], [lab for lab, _ in kept]
    else:
        ticks = nice_ticks(_last_day(data), unit)
        labels = tick_labels(ticks)
    for panel_ax, group in zip(axes, panels, strict=True):
        part = data if group is None else data[data["subgroup"] == group]
        if kind == "spaghetti":
            _spaghetti(panel_ax, part, colors, unit)
        else:
            _summary(panel_ax, part, colors, unit, ticks)
        _decorate(panel_ax, trial, variable, change_from_baseline, thresholds, infusions, unit)
        if group is not None:
            panel_ax.set_title(
                group.capitalize() or "Neither subgroup",
                loc="left",
                fontsize="small",
                fontweight="bold",
                pad=9,
            )
        panel_ax.set_xticks(ticks, labels)
    label = LABELS.get(variable, variable)
    label = ("Change in " + label[0].lower() + label[1:]) if change_from_baseline else label
    if kind == "summary" and len(data):
        what = data["statistic"].iloc[0]
        label += {
            "mean": ", mean (95% CI)",
            "median": ", median (95% CI)",
            "median_iqr": ", median (IQR)",
        }[what]
    axes[0].set_ylabel(label)
    for a in axes:
        a.set_xlabel(axis_label(unit) if not schedule else "Visit")
    if note:
        note_under_axis(axes[0], note)
    handles = [h for h, _ in zip(*axes[0].get_legend_handles_labels(), strict=True)]
    if handles:
        axes[-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return fig, (axes[0] if len(axes) == 1 else axes)


def _last_day(data: pd.DataFrame) -> float:
    return float(data["day"].max()) if len(data) else 1.0


def _spaghetti(ax, d: pd.DataFrame, colors: dict, unit: str) -> None:
    seen = set()
    for sid, g in d.groupby("USUBJID", sort=True):
        arm = g["arm"].iloc[0]
        (line,) = ax.plot(
            to_x(g["day"], unit),
            g["value"],
            color=colors[str(arm)],
            linewidth=0.7,
            alpha=0.8,
            marker=".",
            markersize=2,
            label=None if arm in seen else str(arm),
        )
        line.set_gid(f"subject|{sid}")
        seen.add(arm)


def _summary(ax, s: pd.DataFrame, colors: dict, unit: str, ticks) -> None:
    """Mean/median per arm, the arms dodged; N per arm under the labelled visits."""
    arms = sorted(s["arm"].unique(), key=str)
    span = float(to_x(s["day"].max(), unit)) if len(s) else 1.0
    width = span * 0.012  # the dodge between arms, in axis units
    tick_x = np.asarray(ticks, float)
    for k, arm in enumerate(arms):
        g = s[s["arm"] == arm]
        x = to_x(g["day"], unit) + (k - (len(arms) - 1) / 2) * width
        cont = ax.errorbar(
            x,
            g["estimate"],
            yerr=[g["estimate"] - g["lower"], g["upper"] - g["estimate"]],
            color=colors[str(arm)],
            marker="o",
            markersize=3,
            capsize=2,
            linewidth=1.0,
            label=str(arm),
        )
        cont.lines[0].set_gid(f"summary|{arm}")
        # N per arm under each visit, one row per arm, in the arm's colour
        for xi, n in zip(to_x(g["day"], unit), g["n"], strict=True):
            if not len(tick_x) or np.min(np.abs(tick_x - xi)) > span * 0.01:
                continue  # N only under the labelled visits
            ax.annotate(
                str(int(n)),
                xy=(xi, 0),
                xycoords=ax.get_xaxis_transform(),
                xytext=(0, -24 - 7 * k),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize="small",
                color=colors[str(arm)],
            ).set_gid(f"n|{arm}|{n}")
    ax.annotate(
        "N",
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(-14, -24),
        textcoords="offset points",
        fontsize="small",
        va="top",
        color="0.3",
    )
    ax.xaxis.labelpad = 10 + 7 * len(arms)


def _decorate(ax, trial, variable, change_from_baseline, thresholds, infusions, unit) -> None:
    if not change_from_baseline:
        for value, label in thresholds if thresholds is not None else THRESHOLDS.get(variable, []):
            ax.axhline(value, color="0.4", linestyle="--", linewidth=0.7)
            ax.text(  # inside the panel, at its right end: panels sit side by side
                0.99,
                value,
                label,
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="bottom",
                fontsize="small",
                color="0.3",
            )
    else:
        ax.axhline(0, color="0.4", linewidth=0.7)
    if infusions and len(trial.infusions):
        start = trial.subjects.set_index("subject_id")["start_date"]
        days = (
            trial.infusions["infusion_date"] - trial.infusions["subject_id"].map(start)
        ).dt.days + 1
        for day in sorted(days.mode()):  # the protocol's infusion days
            x = float(to_x(day, unit))
            ax.axvline(x, color="0.6", linewidth=0.6, linestyle=":")
            ax.text(
                x,
                1.0,
                "▼",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize="small",
                color="0.4",
            ).set_gid("infusion")
