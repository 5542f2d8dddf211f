"""survlupus: time-to-event, responder and longitudinal endpoints of systemic lupus
erythematosus trials, analysed by each trial's own plan.

The package follows the data: ``trial`` (read, validate) → ``derive`` (ADTTE, ADRS, changes)
→ ``plan`` + ``analyse`` (one :class:`Results`) → ``render`` (figures, tables, page, datasets).

>>> import survlupus
>>> trial = survlupus.read_trial("data/synthetic/cs20at04")   # doctest: +SKIP
>>> results = survlupus.analyse(trial)                        # the folder's plan.toml  # doctest: +SKIP
"""

from survlupus.trial import Trial, ValidationReport, read_trial, validate_trial  # noqa: I001
from survlupus.trial.sdtm import tables_from_sdtm
from survlupus.errors import DataError, Problem
from survlupus.derive import *  # noqa: F403
from survlupus.derive import __all__ as _derive_all
from survlupus.stats import *  # noqa: F403
from survlupus.stats import __all__ as _stats_all
from survlupus.stats.proportions import responder_summary
from survlupus.plan import (
    AnalysisPlan,
    Figures,
    Outcome,
    PlanError,
    Population,
    Study,
    generic_plan,
    load_plan,
    plan_to_toml,
)
from survlupus.analyse import Results, analyse, forest_table, outcome_display
from survlupus.render.datasets import write_dataset

__version__ = "0.2.0"

__all__ = [  # noqa: PLE0604
    *_derive_all,
    *_stats_all,
    "AnalysisPlan",
    "DataError",
    "Figures",
    "Outcome",
    "PlanError",
    "Population",
    "Problem",
    "Results",
    "Study",
    "Trial",
    "ValidationReport",
    "__version__",
    "analyse",
    "forest_table",
    "outcome_display",
    "generic_plan",
    "load_plan",
    "plan_to_toml",
    "read_trial",
    "responder_summary",
    "validate_trial",
    "tables_from_sdtm",
    "write_dataset",
]
