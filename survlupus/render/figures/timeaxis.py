"""The time axis every figure shares: study days drawn as days, weeks, months or years since
day 1, with ticks that include the times a plan cares about.

Position of study day ``d`` (day 1 = first infusion): ``(d - 1) / unit``, with a week of 7 days,
a month of 365.25 / 12 days and a year of 365.25 days (so the week-52 visit, day 365, sits at 52
weeks, 12.0 months and 1.0 year).

>>> to_x([1, 365], "weeks").tolist()
[0.0, 52.0]
>>> nice_ticks(379, "weeks", required=[365, 379])   # W52 primary; the window ends at 54
[0.0, 8.0, 16.0, 24.0, 32.0, 40.0, 52.0]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

DAYS_PER = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
TIME_UNITS = tuple(DAYS_PER)
STEPS = {
    "days": (7, 14, 28, 56, 91, 182, 364),
    "weeks": (1, 2, 4, 8, 12, 26, 52),
    "months": (1, 2, 3, 6, 12, 24),
    "years": (0.5, 1, 2, 5),
}


def check_unit(unit: str) -> str:
    """``unit`` if it is one of :data:`TIME_UNITS`, else a ``ValueError`` listing them."""
    if unit not in DAYS_PER:
        raise ValueError(f"time_unit {unit!r} is not one of {', '.join(TIME_UNITS)}")
    return unit


def to_x(aval, unit: str) -> np.ndarray:
    """Plot position of a study day (AVAL): time since day 1 in ``unit``."""
    return (np.asarray(aval, dtype=float) - 1.0) / DAYS_PER[check_unit(unit)]


def to_aval(x, unit: str) -> np.ndarray:
    """The study day at plot position ``x`` (inverse of :func:`to_x`)."""
    return np.asarray(x, dtype=float) * DAYS_PER[check_unit(unit)] + 1.0


def axis_label(unit: str, since: str = "first infusion") -> str:
    return f"{check_unit(unit).capitalize()} since {since}"


def nice_ticks(
    max_aval: float, unit: str, required: Iterable[float] = (), max_ticks: int = 9
) -> list[float]:
    """Regular ticks from 0 to ``max_aval`` (a study day) with at most ``max_ticks`` of them,
    plus the ``required`` study days (the plan's primary time point, the end of the window); a
    regular tick closer than half a step to a required one gives way to it."""
    top = float(to_x(max(max_aval, 1.0), unit))
    steps = STEPS[check_unit(unit)]
    step = next((s for s in steps if top / s <= max_ticks - 1), steps[-1])
    while top / step > max_ticks - 1:
        step *= 2
    regular = [float(t) for t in np.arange(0, top + 1e-9, step)]
    must: list[float] = []
    for d in required:  # in order of priority; one closer than a quarter step to another goes
        x = round(float(to_x(d, unit)), 6)
        if d and d > 1 and all(abs(x - m) > step / 4 for m in must):
            must.append(x)
    kept = [t for t in regular if t == 0 or all(abs(t - m) > step / 2 for m in must)]
    return sorted({*kept, *must})


def tick_labels(ticks: Iterable[float]) -> list[str]:
    """Tick texts to one decimal at most (day 730 is 23.95 months: drawn "24")."""
    return [f"{round(t, 1):g}" for t in ticks]
