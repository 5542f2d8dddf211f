"""survlupus: time-to-event and responder endpoints for systemic lupus erythematosus trials.

>>> import survlupus
>>> trial = survlupus.read_trial("data/synthetic/cs20at04")   # doctest: +SKIP
"""

from survlupus.errors import DataError, Problem
from survlupus.trial import Trial, ValidationReport, read_trial, validate_trial

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Problem",
    "Trial",
    "ValidationReport",
    "__version__",
    "read_trial",
    "validate_trial",
]
