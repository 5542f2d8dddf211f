"""survlupus: time-to-event and responder endpoints for systemic lupus erythematosus trials.

>>> import survlupus
>>> trial = survlupus.read_trial("data/synthetic/cs20at04")   # doctest: +SKIP
"""

from survlupus.endpoints import *  # noqa: F403
from survlupus.endpoints import __all__ as _endpoints_all
from survlupus.endpoints.change import change_from_baseline, summarise_change
from survlupus.endpoints.outcomes import outcome_measures
from survlupus.endpoints.responders import default_responders, derive_responders
from survlupus.errors import DataError, Problem
from survlupus.export import write_dataset
from survlupus.stats import *  # noqa: F403
from survlupus.stats import __all__ as _stats_all
from survlupus.stats.proportions import responder_summary
from survlupus.trial import Trial, ValidationReport, read_trial, validate_trial

__version__ = "0.1.0"

__all__ = [  # noqa: PLE0604
    *_endpoints_all,
    *_stats_all,
    "DataError",
    "change_from_baseline",
    "default_responders",
    "derive_responders",
    "outcome_measures",
    "responder_summary",
    "summarise_change",
    "Problem",
    "Trial",
    "ValidationReport",
    "__version__",
    "read_trial",
    "validate_trial",
    "write_dataset",
]
