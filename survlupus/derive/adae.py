"""ADAE: one row per adverse event, with the analysis dates, flags and period.

Columns: ``STUDYID, USUBJID, AESEQ, AETERM, AEDECOD, AEBODSYS, ASTDT, AENDT, ASTDY, AENDY,
ADURN, TRTEMFL, APERIOD, APERIODC, AESER, AEREL, ARELFL, ATOXGR, AEOUT, AEACN, AEINFFL,
AOCCPFL, ARM, SUBGROUP``.

* ``ASTDY``/``AENDY``: study days (day 1 = ``start_date``); ``ADURN``: days from onset to
  resolution counted inclusively (empty while ongoing);
* ``TRTEMFL = "Y"``: onset on or after the subject's first infusion (``start_date`` where no
  infusion is recorded);
* ``APERIOD`` 1 ``Main study`` (onset up to the end of the main analysis window) or 2
  ``Long-term follow-up`` (after it); the main window is the plan's ``main`` window if it has one,
  else its ``efficacy`` window (183 days without a plan);
* ``ARELFL = "Y"``: related, i.e. ``possible``, ``probable`` or ``definite``;
* ``AOCCPFL = "Y"``: the subject's first treatment-emergent occurrence of the preferred term.

>>> adae = derive_adae(trial, plan)          # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survlupus.trial.model import Trial

ADAE_COLUMNS = [
    "STUDYID",
    "USUBJID",
    "AESEQ",
    "AETERM",
    "AEDECOD",
    "AEBODSYS",
    "ASTDT",
    "AENDT",
    "ASTDY",
    "AENDY",
    "ADURN",
    "TRTEMFL",
    "APERIOD",
    "APERIODC",
    "AESER",
    "AEREL",
    "ARELFL",
    "ATOXGR",
    "AEOUT",
    "AEACN",
    "AEINFFL",
    "AOCCPFL",
    "ARM",
    "SUBGROUP",
]
RELATED = ("possible", "probable", "definite")


def _yn(values) -> np.ndarray:
    return np.where(pd.Series(values).fillna(False).astype(bool).to_numpy(), "Y", "N")


def derive_adae(trial: Trial, plan=None, *, main_window_days: int | None = None) -> pd.DataFrame:
    """The adverse-event dataset (ADaM ADAE shape): one row per adverse event, with the
    treatment-emergent flag, study days, CTCAE grade, seriousness, relatedness and AESI flags.

    Parameters
    ----------
    trial : Trial
    plan : AnalysisPlan, optional
        Its AESI definitions flag the adverse events of special interest.
    main_window_days : int, optional
        Events after this many days also get a flag for the main period.

    Returns
    -------
    DataFrame
        ADAE columns (``STUDYID, USUBJID, AESEQ, AETERM, AEDECOD, AEBODSYS, ASTDT, AENDT, ASTDY,
        TRTEMFL, ATOXGR, AESER, ARELFL, ...``).

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> adae = survlupus.derive_adae(trial, survlupus.load_plan("data/synthetic/musc/plan.toml"))
    >>> len(adae), bool(adae["TRTEMFL"].eq("Y").all())
    (163, True)
    """
    ae = trial.adverse_events
    subj = trial.subjects.set_index("subject_id")
    if main_window_days is None:
        windows = dict(plan.windows) if plan is not None else {}
        main_window_days = windows.get("main", windows.get("efficacy", 183))
    start = ae["subject_id"].map(subj["start_date"])
    first_inf = trial.infusions.groupby("subject_id")["infusion_date"].min()
    origin = ae["subject_id"].map(first_inf).fillna(start)
    astdy = (ae["start_date"] - start).dt.days + 1
    aendy = (ae["end_date"] - start).dt.days + 1
    main = astdy <= main_window_days
    tre = ae["start_date"] >= origin
    study = plan.study.id if plan is not None else str(trial.source).rstrip("/").split("/")[-1]
    sub = subj["subgroup"].fillna("") if "subgroup" in subj else pd.Series("", index=subj.index)
    out = pd.DataFrame(
        {
            "STUDYID": study,
            "USUBJID": ae["subject_id"].to_numpy(),
            "AETERM": ae["term"].to_numpy(),
            "AEDECOD": ae["term"].to_numpy(),
            "AEBODSYS": ae["body_system"].fillna("Not coded").to_numpy(),
            "ASTDT": ae["start_date"].to_numpy(),
            "AENDT": ae["end_date"].to_numpy(),
            "ASTDY": astdy.to_numpy(),
            "AENDY": aendy.to_numpy(float),
            "ADURN": ((ae["end_date"] - ae["start_date"]).dt.days + 1).to_numpy(float),
            "TRTEMFL": np.where(tre, "Y", ""),
            "APERIOD": np.where(main, 1, 2),
            "APERIODC": np.where(main, "Main study", "Long-term follow-up"),
            "AESER": _yn(ae["serious"]),
            "AEREL": ae["related"].fillna("").to_numpy(),
            "ARELFL": np.where(ae["related"].isin(RELATED), "Y", "N"),
            "ATOXGR": ae["grade"].to_numpy(float),
            "AEOUT": ae["outcome"].fillna("").to_numpy(),
            "AEACN": ae["action"].fillna("").to_numpy(),
            "AEINFFL": _yn(ae["infusion_related"]),
            "ARM": ae["subject_id"].map(subj["arm"]).astype(str).to_numpy(),
            "SUBGROUP": ae["subject_id"].map(sub).to_numpy(),
        }
    )
    out = out.sort_values(["USUBJID", "ASTDT", "AEDECOD"], kind="stable").reset_index(drop=True)
    out["AESEQ"] = out.groupby("USUBJID").cumcount() + 1
    first = (out["TRTEMFL"] == "Y") & ~out[out["TRTEMFL"] == "Y"].duplicated(
        ["USUBJID", "AEDECOD"]
    ).reindex(out.index, fill_value=True)
    out["AOCCPFL"] = np.where(first, "Y", "")
    return out[ADAE_COLUMNS]
