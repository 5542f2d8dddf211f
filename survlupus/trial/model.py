"""The :class:`Trial` container: validated, typed tables in canonical units, and derived series.

A Trial is what :func:`survlupus.read_trial` returns and what every derivation takes. Its tables are
sorted (subjects by ``subject_id``; visits by subject and date) and typed (dates are
``datetime64``; booleans are pandas ``boolean``; numbers are ``float64``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from survlupus.clinical.baseline import baseline_values
from survlupus.clinical.steroids import daily_dose, data_cut_dates, steroid_steps
from survlupus.errors import Problem


@dataclass(frozen=True, eq=False)
class Trial:
    """One trial's tables. Build it with :func:`survlupus.read_trial`.

    >>> import survlupus
    >>> trial = survlupus.read_trial("data/synthetic/cs20at04")  # doctest: +SKIP
    >>> trial.n_subjects                                         # doctest: +SKIP
    10
    """

    subjects: pd.DataFrame
    visits: pd.DataFrame
    steroids: pd.DataFrame
    events: pd.DataFrame
    infusions: pd.DataFrame
    adverse_events: pd.DataFrame = field(default_factory=lambda: empty_adverse_events())
    source: str = "<frames>"
    conversions: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def subject_ids(self) -> list[str]:
        return self.subjects["subject_id"].tolist()

    @property
    def n_subjects(self) -> int:
        return len(self.subjects)

    @cached_property
    def data_cut(self) -> pd.Series:
        """Per subject, the date open steroid intervals run to (``end_date`` or last visit)."""
        return data_cut_dates(self.subjects, self.visits)

    @cached_property
    def steroid_steps(self) -> pd.DataFrame:
        """Prednisone-equivalent dose as steps: ``subject_id, date, pred_eq_mg_day``."""
        return steroid_steps(self.steroids, self.data_cut)

    def steroid_daily(self) -> pd.DataFrame:
        """Prednisone-equivalent dose for every day: ``subject_id, date, pred_eq_mg_day``."""
        return daily_dose(self.steroid_steps)

    def baseline(self, variables: Sequence[str]) -> pd.DataFrame:
        """Baseline value of each variable per subject (last non-missing on or before day 1)."""
        return baseline_values(self.visits, self.subjects, variables)

    def summary(self) -> str:
        arms = self.subjects["arm"].value_counts().sort_index()
        arm_text = ", ".join(f"{a}: {n}" for a, n in arms.items())
        return (
            f"{self.source}: {self.n_subjects} subjects ({arm_text}); {len(self.visits)} visit rows, "
            f"{len(self.steroids)} steroid intervals, {len(self.events)} events, "
            f"{len(self.infusions)} infusions, {len(self.adverse_events)} adverse events"
        )

    def __repr__(self) -> str:
        return f"<Trial {self.summary()}>"

    def _repr_html_(self) -> str:
        """The summary line over the subjects per arm and subgroup (never the visit data)."""
        import html

        s = self.subjects
        group = ["arm", "subgroup"] if "subgroup" in s else ["arm"]
        counts = s.fillna({"subgroup": ""}).groupby(group, dropna=False).size()
        table = counts.rename("subjects").reset_index()
        return f"<p>{html.escape(repr(self))}</p>" + table.to_html(index=False, border=0)


def empty_adverse_events() -> pd.DataFrame:
    """The ``adverse_events`` table with no row, typed."""
    return pd.DataFrame(
        {
            "subject_id": pd.Series(dtype="object"),
            "term": pd.Series(dtype="object"),
            "body_system": pd.Series(dtype="object"),
            "start_date": pd.Series(dtype="datetime64[ns]"),
            "end_date": pd.Series(dtype="datetime64[ns]"),
            "grade": pd.Series(dtype="float64"),
            "serious": pd.Series(dtype="boolean"),
            "related": pd.Series(dtype="object"),
            "infusion_related": pd.Series(dtype="boolean"),
            "outcome": pd.Series(dtype="object"),
            "action": pd.Series(dtype="object"),
        }
    )
