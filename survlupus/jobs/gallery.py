"""The gallery: every figure type drawn from the bundled synthetic trials.

    survlupus gallery --out docs/gallery      # PNG (and SVG) of each figure, plus index.md

The same figures are the image-regression baselines of the test suite.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from survlupus.render.figures.save import save_figure  # noqa: E402
from survlupus.render.figures.style import figure_style, width_inches  # noqa: E402

SYNTHETIC = Path(__file__).resolve().parents[2] / "data" / "synthetic"


def _data(name: str, window: int):
    import survlupus

    trial = survlupus.read_trial(SYNTHETIC / name)
    return (
        trial,
        survlupus.derive_adtte(trial, window_days=window),
        survlupus.derive_episodes(trial, window_days=window),
    )


def figures() -> dict[str, tuple[str, Callable]]:
    """name -> (caption, function returning a Figure)."""
    import survlupus
    from survlupus.analyse.forest import forest_table
    from survlupus.render.figures.forest import plot_forest
    from survlupus.render.figures.km import km_annotation, plot_cif, plot_km
    from survlupus.render.figures.swimmer import plot_swimmer
    from survlupus.render.figures.trajectories import plot_trajectory

    def km_musc():
        _, a, _ = _data("musc", 379)
        km = survlupus.kaplan_meier(a, "TTSFLR", by="ARM")
        ann = km_annotation(survlupus.logrank(a, "TTSFLR", "ARM"))
        fig, _ = plot_km(
            km,
            risk_rows=("n_risk", "cum_events", "cum_censored"),
            annotation=ann,
            title="Time to first severe flare (modified SFI)",
        )
        fig.set_size_inches(width_inches("double"), 4.2)
        return fig

    def km_remission():
        _, a, _ = _data("nanjing", 745)
        km = survlupus.kaplan_meier(a, "TTCR", by="ARM")
        fig, _ = plot_km(km, cumulative=True, title="Complete renal remission (1 - KM)")
        fig.set_size_inches(width_inches("single"), 3.0)
        return fig

    def cif_musc():
        _, a, _ = _data("musc", 379)
        cif = survlupus.cumulative_incidence(a, "TTRESC", competing="TTDTH", by="ARM")
        fig, _ = plot_cif(cif, title="Rescue therapy, death competing")
        fig.set_size_inches(width_inches("double"), 3.8)
        return fig

    def forest_musc():
        _, a, _ = _data("musc", 379)
        tab = forest_table(a, ["TTSFLR", "TTRESC", "TTDTH"], by="ARM", reference="Placebo")
        fig, _ = plot_forest(tab, favours=("MSC", "placebo"), columns=("estimate", "events"))
        fig.set_size_inches(width_inches("double"), 2.4)
        return fig

    def swimmer_cs():
        t, a, e = _data("cs20at04", 183)
        fig, _ = plot_swimmer(t, e, a, color_by="subgroup", max_day=183)
        fig.set_size_inches(width_inches("double"), 3.0)
        return fig

    def traj_creatinine():
        t, _, _ = _data("cs20at04", 183)
        fig, _ = plot_trajectory(t, "creatinine_umol_l", kind="spaghetti", max_day=190)
        fig.set_size_inches(width_inches("single"), 2.6)
        return fig

    def traj_steroid():
        t, _, _ = _data("musc", 379)
        fig, _ = plot_trajectory(t, "pred_eq_mg_day", kind="summary")
        fig.set_size_inches(width_inches("single"), 2.6)
        return fig

    return {
        "km_musc_ttsflr": ("Kaplan-Meier by arm with KMunicate risk table (musc)", km_musc),
        "km_nanjing_ttcr": (
            "Cumulative incidence of complete remission as 1 - KM (nanjing)",
            km_remission,
        ),
        "cif_musc_ttresc": (
            "Aalen-Johansen cumulative incidence with its risk table (musc)",
            cif_musc,
        ),
        "forest_musc": (
            "Forest plot of hazard ratios vs placebo across endpoints (musc)",
            forest_musc,
        ),
        "swimmer_cs20at04": ("Swimmer plot of every subject's course (cs20at04)", swimmer_cs),
        "trajectory_creatinine": (
            "Creatinine per subject with the 106 µmol/L threshold (cs20at04)",
            traj_creatinine,
        ),
        "trajectory_steroid": (
            "Prednisone-equivalent dose, mean (95% CI) per arm (musc)",
            traj_steroid,
        ),
    }


def make_gallery(out: str | Path, formats=("png",), dpi: int = 150) -> list[Path]:
    out = Path(out)
    written = []
    lines = [
        "# Gallery",
        "",
        "Every figure type, drawn from the bundled synthetic trials by "
        "`survlupus gallery --out docs/gallery` (publication style).",
        "",
    ]
    for name, (caption, make) in figures().items():
        with figure_style("publication"):
            fig = make()
            written += save_figure(fig, out / name, formats=formats, dpi=dpi)
            plt.close(fig)
        lines += [f"## {caption}", "", f"![{caption}]({name}.png)", ""]
    (out / "index.md").write_text("\n".join(lines), encoding="utf-8")
    return written
