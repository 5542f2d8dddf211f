"""Haematologic flare (cytopenia subgroup)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survlupus.derive.tte.base import (
    Endpoint,
    fmt,
    last_adequate_assessment,
    visit_source,
)

PLT, HB, NEUT = "platelets_10e9_l", "hemoglobin_g_dl", "neutrophils_10e9_l"


@dataclass(frozen=True)
class HaematologicFlare(Endpoint):
    """Platelets newly below the limit; or haemoglobin newly below the limit or fallen by at least
    ``hemoglobin_fall_g_dl`` from the highest value so far (baseline included); or neutrophils
    newly below the limit. "Newly": the previous assessment did not meet it."""

    variables = (PLT, HB, NEUT)

    paramcd: str = "TTHFLR"
    param: str = "Time to first haematologic flare (days)"
    scope: str | None = "cytopenia"
    citation: str = (
        "Petri M et al. N Engl J Med 2005;353:2550-8 (SFI haematologic items); CS20AT04 "
        "phase IIa trial registration (Hanyang University Seoul Hospital, 2021)"
    )
    platelets_below: float = 60.0
    hemoglobin_below_g_dl: float = 7.0
    hemoglobin_fall_g_dl: float = 3.0
    neutrophils_below: float = 1.0

    def criteria(self, panel) -> dict[str, pd.Series]:
        def newly(var, limit):
            return panel.newly(panel.analysis(var) < limit, var, panel.previous(var) < limit)

        hb = panel.analysis(HB)
        fall = panel.highest_before(HB) - hb >= self.hemoglobin_fall_g_dl - 1e-9
        return {
            "platelets": newly(PLT, self.platelets_below),
            "haemoglobin": newly(HB, self.hemoglobin_below_g_dl) | fall,
            "neutrophils": newly(NEUT, self.neutrophils_below),
        }

    def sources(self, trial, panel):
        crit = self.criteria(panel)
        met = crit["platelets"] | crit["haemoglobin"] | crit["neutrophils"]
        rules = np.array(
            [
                "",
                f"platelets newly < {self.platelets_below:g}",
                f"haemoglobin < {self.hemoglobin_below_g_dl:g} or fallen ≥ "
                f"{self.hemoglobin_fall_g_dl:g} g/dL",
                f"neutrophils newly < {self.neutrophils_below:g}",
            ],
            dtype=object,
        )
        # the first criterion met, by code (a text array of every visit row would be large)
        which = np.select([crit["platelets"], crit["haemoglobin"], crit["neutrophils"]], [1, 2, 3])
        rule = pd.Series(rules[which], index=panel.frame.index)
        high = panel.highest_before(HB)

        def extra(i):
            return "highest haemoglobin so far " + fmt(high.iloc[i], HB) + " g/dL"

        events = [
            visit_source(
                panel,
                met,
                rule,
                "haematologic flare",
                [PLT, HB, NEUT],
                extra,
            )
        ]
        return events, [last_adequate_assessment(panel, [HB, PLT])]
