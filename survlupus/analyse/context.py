"""What every outcome handler of ``analyse`` reads and fills: the trial, the plan, the arms, the
derived datasets, and the stores of fits and summaries that become :class:`Results`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from survlupus.analyse.fits import TTEFit
from survlupus.plan.model import AnalysisPlan
from survlupus.trial.model import Trial


@dataclass
class Context:
    trial: Trial
    plan: AnalysisPlan
    arms: list[str]
    reference: str | None
    datasets: dict[str, pd.DataFrame]
    tte: dict[tuple[str, str, str], TTEFit] = field(default_factory=dict)
    responders: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    changes: dict[int, pd.DataFrame] = field(default_factory=dict)
    mmrm: dict[tuple[str, str], object] = field(default_factory=dict)
    longitudinal: dict[int, pd.DataFrame] = field(default_factory=dict)
    safety: dict[str, pd.DataFrame] = field(default_factory=dict)

    def in_population(self, frame: pd.DataFrame, name: str) -> pd.DataFrame:
        """The rows of ``frame`` (with a ``SUBGROUP`` column) in the plan's population ``name``."""
        sub = self.plan.population(name).subgroup
        return frame if sub is None else frame[frame["SUBGROUP"] == sub]

    def adtte(self, window: str) -> pd.DataFrame:
        """The ADTTE of an analysis window (``adtte`` for the efficacy window)."""
        return self.datasets["adtte" if window == "efficacy" else f"adtte_{window}"]

    def visit_missing(self, visit: str) -> str | None:
        """Why ``visit`` cannot be analysed (not in the schedule), or None."""
        labels = self.plan.visit_labels()
        if visit in labels:
            return None
        listed = f" ({', '.join(labels)})" if labels else " (the plan has no schedule)"
        return f"visit {visit} is not in the plan's schedule{listed}"
