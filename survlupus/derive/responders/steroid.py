"""Steroid-taper responders: the prednisone-equivalent dose kept at or below a limit."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from survlupus.derive.responders.context import Context, frame
from survlupus.derive.settings import check_settings
from survlupus.derive.tte.base import fmt


@dataclass(frozen=True)
class SteroidTaper:
    """Prednisone-equivalent at or below ``max_mg`` on every day from ``from_day`` to ``to_day``."""

    paramcd: str = "STER4W12"
    param: str = "Steroid taper: <= 7.5 mg/day from week 4 through week 12 (primary)"
    from_day: int = 29
    to_day: int = 85
    max_mg: float = 7.5
    visit: str = "W12"
    citation: str = "CS20AT04 phase IIa trial registration (Hanyang University Seoul Hospital, 2021), primary outcome"

    def __post_init__(self) -> None:
        check_settings(self)

    def describe(self) -> str:
        """The rule in sentences, with its settings, population and source."""
        from survlupus.derive.words import describe

        return describe(self)

    def evaluate(self, ctx: Context) -> pd.DataFrame:
        ids = ctx.ids(None)
        peak = ctx.max_dose(ids, self.from_day, self.to_day)
        # followed through the assessment visit's window (W52's window opens before day 365)
        followed = ctx.followed_to(ids, self.to_day, ctx.opens.get(self.visit, 0))
        ok = pd.Series(peak <= self.max_mg + 1e-9, dtype=object).where(followed)
        crit = (
            f"prednisone-equivalent <= {self.max_mg:g} mg/day on every day of study days "
            f"{self.from_day}-{self.to_day}"
        )
        peak_txt = fmt(peak, decimals=1)
        no = "highest dose in days " + f"{self.from_day}-{self.to_day}: " + peak_txt + " mg/day"
        return frame(
            ctx,
            ids,
            self.paramcd,
            self.param,
            self.visit,
            crit,
            ok,
            f"follow-up ended before day {self.to_day}",
            no,
            "highest dose " + peak_txt + " mg/day",
            day=self.to_day,
        )
