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


def _document_classes() -> None:
    """Numpy field sections for every public dataclass (written from the fields)."""
    from dataclasses import is_dataclass

    from survlupus.derive.tte.base import Endpoint
    from survlupus.fielddoc import with_fields

    built = ("AnalysisPlan", "Figures", "Outcome", "Population", "Study", "Problem")
    for name in __all__:
        obj = globals().get(name)
        if not isinstance(obj, type) or not is_dataclass(obj):
            continue
        if issubclass(obj, Endpoint) and obj is not Endpoint:
            code = obj().paramcd
            with_fields(obj, "Parameters", f">>> survlupus.{name}().paramcd\n{code!r}")
        elif (
            issubclass(obj, Endpoint)
            or name in built
            or name in ("EventSource", "CensorSource", "Convention")
        ):
            with_fields(obj, "Parameters")
        else:
            with_fields(obj, "Attributes")


_document_classes()
