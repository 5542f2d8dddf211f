"""Reading, validating and holding a trial's tables."""

from survlupus.trial.model import Trial
from survlupus.trial.read import ValidationReport, read_trial, validate_trial

__all__ = ["Trial", "ValidationReport", "read_trial", "validate_trial"]
