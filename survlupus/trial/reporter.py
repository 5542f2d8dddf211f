"""The problem reporter of the checks run on parsed tables: rows located by ``_row``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from survlupus.errors import Problem, Severity
from survlupus.trial.parse import MAX_LISTED


class Reporter:
    """Problems for a parsed table, located by its ``_row`` column."""

    def __init__(self, name: str, frame: pd.DataFrame, source: str, problems: list[Problem]):
        self.name, self.frame, self.source, self.problems = name, frame, source, problems

    def flag(
        self,
        mask,
        column: str | None,
        message: Callable[[int], str],
        fix: str,
        severity: Severity = "error",
    ) -> None:
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        for pos in positions[:MAX_LISTED]:
            row = self.frame["_row"].iloc[pos] if "_row" in self.frame else None
            subj = self.frame["subject_id"].iloc[pos] if "subject_id" in self.frame else None
            self.problems.append(
                Problem(
                    self.name,
                    message(int(pos)),
                    fix,
                    column,
                    None if pd.isna(subj) else str(subj),
                    row,
                    severity,
                    self.source,
                )
            )
        if len(positions) > MAX_LISTED:
            self.problems.append(
                Problem(
                    self.name,
                    f"... and {len(positions) - MAX_LISTED} more rows with the same problem",
                    fix,
                    column,
                    severity=severity,
                    source=self.source,
                )
            )

    def where(self, pos: int) -> str:
        """``line 7`` of a file, ``row 5`` of a DataFrame: another row named in a message."""
        row = self.frame["_row"].iloc[pos] if "_row" in self.frame else pos
        return f"{'line' if '.' in str(self.source) else 'row'} {row}"
