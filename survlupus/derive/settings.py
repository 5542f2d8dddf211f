"""Range checks shared by every definition dataclass (time-to-event and responder rules).

Every number a definition holds is a threshold, a count of days or a factor, so:

* numbers are finite and not negative (``confirm_days = -3`` is an error, not a shorter rule);
* a field whose name holds ``factor`` is a rise factor and must be above 1 (1.3 = a 30 % rise;
  1 or less would count no rise, or a fall, as a flare);
* ``k`` (SRI-k, SLEDAI-2K reduction by k) is at least 1;
* a window ``from_day``/``to_day`` (``run_from``/``run_to``) does not end before it starts.

>>> from survlupus.derive.tte.renal import RenalFlare
>>> RenalFlare(creatinine_factor=0.8)
Traceback (most recent call last):
ValueError: RenalFlare.creatinine_factor is 0.8: a rise factor must be above 1 (1.3 = a 30 % rise)
"""

from __future__ import annotations

import math
from dataclasses import fields

WINDOWS = (("from_day", "to_day"), ("run_from", "run_to"))


def check_settings(definition) -> None:
    """Raise ``ValueError`` naming the class and field of the first setting out of range."""
    name = type(definition).__name__
    for f in fields(definition):
        value = getattr(definition, f.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        where = f"{name}.{f.name} is {value!r}"
        if not math.isfinite(value):
            raise ValueError(f"{where}: a setting must be a finite number")
        if "factor" in f.name and value <= 1:
            raise ValueError(f"{where}: a rise factor must be above 1 (1.3 = a 30 % rise)")
        if f.name == "k" and value < 1:
            raise ValueError(f"{where}: k must be at least 1")
        if value < 0:
            raise ValueError(f"{where}: must not be negative (days, doses and thresholds)")
    for lo, hi in WINDOWS:
        a, b = getattr(definition, lo, None), getattr(definition, hi, None)
        if a is not None and b is not None and b < a:
            raise ValueError(
                f"{name}.{hi} is {b}, before {lo} {a}: the window ends before it starts"
            )
