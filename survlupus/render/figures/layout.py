"""Figures exactly as wide as promised: the content is fitted inside the figure's own size, so
a figure saved for a single (89 mm) or double (183 mm) journal column is that wide in the file.

matplotlib's ``bbox_inches="tight"`` crops or grows the saved page to the drawn content, which
changes the width; :func:`fit_to_figure` instead moves the subplots' margins until everything
drawn (tick labels, legends above the plot, annotations beside it, a risk table) lies inside the
figure, and :func:`~survlupus.render.figures.save.save_figure` saves the page as it is.
"""

from __future__ import annotations

from matplotlib.figure import Figure

PAD_INCHES = 0.05
MEASURE_DPI = 300.0


def fit_to_figure(
    fig: Figure, pad: float = PAD_INCHES, rounds: int = 4, dpi: float = MEASURE_DPI
) -> Figure:
    """Adjust ``fig``'s subplot margins so its drawn content fits its size (in place).

    Text is measured at ``dpi`` (hinted text is a little wider at print resolutions than at
    screen ones), so what fits here fits in every saved format."""
    width, height = fig.get_size_inches()
    screen = fig.dpi
    fig.set_dpi(dpi)
    try:
        _fit(fig, width, height, pad, rounds)
    finally:
        fig.set_dpi(screen)
    return fig


def _fit(fig: Figure, width: float, height: float, pad: float, rounds: int) -> None:
    if fig.get_layout_engine() is not None:
        fig.set_layout_engine("none")
    for _ in range(rounds):
        renderer = fig.canvas.get_renderer()
        box = fig.get_tightbbox(renderer)  # inches
        sp = fig.subplotpars
        left = sp.left + (pad - box.x0) / width
        right = sp.right - (box.x1 - (width - pad)) / width
        bottom = sp.bottom + (pad - box.y0) / height
        top = sp.top - (box.y1 - (height - pad)) / height
        if right - left < 0.2 or top - bottom < 0.1:
            break  # the content cannot fit: keep what there is rather than collapse the plot
        moved = max(
            abs(left - sp.left), abs(right - sp.right), abs(bottom - sp.bottom), abs(top - sp.top)
        )
        if moved < 1e-3:  # already fitted: fitting again changes nothing
            break
        fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
