"""The generic plan: what survlupus analyses when a trial folder has no ``plan.toml``.

Inferred from the data, and said so on the report's first lines:

* **study**: id = the folder name; arms = ``subjects.arm`` (sorted); controlled when there are two
  or more arms, with the reference arm the one named like a placebo or control (``placebo``,
  ``control``, ``standard of care``, ``soc``), else the first arm in sort order (a note says so);
* **populations**: all treated subjects, and one per ``subjects.subgroup`` value;
* **schedule**: one visit per ``visits.visit`` label seen after day 1 (screening, day 1 and
  unscheduled labels left out), at the median study day of its records, with a window of ±7 days
  narrowed to half the distance to a neighbouring visit (at least ±1);
* **window**: the last scheduled visit's day plus its window (183 days when no label is usable);
* **outcomes**: every derivable time-to-event parameter (renal ones in the nephritis population,
  haematologic in the cytopenia one, where those subgroups exist), every responder rule at the
  last scheduled visit, and the change from baseline of haematology and renal function at every
  scheduled visit; landmarks at the middle and the last scheduled visit.

>>> plan = generic_plan(survlupus.read_trial("my_trial/"))     # doctest: +SKIP
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from survlupus.clinical.windows import Window
from survlupus.derive.tte.adtte import default_endpoints
from survlupus.plan.library import RESPONDER_LIBRARY, SUBGROUP_OF
from survlupus.plan.model import AnalysisPlan, Figures, Outcome, Population, Study
from survlupus.trial.model import Trial

CONTROL = re.compile(r"placebo|control|standard of care|\bsoc\b", re.IGNORECASE)
NOT_SCHEDULED = {"SCR", "SCREENING", "D1", "DAY1", "BASELINE", "UNS", "UNSCHEDULED", ""}
CHANGE_VARIABLES = {
    "all": ("hemoglobin_g_dl", "wbc_10e9_l", "platelets_10e9_l"),
    "renal": ("creatinine_umol_l", "egfr_ml_min", "upcr_g_g"),
}
TRAJECTORIES = (
    "creatinine_umol_l",
    "upcr_g_g",
    "platelets_10e9_l",
    "hemoglobin_g_dl",
    "sledai2k",
    "pred_eq_mg_day",
)


def infer_schedule(trial: Trial) -> tuple[Window, ...]:
    """Nominal visits from the ``visits.visit`` labels (see the module docstring)."""
    v = trial.visits
    if "visit" not in v or v.empty:
        return ()
    start = v["subject_id"].map(trial.subjects.set_index("subject_id")["start_date"])
    day = (v["visit_date"] - start).dt.days + 1
    label = v["visit"].fillna("").astype(str)
    keep = (day > 1) & ~label.str.upper().isin(NOT_SCHEDULED)
    days = day[keep].groupby(label[keep]).median().round().astype(int).sort_values(kind="stable")
    days = days[~days.duplicated()]
    labels, nominal = days.index.tolist(), days.to_numpy()
    gaps = np.diff(nominal)
    out = []
    for i, (lab, d) in enumerate(zip(labels, nominal, strict=True)):
        before = min(7, max(1, (gaps[i - 1] - 1) // 2)) if i > 0 else 7
        after = min(7, max(1, (gaps[i] - 1) // 2)) if i < len(gaps) else 7
        out.append(Window(str(lab), int(d), int(before), int(after)))
    return tuple(out)


def _reference(arms: list[str]) -> tuple[str | None, list[str]]:
    if len(arms) < 2:
        return None, []
    named = [a for a in arms if CONTROL.search(a)]
    if named:
        return named[0], []
    return arms[0], [
        f"no arm is named like a control; {arms[0]!r} (first in order) is the reference"
    ]


def generic_plan(trial: Trial, study_id: str | None = None) -> AnalysisPlan:
    """A plan inferred from the data for a trial folder without ``plan.toml``: its arms (a placebo
    or control arm as the reference), a schedule from the visit labels, every endpoint the data
    support; ``generic`` is True and the report says so.

    Parameters
    ----------
    trial : Trial
    study_id : str, optional

    Returns
    -------
    AnalysisPlan

    Examples
    --------
    >>> plan = survlupus.generic_plan(survlupus.read_trial("data/synthetic/musc"))
    >>> plan.generic, plan.study.reference_arm
    (True, 'Placebo')
    """
    arms = sorted(trial.subjects["arm"].astype(str).unique())
    ref, notes = _reference(arms)
    subgroups = sorted(trial.subjects.get("subgroup", pd.Series(dtype=str)).dropna().unique())
    pops = (
        Population("all", "All treated subjects"),
        *tuple(Population(str(g), f"Subgroup: {g}", str(g)) for g in subgroups),
    )
    schedule = infer_schedule(trial)
    window = schedule[-1].day + schedule[-1].after if schedule else 183
    last = schedule[-1].label if schedule else "W24"
    outcomes: list[Outcome] = []
    for e in default_endpoints():
        pop = e.scope
        outcomes.append(
            Outcome(
                len(outcomes) + 1,
                e.param or e.paramcd,
                "tte",
                (e.paramcd,),
                time_frame=f"{window} days",
                population=pop if pop in subgroups else "all",
                competing="TTDTH" if e.paramcd == "TTRFLR" else None,
            )
        )
    for name in RESPONDER_LIBRARY:
        pop = SUBGROUP_OF.get(name)
        outcomes.append(
            Outcome(
                len(outcomes) + 1,
                f"{name} response at {last}",
                "responder",
                (name,),
                time_frame=last,
                population=pop if pop in subgroups else "all",
                visit=last,
            )
        )
    labels = tuple(w.label for w in schedule)
    if labels:
        for key, variables in CHANGE_VARIABLES.items():
            pop = "nephritis" if key == "renal" and "nephritis" in subgroups else "all"
            outcomes.append(
                Outcome(
                    len(outcomes) + 1,
                    f"Change from baseline ({', '.join(variables)})",
                    "change",
                    variables,
                    time_frame=", ".join(labels),
                    population=pop,
                    visits=labels,
                )
            )
    if len(trial.adverse_events):
        outcomes.append(
            Outcome(
                len(outcomes) + 1,
                "Adverse events",
                "safety",
                ("overview", "terms", "max_grade", "rates", "serious_listing"),
                time_frame=f"{window} days",
            )
        )
        outcomes.append(
            Outcome(
                len(outcomes) + 1,
                "Time to first adverse event",
                "ae_time",
                ("any", "serious"),
                time_frame=f"{window} days",
            )
        )
    landmarks = (
        tuple(sorted({schedule[len(schedule) // 2].day, schedule[-1].day}))
        if schedule
        else (85, 169)
    )
    name = study_id or Path(str(trial.source or "trial")).name or "trial"
    notes = [
        "generic plan inferred from the data (no plan.toml in the trial folder): arms from "
        "subjects.arm, visits from visits.visit, window = the last visit + its tolerance, "
        "every derivable endpoint",
        *notes,
    ]
    return AnalysisPlan(
        study=Study(
            name,
            f"{name}: generic analysis",
            "controlled" if ref else "single-arm",
            tuple(arms),
            ref,
        ),
        populations=pops,
        schedule=schedule,
        windows=(("efficacy", int(window)),),
        outcomes=tuple(outcomes),
        landmark_days=landmarks,
        figures=Figures(trajectories=TRAJECTORIES),
        generic=True,
        notes=tuple(notes),
    )
