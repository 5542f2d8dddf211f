"""The gallery: every figure type drawn from the bundled synthetic trials.

    survlupus gallery --out docs/gallery      # PNG (and SVG) of each figure, plus index.md

The same figures are the image-regression baselines of the test suite.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import matplotlib.pyplot as plt

from survlupus.render.figures.save import save_figure
from survlupus.render.figures.style import figure_style

SYNTHETIC = Path(__file__).resolve().parents[2] / "data" / "synthetic"

GALLERY: dict[str, tuple[str, str, str, str | None]] = {
    # name: (caption, design, figure kind, key) — each one the report's own figure
    "km_musc_ttsflr": (
        "Kaplan-Meier by arm, ticks at the plan's week 52, annotation naming the tests and the "
        "reference, risk table in blocks (musc)",
        "musc",
        "km",
        "TTSFLR",
    ),
    "km_cs20at04_ttcr": (
        "Complete renal remission, a favourable event, drawn as a cumulative incidence from 0 "
        "(cs20at04, nephritis)",
        "cs20at04",
        "km",
        "TTCR@nephritis",
    ),
    "cif_musc_ttrflr": (
        "Aalen-Johansen cumulative incidence of renal flare with death competing, censor marks, "
        "the Fine-Gray subdistribution HR and a risk table with competing events (musc, "
        "nephritis)",
        "musc",
        "cif",
        "TTRFLR@nephritis",
    ),
    "forest_musc": (
        "Forest plot of hazard ratios vs placebo across endpoints (musc)",
        "musc",
        "forest",
        None,
    ),
    "forest_subgroups_musc": (
        "Subgroup forest of the first severe flare with interaction p-values (musc)",
        "musc",
        "forest_subgroups",
        "TTSFLR",
    ),
    "swimmer_cs20at04": (
        "Swimmer plot of every subject's course, grouped by subgroup (cs20at04)",
        "cs20at04",
        "swimmer",
        None,
    ),
    "trajectory_creatinine": (
        "Creatinine per subject, one panel per subgroup (cs20at04)",
        "cs20at04",
        "trajectory",
        "creatinine_umol_l",
    ),
    "trajectory_upcr_musc": (
        "UPCR, median (IQR) per arm and visit, one panel per subgroup, N under the visits (musc)",
        "musc",
        "trajectory_mean",
        "upcr_g_g",
    ),
    "trajectory_sledai_nanjing": (
        "SLEDAI-2K, mean (95% CI) at the monthly visits of the plan (nanjing)",
        "nanjing",
        "trajectory_mean",
        "sledai2k",
    ),
    "lsmeans_musc_sledai": (
        "LS mean change in SLEDAI-2K from the MMRM, per arm and visit (musc)",
        "musc",
        "lsmeans",
        "SLEDAI",
    ),
}
"""The gallery: the figures a report draws, one of each kind."""


@cache
def _results(design: str):
    import survlupus

    return survlupus.analyse(survlupus.read_trial(SYNTHETIC / design))


def figures() -> dict[str, tuple[str, Callable]]:
    """name -> (caption, function returning the Figure, as the report draws it)."""
    from survlupus.render.figures.catalogue import draw

    def maker(design: str, kind: str, key: str | None) -> Callable:
        return lambda: draw(_results(design), kind, key)

    return {name: (cap, maker(d, k, key)) for name, (cap, d, k, key) in GALLERY.items()}


def make_gallery(out: str | Path, formats=("png",), dpi: int = 150) -> list[Path]:
    out = Path(out)
    written = []
    lines = [
        "# Gallery",
        "",
        "Every figure type, drawn from the bundled synthetic trials by "
        "`survlupus gallery --out docs/gallery` (publication style): each is the figure the "
        "report of that trial draws (`Results.figure(kind, key)`), at its print width.",
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
