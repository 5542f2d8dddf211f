"""Survival analysis on ADTTE tables, checked against R's survival (validation/r/)."""

from survlupus.stats.compare import LogRankResult, logrank
from survlupus.stats.km import KaplanMeier, kaplan_meier

__all__ = ["KaplanMeier", "LogRankResult", "kaplan_meier", "logrank"]
