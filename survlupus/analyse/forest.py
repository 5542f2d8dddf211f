"""Hazard ratios against the reference arm across parameters, as the forest plot's table:
``label, PARAMCD, arm, estimate, lower, upper, p, events, model`` — from fits already made
(:func:`forest_rows`) or fitting them (:func:`forest_table`, for a notebook).

>>> tab = forest_table(adtte, ["TTSFLR", "TTRESC"], by="ARM", reference="Placebo")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from survlupus.analyse.fits import TTEFit, fit_tte

FOREST_COLUMNS = ["label", "PARAMCD", "arm", "estimate", "lower", "upper", "p", "events", "model"]


def forest_rows(fits: Iterable[TTEFit]) -> pd.DataFrame:
    """One row per fit and non-reference arm with a hazard ratio (arms where neither the arm nor
    the reference has an event carry no information and are left out)."""
    rows = []
    for fit in fits:
        if fit.cox is None:
            continue
        ref = fit.reference
        table = fit.cox.table.set_index("term")
        for arm in fit.km.groups:
            if arm == ref or fit.events.get(arm, 0) + fit.events.get(ref, 0) == 0:
                continue
            t = table.loc[f"ARM[{arm}]"]
            rows.append(
                {
                    "label": f"{fit.paramcd}: {arm}",
                    "PARAMCD": fit.paramcd,
                    "arm": arm,
                    "estimate": t["hr"],
                    "lower": t["lower"],
                    "upper": t["upper"],
                    "p": t["p"],
                    "events": f"{fit.events.get(arm, 0)}/{fit.events.get(ref, 0)}",
                    "model": "Firth Cox" if fit.firth else "Cox (Efron)",
                }
            )
    return pd.DataFrame(rows, columns=FOREST_COLUMNS)


def forest_table(
    adtte: pd.DataFrame,
    paramcds: Sequence[str],
    by: str = "ARM",
    reference=None,
    firth_when_no_events: bool = True,
) -> pd.DataFrame:
    """HR of each non-reference arm vs ``reference`` for each parameter (Cox, Efron; Firth where
    an arm has no event), fitted here; see :func:`forest_rows`."""
    if by != "ARM":
        adtte = adtte.assign(ARM=adtte[by])
    arms = sorted(adtte["ARM"].unique(), key=str)
    fits = [
        fit_tte(
            adtte,
            code,
            "all",
            "efficacy",
            arms=arms,
            reference=reference,
            firth_below=1 if firth_when_no_events else 0,
        )
        for code in paramcds
    ]
    return forest_rows(fits)
