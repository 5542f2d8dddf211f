"""Publication figures drawn from the analysis layer's tidy tables."""

from survlupus.render.figures.adverse import plot_ae_dots
from survlupus.render.figures.forest import plot_forest
from survlupus.render.figures.km import km_annotation, plot_cif, plot_km
from survlupus.render.figures.longitudinal import (
    plot_lsmeans,
    plot_lsmeans_panel,
    plot_responders_by_visit,
)
from survlupus.render.figures.save import save_figure
from survlupus.render.figures.style import arm_colors, figure_style, width_inches
from survlupus.render.figures.swimmer import plot_swimmer, swimmer_events
from survlupus.render.figures.trajectories import (
    plot_trajectory,
    trajectory_data,
    trajectory_summary,
)

__all__ = [
    "arm_colors",
    "figure_style",
    "plot_ae_dots",
    "km_annotation",
    "plot_cif",
    "plot_forest",
    "plot_km",
    "plot_lsmeans",
    "plot_lsmeans_panel",
    "plot_responders_by_visit",
    "plot_swimmer",
    "plot_trajectory",
    "save_figure",
    "swimmer_events",
    "trajectory_data",
    "trajectory_summary",
    "width_inches",
]
