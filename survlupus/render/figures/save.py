"""Saving figures as PDF, SVG and PNG with deterministic metadata: same data, same bytes.

Dates and software versions are left out of the files' metadata, SVG ids are salted with a fixed
string, and fonts are embedded as paths (SVG) or TrueType (PDF; subsets without the layout
tables, each made once: :mod:`~survlupus.render.figures.pdffonts`).

>>> save_figure(fig, "out/figures/km_ttsflr")    # writes .pdf, .svg and .png   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from survlupus.render.figures.layout import fit_to_figure
from survlupus.render.figures.pdffonts import subset_fonts

METADATA = {
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": "survlupus"},
    "svg": {"Date": None, "Creator": "survlupus"},
    "png": {"Software": None},
}


def save_figure(
    fig: Figure,
    stem: str | Path,
    formats: Sequence[str] = ("pdf", "svg", "png"),
    dpi: int = 300,
    fit: bool = True,
) -> list[Path]:
    """Write ``stem.pdf``, ``stem.svg`` and ``stem.png`` (or the chosen ``formats``) at the
    figure's own size: with ``fit`` the content is first fitted inside it
    (:func:`~survlupus.render.figures.layout.fit_to_figure`), so an 89 mm figure is 89 mm wide."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        if fmt not in METADATA:
            raise ValueError(f"unknown format {fmt!r}; use pdf, svg or png")
    if fit:
        fit_to_figure(fig)
    with (
        mpl.rc_context({"svg.hashsalt": "survlupus", "svg.fonttype": "path", "pdf.fonttype": 42}),
        subset_fonts(),
    ):
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            fig.savefig(
                path, format=fmt, dpi=dpi, metadata=METADATA[fmt], bbox_inches=fig.bbox_inches
            )
            paths.append(path)
    return paths
