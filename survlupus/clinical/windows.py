"""Visit windows: mapping assessment dates to nominal visits, one record per subject and visit.

A date maps to the nominal visit whose window (nominal day ± tolerance) holds it; where windows
overlap, to the one whose nominal day is closest, the earlier visit on a tie. Dates in no window
are ``UNSCHEDULED`` (kept: event derivations use every visit). Of several records in the same
window, one is chosen per subject and visit by ``rule``:

* ``"closest"`` (default): closest to the nominal day, the earlier date on a tie;
* ``"worst"``: the worst value of ``variable`` (highest by default, ``worst="low"`` for lowest),
  closest to the nominal day among equals.

Baseline (``BASELINE``) is the last record on or before day 1.

>>> windows = assign_windows(trial.visits, trial.subjects, CS20AT04_WINDOWS)   # doctest: +SKIP
>>> w24 = select_visit(windows, "W24")                                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Window:
    label: str
    day: int
    before: int
    after: int

    def holds(self, day) -> np.ndarray:
        d = np.asarray(day)
        return (d >= self.day - self.before) & (d <= self.day + self.after)


def windows(spec: Sequence[tuple[str, int, int]]) -> tuple[Window, ...]:
    """From ``(label, nominal day, ± days)`` triples."""
    return tuple(Window(lab, d, w, w) for lab, d, w in spec)


CS20AT04_WINDOWS = windows(
    [
        ("D3", 4, 1),
        ("W1", 8, 2),
        ("W4", 29, 7),
        ("W8", 57, 7),
        ("W12", 85, 7),
        ("W12D3", 88, 1),
        ("W13", 92, 2),
        ("W16", 113, 7),
        ("W20", 141, 7),
        ("W24", 169, 7),
        ("M12", 365, 30),
        ("M36", 1095, 30),
        ("M60", 1825, 30),
    ]
)
"""The cs20at04 schedule (docs/derivation.md): ±1 day for D3, ±2 for W1 (and W13), ±7 after."""

MUSC_WINDOWS = windows([(f"W{w}", 7 * w + 1, 7) for w in range(4, 53, 4)])
NANJING_WINDOWS = windows([(f"M{m}", round(30.4375 * m) + 1, 7) for m in range(1, 25)])

SCHEDULES = {"cs20at04": CS20AT04_WINDOWS, "musc": MUSC_WINDOWS, "nanjing": NANJING_WINDOWS}


def assign_windows(
    visits: pd.DataFrame, subjects: pd.DataFrame, schedule: Sequence[Window] = CS20AT04_WINDOWS
) -> pd.DataFrame:
    """Every visit row with ``ADY`` (study day), ``AVISIT`` (window label, ``BASELINE`` or
    ``UNSCHEDULED``), ``AVISITN`` (its nominal day) and ``DIST`` (days from the nominal day)."""
    start = visits["subject_id"].map(subjects.set_index("subject_id")["start_date"])
    out = visits.copy()
    out["ADY"] = ((out["visit_date"] - start).dt.days + 1).to_numpy()
    ady = out["ADY"].to_numpy()
    best = np.full(len(out), -1)
    best_dist = np.full(len(out), np.inf)
    for i, w in enumerate(schedule):
        dist = np.abs(ady - w.day).astype(float)
        inside = w.holds(ady) & (dist < best_dist)  # strict: the earlier visit wins a tie
        best = np.where(inside, i, best)
        best_dist = np.where(inside, dist, best_dist)
    labels = np.array([w.label for w in schedule] + ["UNSCHEDULED"], dtype=object)
    days = np.array([w.day for w in schedule] + [np.nan])
    out["AVISIT"] = labels[best]
    out["AVISITN"] = days[best]
    out["DIST"] = np.where(best >= 0, best_dist, np.nan)
    base = ady <= 1
    order = np.lexsort((out["visit_date"].to_numpy(), out["subject_id"].to_numpy()))
    rev = order[::-1]  # rows by subject and date, reversed: count base rows at or after each
    at_or_after = np.empty(len(out))
    at_or_after[rev] = (
        pd.Series(base[rev]).groupby(out["subject_id"].to_numpy()[rev]).cumsum().to_numpy()
    )
    last_pre = base & (at_or_after == 1)
    out.loc[base, "AVISIT"] = "PRE-BASELINE"
    out.loc[last_pre, "AVISIT"] = "BASELINE"
    out.loc[base, "AVISITN"] = 1.0
    return out


def select_visit(
    windowed: pd.DataFrame,
    label: str,
    rule: str = "closest",
    variable: str | None = None,
    worst: str = "high",
) -> pd.DataFrame:
    """One record per subject at visit ``label`` (see the module docstring for the rules)."""
    rows = windowed[windowed["AVISIT"] == label]
    if rule == "closest":
        keys, asc = ["subject_id", "DIST", "visit_date"], [True, True, True]
    elif rule == "worst":
        if variable is None:
            raise ValueError("rule='worst' needs variable=")
        keys = ["subject_id", variable, "DIST", "visit_date"]
        asc = [True, worst == "low", True, True]
    else:
        raise ValueError("rule must be 'closest' or 'worst'")
    return (
        rows.sort_values(keys, ascending=asc, kind="stable", na_position="last")
        .drop_duplicates("subject_id", keep="first")
        .reset_index(drop=True)
    )
