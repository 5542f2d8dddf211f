"""The basic data structure (BDS) of the visit measures: one row per subject, parameter and
visit record, with baseline, change from baseline and the analysis flags.

Columns: ``STUDYID, USUBJID, PARAMCD, PARAM, AVISIT, AVISITN, ADT, ADY, AVAL, BASE, CHG, PCHG,
ABLFL, ANL01FL, ARM, SUBGROUP``.

* ``AVISIT``/``AVISITN``: the schedule's visit whose window holds the record
  (:func:`survlupus.clinical.windows.assign_windows`; ``AVISITN`` its nominal study day),
  ``BASELINE`` (AVISITN 1) for the baseline record, ``PRE-BASELINE`` or ``UNSCHEDULED`` otherwise;
* ``ABLFL = "Y"``: the baseline record of the parameter, the last record on or before day 1 with a
  value (as ``Trial.baseline``); ``BASE`` its value on every row of the subject and parameter;
* ``ANL01FL = "Y"``: the baseline record and, per scheduled visit, the one record analysed: the
  closest to the nominal day among those with a value, the earlier on a tie;
* ``CHG = AVAL - BASE`` and ``PCHG = 100 × CHG / BASE`` on post-baseline records (empty on and
  before baseline, and PCHG where BASE is 0).

>>> bds = derive_bds(trial, ["sledai2k", "c3_g_l"], plan)          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survlupus.clinical.windows import Window, assign_windows
from survlupus.trial.model import Trial

BDS_COLUMNS = [
    "STUDYID",
    "USUBJID",
    "PARAMCD",
    "PARAM",
    "AVISIT",
    "AVISITN",
    "ADT",
    "ADY",
    "AVAL",
    "BASE",
    "CHG",
    "PCHG",
    "ABLFL",
    "ANL01FL",
    "ARM",
    "SUBGROUP",
]

PARAMETERS = {
    "sledai2k": ("SLEDAI", "SLEDAI-2K score"),
    "pga": ("PGA", "Physician's global assessment (0-3)"),
    "anti_dsdna_iu_ml": ("DSDNA", "Anti-dsDNA (IU/mL)"),
    "c3_g_l": ("C3", "Complement C3 (g/L)"),
    "c4_g_l": ("C4", "Complement C4 (g/L)"),
    "ana_titer": ("ANA", "ANA titre (reciprocal)"),
    "creatinine_umol_l": ("CREAT", "Creatinine (umol/L)"),
    "egfr_ml_min": ("EGFR", "eGFR, CKD-EPI 2021 (mL/min/1.73m2)"),
    "upcr_g_g": ("UPCR", "Urine protein/creatinine ratio (g/g)"),
    "proteinuria_g_24h": ("PROT24H", "Proteinuria (g/24 h)"),
    "bun_mmol_l": ("BUN", "Blood urea nitrogen (mmol/L)"),
    "urine_rbc_hpf": ("URBC", "Urine red cells (/hpf)"),
    "urine_wbc_hpf": ("UWBC", "Urine white cells (/hpf)"),
    "hemoglobin_g_dl": ("HGB", "Haemoglobin (g/dL)"),
    "platelets_10e9_l": ("PLAT", "Platelets (10^9/L)"),
    "neutrophils_10e9_l": ("NEUT", "Neutrophils (10^9/L)"),
    "lymphocytes_10e9_l": ("LYMPH", "Lymphocytes (10^9/L)"),
    "wbc_10e9_l": ("WBC", "White cells (10^9/L)"),
    "treg_pct": ("TREG", "Regulatory T cells (% of CD4+)"),
}
"""Visit variable → (PARAMCD, PARAM): PARAMCD at most 8 upper-case characters, PARAM in words
with its unit. Other variables get an upper-case PARAMCD from their name."""


def paramcd_of(variable: str) -> str:
    if variable in PARAMETERS:
        return PARAMETERS[variable][0]
    return "".join(ch for ch in variable.upper() if ch.isalnum())[:8]


def variable_of(paramcd: str) -> str | None:
    """The visit variable of a BDS PARAMCD (None if unknown)."""
    for var, (code, _) in PARAMETERS.items():
        if code == paramcd:
            return var
    return None


def derive_bds(
    trial: Trial,
    variables: Sequence[str] | None = None,
    schedule=None,
    *,
    study_id: str | None = None,
) -> pd.DataFrame:
    """The basic data structure (ADaM BDS) of visit measures: one row per subject, parameter and
    analysed visit with ``AVAL``, ``BASE``, ``CHG``, ``PCHG`` and the analysis flags.

    Parameters
    ----------
    trial : Trial
    variables : sequence of str, optional
        Visit columns (default: every numeric visit variable of :data:`PARAMETERS` the trial
        records).
    schedule : sequence of Window or AnalysisPlan, optional
        The visit windows (a plan gives its schedule).
    study_id : str, optional

    Returns
    -------
    DataFrame
        ``STUDYID, USUBJID, PARAMCD, PARAM, AVISIT, AVISITN, ADT, ADY, AVAL, BASE, CHG, PCHG,
        ABLFL, ANL01FL, ...``.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> plan = survlupus.load_plan("data/synthetic/musc/plan.toml")
    >>> bds = survlupus.derive_bds(trial, ["c3_g_l"], plan)
    >>> bds["PARAMCD"].unique().tolist(), len(bds)
    (['C3'], 1106)
    """
    if schedule is not None and hasattr(schedule, "schedule"):
        study_id = study_id or schedule.study.id
        schedule = schedule.schedule
    windows: Sequence[Window] = tuple(schedule or ())
    v = trial.visits
    if variables is None:
        variables = [c for c in PARAMETERS if c in v and v[c].notna().any()]
    absent = [c for c in variables if c not in v]
    if absent:
        known = ", ".join(c for c in PARAMETERS if c in v)
        raise ValueError(
            f"derive_bds: the visits table has no column {', '.join(absent)}; it has {known}"
        )
    w = assign_windows(v[["subject_id", "visit_date", *variables]], trial.subjects, windows)
    long = w.melt(
        id_vars=["subject_id", "visit_date", "ADY", "AVISIT", "AVISITN", "DIST"],
        value_vars=list(variables),
        var_name="variable",
        value_name="AVAL",
    )
    long["AVAL"] = pd.to_numeric(long["AVAL"].astype("Float64"), errors="coerce").astype(float)
    long = long[long["AVAL"].notna()]
    long = long.sort_values(["subject_id", "variable", "visit_date"], kind="stable")
    key = [long["subject_id"], long["variable"]]
    pre = long["ADY"] <= 1
    last_pre = pre & ~pre.groupby(key).shift(-1, fill_value=False).astype(bool)
    long["ABLFL"] = np.where(last_pre, "Y", "")
    base = long.loc[last_pre].set_index(["subject_id", "variable"])["AVAL"]
    long["BASE"] = pd.MultiIndex.from_arrays(key).map(base).to_numpy(float)
    long.loc[pre, "AVISIT"] = np.where(last_pre[pre], "BASELINE", "PRE-BASELINE")
    long.loc[pre, "AVISITN"] = 1.0
    scheduled = ~pre & long["AVISIT"].ne("UNSCHEDULED")
    ranked = long[scheduled].sort_values(
        ["subject_id", "variable", "AVISIT", "DIST", "visit_date"], kind="stable"
    )
    chosen = ranked.drop_duplicates(["subject_id", "variable", "AVISIT"]).index
    long["ANL01FL"] = np.where(last_pre | long.index.isin(chosen), "Y", "")
    post = ~pre
    long["CHG"] = np.where(post, long["AVAL"] - long["BASE"], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        long["PCHG"] = np.where(
            post & (long["BASE"] != 0), 100 * long["CHG"] / long["BASE"], np.nan
        )
    subj = trial.subjects.set_index("subject_id")
    sub = subj["subgroup"].fillna("") if "subgroup" in subj else pd.Series("", index=subj.index)
    out = pd.DataFrame(
        {
            "STUDYID": study_id
            or (str(trial.source).rstrip("/").split("/")[-1] if trial.source else ""),
            "USUBJID": long["subject_id"].to_numpy(),
            "PARAMCD": long["variable"].map(paramcd_of).to_numpy(),
            "PARAM": long["variable"].map(lambda c: PARAMETERS.get(c, (c, c))[1]).to_numpy(),
            "AVISIT": long["AVISIT"].to_numpy(),
            "AVISITN": long["AVISITN"].to_numpy(float),
            "ADT": long["visit_date"].to_numpy(),
            "ADY": long["ADY"].to_numpy(),
            "AVAL": long["AVAL"].to_numpy(),
            "BASE": long["BASE"].to_numpy(),
            "CHG": long["CHG"].to_numpy(),
            "PCHG": long["PCHG"].to_numpy(),
            "ABLFL": long["ABLFL"].to_numpy(),
            "ANL01FL": long["ANL01FL"].to_numpy(),
            "ARM": long["subject_id"].map(subj["arm"]).astype(str).to_numpy(),
            "SUBGROUP": long["subject_id"].map(sub).to_numpy(),
        }
    )
    return out.sort_values(["USUBJID", "PARAMCD", "ADT"], kind="stable").reset_index(drop=True)[
        BDS_COLUMNS
    ]
