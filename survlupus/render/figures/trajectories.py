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

from survlupus.render.figures.style import arm_colors

THRESHOLDS = {
    "creatinine_umol_l": [(106.0, "106 µmol/L")],
    "upcr_g_g": [(0.5, "UPCR 0.5 g/g")],
    "platelets_10e9_l": [(100.0, "100×10⁹/L")],
    "hemoglobin_g_dl": [(10.0, "10 g/dL")],
    "neutrophils_10e9_l": [(1.0, "1.0×10⁹/L")],
    "pred_eq_mg_day": [(7.5, "7.5 mg/day")],
    "sledai2k": [(4.0, "SLEDAI-2K 4")],
}

LABELS = {
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
    trial, variable: str, change_from_baseline: bool = False, statistic: str = "mean"
) -> pd.DataFrame:
    """Per arm and nominal visit: ``n``, nominal ``day`` (median of the actual days), the mean
    (t-based 95 % CI) or median (order-statistic 95 % CI)."""
    d = trajectory_data(trial, variable, change_from_baseline)
    d = d[d["visit"].astype(str).ne("UNS")]
    rows = []
    for (arm, visit), g in d.groupby(["arm", "visit"], sort=False):
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
        else:
            est = float(np.median(x))
            k = stats.binom.ppf(0.025, n, 0.5)
            xs = np.sort(x)
            lo = float(xs[int(max(k - 1, 0))]) if n > 1 else np.nan
            hi = float(xs[int(min(n - k, n - 1))]) if n > 1 else np.nan
        rows.append(
            {
                "arm": arm,
                "visit": visit,
                "day": float(np.median(g["day"])),
                "n": n,
                "estimate": est,
                "lower": lo,
                "upper": hi,
                "statistic": statistic,
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values(["arm", "day"], kind="stable").reset_index(drop=True)


def plot_trajectory(
    trial,
    variable: str,
    *,
    kind: str = "spaghetti",
    ax=None,
    change_from_baseline: bool = False,
    statistic: str = "mean",
    thresholds: list | None = None,
    infusions: bool = True,
    time_unit: str = "weeks",
    max_day: int | None = None,
):
    """``kind="spaghetti"`` (one line per subject) or ``"summary"`` (per arm, with CI)."""
    if ax is None:
        fig, ax = plt.subplots()
    fig = ax.figure
    scale = 7.0 if time_unit == "weeks" else 1.0
    colors = arm_colors(trial.subjects["arm"])
    if kind == "spaghetti":
        d = trajectory_data(trial, variable, change_from_baseline)
        if max_day is not None:
            d = d[d["day"] <= max_day]
        seen = set()
        for sid, g in d.groupby("USUBJID", sort=True):
            arm = g["arm"].iloc[0]
            (line,) = ax.plot(
                (g["day"] - 1) / scale,
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
    elif kind == "summary":
        s = trajectory_summary(trial, variable, change_from_baseline, statistic)
        if max_day is not None:
            s = s[s["day"] <= max_day]
        for arm, g in s.groupby("arm", sort=True):
            x = (g["day"] - 1) / scale
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
    else:
        raise ValueError("kind must be 'spaghetti' or 'summary'")
    if not change_from_baseline:
        for value, label in thresholds if thresholds is not None else THRESHOLDS.get(variable, []):
            ax.axhline(value, color="0.4", linestyle="--", linewidth=0.7)
            ax.text(
                1.0,
                value,
                f" {label}",
                transform=ax.get_yaxis_transform(),
                va="center",
                fontsize="x-small",
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
            ax.axvline((day - 1) / scale, color="0.6", linewidth=0.6, linestyle=":")
            ax.text(
                (day - 1) / scale,
                1.0,
                "▼",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize="x-small",
                color="0.4",
            )
    label = LABELS.get(variable, variable)
    ax.set_ylabel(("Change in " + label[0].lower() + label[1:]) if change_from_baseline else label)
    ax.set_xlabel(
        "Weeks since first infusion" if time_unit == "weeks" else "Days since first infusion"
    )
    ax.legend(fontsize="small")
    return fig, ax
