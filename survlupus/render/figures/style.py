"""Figure styles: a publication preset (journal column widths 89 mm and 183 mm) and a
presentation preset, applied as a context manager so nothing leaks into the user's session; a
colour-blind-safe palette (Okabe & Ito) in which each arm keeps its colour in every figure.

>>> with figure_style("publication"):              # doctest: +SKIP
...     fig, ax = plot_km(km)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import matplotlib as mpl

MM_PER_INCH = 25.4
COLUMN_MM = {"single": 89.0, "double": 183.0}

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
"""Okabe M, Ito K. Color Universal Design (2002): distinguishable with any colour vision."""

FIXED_COLORS = {"placebo": "#7F7F7F", "control": "#7F7F7F", "soc": "#7F7F7F"}

_BASE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "svg.fonttype": "path",
    "svg.hashsalt": "survlupus",
    "pdf.fonttype": 42,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO)),
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
    "image.cmap": "viridis",
    "text.parse_math": False,  # a "$" in an arm label or title is drawn as it is
}

PRESETS: dict[str, dict] = {
    "publication": {  # print sizes: no text below 6 pt ("small" = 0.833 x 7.5 = 6.25 pt)
        **_BASE,
        "font.size": 7.5,
        "axes.titlesize": 8,
        "axes.labelsize": 7.5,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "legend.fontsize": 7,
        "legend.title_fontsize": 7,
        "lines.linewidth": 1.0,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "lines.markersize": 4,
        "figure.figsize": (COLUMN_MM["single"] / MM_PER_INCH, 2.6),
    },
    "presentation": {
        **_BASE,
        "font.size": 14,
        "axes.titlesize": 16,
        "axes.labelsize": 14,
        "xtick.labelsize": 12,
        "ytick.labelsize": 12,
        "legend.fontsize": 12,
        "lines.linewidth": 2.2,
        "axes.linewidth": 1.2,
        "lines.markersize": 8,
        "figure.figsize": (10.0, 6.0),
    },
}


@contextmanager
def figure_style(preset: str = "publication") -> Iterator[None]:
    """Apply a preset inside a ``with`` block only (``matplotlib.rc_context``)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    with mpl.rc_context(PRESETS[preset]):
        yield


def font_points(key: str) -> float:
    """The font size of rcParams ``key`` in points (a named size such as "medium" counts as the
    base ``font.size``): for offsets that must clear text of that size."""
    size = mpl.rcParams[key]
    return float(size if isinstance(size, (int, float)) else mpl.rcParams["font.size"])


def width_inches(width: str | float) -> float:
    """``"single"`` (89 mm), ``"double"`` (183 mm) or a width in mm, as inches."""
    mm = COLUMN_MM[width] if isinstance(width, str) else float(width)
    return mm / MM_PER_INCH


def arm_colors(arms: Iterable) -> dict:
    """A stable colour per arm: placebo/control grey, the others in sorted order of the palette.

    The same set of arms always gets the same colours, in every figure.
    """
    out, i = {}, 0
    for arm in sorted({str(a) for a in arms}):
        if arm.lower() in FIXED_COLORS:
            out[arm] = FIXED_COLORS[arm.lower()]
        else:
            out[arm] = OKABE_ITO[i % len(OKABE_ITO)]
            i += 1
    return out
