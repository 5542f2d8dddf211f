"""Responder endpoints at a nominal visit: one row per subject and parameter, Y/N with the
criterion (``CRIT``) and the reason for a No or a missing result (``REASON``).

Missing data: by default a missing assessment is a non-responder (``AVALC = "N"``) with the reason
recorded; ``missing="observed"`` leaves it missing (``AVALC = ""``, ``AVAL`` NaN) so it drops out
of the denominator. Subgroup endpoints (haematologic improvement: cytopenia; renal response:
nephritis) have rows for their subgroup only; SRI-k rows exist for everybody, with ``ELIGFL = "N"``
and the reason where baseline SLEDAI-2K is below k.

The visit record is chosen by :mod:`survlupus.clinical.windows` (closest to the nominal day, the
earlier on a tie); steroid criteria use the daily prednisone-equivalent series.

>>> resp = derive_responders(trial)                       # every default parameter at W24
... # doctest: +SKIP
"""

from collections.abc import Sequence

import pandas as pd

from survlupus.clinical.windows import CS20AT04_WINDOWS, Window
from survlupus.derive.responders.activity import (
    LLDAS_EXCLUDED,
    SRI,
    LowDiseaseActivity,
    SledaiReduction,
)
from survlupus.derive.responders.context import RESPONDER_COLUMNS, Context
from survlupus.derive.responders.organ import HaematologicImprovement, RenalResponse
from survlupus.derive.responders.steroid import SteroidTaper
from survlupus.trial.model import Trial

__all__ = [
    "LLDAS_EXCLUDED",
    "RESPONDER_COLUMNS",
    "SRI",
    "HaematologicImprovement",
    "LowDiseaseActivity",
    "RenalResponse",
    "SledaiReduction",
    "SteroidTaper",
    "default_responders",
    "derive_responders",
]


PARCAT1 = {
    "SteroidTaper": "STEROID TAPER",
    "LowDiseaseActivity": "DISEASE ACTIVITY",
    "SledaiReduction": "DISEASE ACTIVITY",
    "SRI": "DISEASE ACTIVITY",
    "RenalResponse": "RENAL",
    "HaematologicImprovement": "HAEMATOLOGIC",
}
"""ADRS ``PARCAT1`` (parameter category) of each responder rule."""


def default_responders(visit: str = "W24") -> tuple:
    """The default responder rules, assessed at ``visit`` (the steroid tapers keep their own days).

    Parameters
    ----------
    visit : str
        The assessment visit (default W24).

    Returns
    -------
    tuple of responder rules

    Examples
    --------
    >>> [r.paramcd for r in survlupus.default_responders("W52")][2:5]
    ['HEMIMP52', 'RENRSP52', 'LLDAS52']
    """
    return (
        SteroidTaper(),
        SteroidTaper(
            "STER1224",
            "Steroid taper kept: <= 7.5 mg/day from week 12 through week 24",
            85,
            169,
            7.5,
            "W24",
        ),
        HaematologicImprovement(visit),
        RenalResponse(visit),
        LowDiseaseActivity(visit),
        SledaiReduction(visit, 4),
        SRI(visit, 4),
        SRI(visit, 5),
        SRI(visit, 6),
    )


def derive_responders(
    trial: Trial,
    definitions: Sequence | None = None,
    *,
    schedule: Sequence[Window] | None = None,
    missing: str = "non-responder",
) -> pd.DataFrame:
    """The responder dataset (ADaM ADRS shape): one row per subject and parameter.

    Parameters
    ----------
    trial : Trial
    definitions : sequence of responder rules, optional
        E.g. ``[SRI(visit="W52", k=4)]``; default: :func:`default_responders` at W24.
    schedule : sequence of Window, optional
        The visit windows that assign each visit to a nominal visit (default: the CS20AT04
        schedule, ``clinical.windows.CS20AT04_WINDOWS``; a plan gives its own).
    missing : {"non-responder", "observed"}
        A subject without an assessment at the visit is a non-responder (default) or left out.

    Returns
    -------
    DataFrame
        ``USUBJID, PARAMCD, PARAM, AVISIT, ADT, ADY, AVALC (Y/N), CRIT, REASON`` ...: the rule,
        the visit used and the reason of every decision.

    Raises
    ------
    ValueError
        An unknown ``missing`` rule.

    Examples
    --------
    >>> adrs = survlupus.derive_responders(survlupus.read_trial("data/synthetic/musc"))
    >>> adrs.loc[adrs.PARAMCD == "SRI4_24", "AVALC"].value_counts().to_dict()
    {'N': 42, 'Y': 39}
    """
    if missing not in ("non-responder", "observed"):
        raise ValueError("missing must be 'non-responder' or 'observed'")
    ctx = Context.build(trial, CS20AT04_WINDOWS if schedule is None else schedule, missing)
    parts = [
        d.evaluate(ctx).assign(PARCAT1=PARCAT1.get(type(d).__name__, "RESPONSE"))
        for d in (definitions or default_responders())
    ]
    out = pd.concat(parts, ignore_index=True)[RESPONDER_COLUMNS]
    order = {c: i for i, c in enumerate(dict.fromkeys(out["PARAMCD"]))}
    out["_o"] = out["PARAMCD"].map(order)
    return (
        out.sort_values(["_o", "USUBJID"], kind="stable").drop(columns="_o").reset_index(drop=True)
    )
