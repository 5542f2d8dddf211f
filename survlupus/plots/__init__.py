"""Publication figures drawn from the analysis layer's tidy tables."""

from survlupus.plots.forest import forest_table, plot_forest
from survlupus.plots.km import km_annotation, plot_cif, plot_km
from survlupus.plots.save import save_figure
from survlupus.plots.style import arm_colors, figure_style, width_inches
from survlupus.plots.swimmer import plot_swimmer, swimmer_events
from survlupus.plots.trajectories import plot_trajectory, trajectory_data, trajectory_summary

__all__ = [
    "arm_colors",
    "figure_style",
    "forest_table",
    "km_annotation",
    "plot_cif",
    "plot_forest",
    "plot_km",
    "plot_swimmer",
    "plot_trajectory",
    "save_figure",
    "swimmer_events",
    "trajectory_data",
    "trajectory_summary",
    "width_inches",
]
