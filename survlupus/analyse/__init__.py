"""Analysis by plan: ``analyse(trial, plan) -> Results`` (every fit once, keyed by outcome)."""

from survlupus.analyse.fits import TTEFit, fit_tte
from survlupus.analyse.forest import forest_rows, forest_table
from survlupus.analyse.outcomes import OUTCOME_COLUMNS
from survlupus.analyse.results import TABLES, Results
from survlupus.analyse.run import analyse, resolve_plan
from survlupus.analyse.wording import outcome_display

__all__ = [
    "OUTCOME_COLUMNS",
    "TABLES",
    "Results",
    "TTEFit",
    "analyse",
    "fit_tte",
    "forest_rows",
    "forest_table",
    "outcome_display",
    "resolve_plan",
]
