"""The seed trial's outcome measures (``shared/seeds/cs20at04-phase2a-outcomes.txt``) as one
table: each outcome with its time frame, the survlupus parameter(s) and definition that implement
it, and its result on a trial.

>>> outcome_measures(survlupus.read_trial("data/synthetic/cs20at04"))     # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survlupus.endpoints.adtte import default_endpoints, derive_adtte
from survlupus.endpoints.change import change_from_baseline, summarise_change
from survlupus.endpoints.responders import default_responders, derive_responders
from survlupus.stats.km import kaplan_meier
from survlupus.stats.proportions import clopper_pearson
from survlupus.trial.model import Trial


@dataclass(frozen=True)
class Outcome:
    title: str
    kind: str  # "responder", "tte", "change"
    codes: tuple[str, ...]
    subgroup: str = "all"
    time_frame: str = "24 weeks"
    primary: bool = False


SEED_OUTCOMES = (
    Outcome(
        "Reduction of corticosteroid dose to <= 7.5 mg/day prednisone-equivalent at week 4, "
        "continued through week 12",
        "responder",
        ("STER4W12",),
        primary=True,
    ),
    Outcome(
        "Hematologic improvement without ongoing SLE treatment",
        "responder",
        ("HEMIMP24",),
        "cytopenia",
    ),
    Outcome("Renal response", "responder", ("RENRSP24",), "nephritis"),
    Outcome(
        "Prednisone <= 7.5 mg/day by week 12 and maintained from week 12 to 24",
        "responder",
        ("STER1224",),
        time_frame="12 and 24 weeks",
    ),
    Outcome("Low Lupus Disease Activity State (LLDAS) at week 24", "responder", ("LLDAS24",)),
    Outcome(">= 4 point reduction from baseline in SLEDAI-2K", "responder", ("SLED4R24",)),
    Outcome("SRI-4 among subjects with baseline SLEDAI-2K >= 4", "responder", ("SRI4_24",)),
    Outcome("SRI-5 among subjects with baseline SLEDAI-2K >= 5", "responder", ("SRI5_24",)),
    Outcome("SRI-6 among subjects with baseline SLEDAI-2K >= 6", "responder", ("SRI6_24",)),
    Outcome("Time to first severe modified SFI flare", "tte", ("TTSFLR",)),
    Outcome(
        "Change from baseline of hematologic parameters (WBC, platelets, haemoglobin) at "
        "D3, W1, W4, W12, W24",
        "change",
        ("wbc_10e9_l", "platelets_10e9_l", "hemoglobin_g_dl"),
        "cytopenia",
        "3 days to 24 weeks",
    ),
    Outcome("Time to first hematologic flare", "tte", ("TTHFLR",), "cytopenia"),
    Outcome(
        "Change from baseline of renal function parameters (creatinine, eGFR, UPCR)",
        "change",
        ("creatinine_umol_l", "egfr_ml_min", "upcr_g_g"),
        "nephritis",
    ),
    Outcome(
        "Time to each component of treatment failure (death, ESRD, sustained doubling of "
        "serum creatinine, renal flare, extrarenal flare, rescue therapy) and to the "
        "composite",
        "tte",
        ("TTDTH", "TTESRD", "TTDSCR", "TTRFLR", "TTEXFLR", "TTRESC", "TTTF"),
        "nephritis",
    ),
    Outcome("Time to complete remission", "tte", ("TTCR",), "nephritis"),
    Outcome("Time to first renal flare", "tte", ("TTRFLR",), "nephritis"),
)


def _definitions() -> dict[str, str]:
    out = {e.paramcd: e.describe() for e in default_endpoints()}
    for d in default_responders():
        code = d.paramcd if hasattr(d, "paramcd") else None
        doc = (type(d).__doc__ or "").strip().replace("\n", " ")
        if code is None:  # visit-based definitions name their code from the visit
            code = {
                "HaematologicImprovement": "HEMIMP24",
                "RenalResponse": "RENRSP24",
                "LowDiseaseActivity": "LLDAS24",
            }.get(type(d).__name__)
            if type(d).__name__ == "SledaiReduction":
                code = f"SLED{d.k}R24"
            if type(d).__name__ == "SRI":
                code = f"SRI{d.k}_24"
        out[code] = f"{type(d).__name__}: {doc} Source: {d.citation}"
    return out


def _responder_text(r: pd.DataFrame) -> tuple[int, int, float, float, str]:
    k, n = int((r["AVALC"] == "Y").sum()), int(r["AVALC"].isin(["Y", "N"]).sum())
    lo, hi = clopper_pearson(k, n)
    text = (
        f"{k}/{n} ({100 * k / n:.0f}%; 95% CI {100 * lo:.0f}-{100 * hi:.0f}%)"
        if n
        else "no eligible subject"
    )
    return k, n, lo, hi, text


def _tte_text(adtte: pd.DataFrame, code: str, day: int) -> tuple[int, int, float, str]:
    a = adtte[adtte["PARAMCD"] == code]
    km = kaplan_meier(a, code)
    at = km.at([day]).iloc[0]
    med = km.median().iloc[0]
    ev = int((a["CNSR"] == 0).sum())
    median = "NE" if np.isnan(med["estimate"]) else f"{med['estimate']:.0f} days"
    return (
        ev,
        len(a),
        1 - at["survival"],
        (
            f"{ev}/{len(a)} events; KM probability by day {day}: "
            f"{100 * (1 - at['survival']):.0f}%; median {median}"
        ),
    )


def _per_arm(frame: pd.DataFrame, text_of) -> str:
    arms = sorted(frame["ARM"].unique(), key=str)
    if len(arms) == 1:
        return text_of(frame)
    return "; ".join(f"{arm}: {text_of(frame[frame['ARM'] == arm])}" for arm in arms)


def outcome_measures(
    trial: Trial,
    adtte: pd.DataFrame | None = None,
    responders: pd.DataFrame | None = None,
    day: int = 169,
) -> pd.DataFrame:
    """One row per seed outcome measure (and per parameter for multi-parameter outcomes); the
    result is given per arm when the trial has several arms (Clopper-Pearson CIs for
    proportions; Kaplan-Meier for times to event)."""
    adtte = derive_adtte(trial) if adtte is None else adtte
    responders = derive_responders(trial) if responders is None else responders
    defs = _definitions()
    rows = []
    for i, o in enumerate(SEED_OUTCOMES, start=1):
        base = {
            "number": i,
            "outcome": o.title,
            "primary": o.primary,
            "subgroup": o.subgroup,
            "time_frame": o.time_frame,
        }
        if o.kind == "change":
            ch = change_from_baseline(
                trial, o.codes, subgroup=o.subgroup if o.subgroup != "all" else None
            )
            w24 = summarise_change(ch)
            w24 = w24[w24["AVISIT"] == "W24"]
            text = (
                "; ".join(
                    f"{r.ARM} {r.PARAMCD} W24: {r.mean:+.2f} (SD {r.sd:.2f}, n={r.n})"
                    if r.n
                    else f"{r.ARM} {r.PARAMCD} W24: no data"
                    for r in w24.itertuples()
                )
                or "no subject in scope"
            )
            rows.append(
                {
                    **base,
                    "PARAMCD": ", ".join(o.codes),
                    "definition": "change from baseline (survlupus.endpoints.change); the "
                    "full visit-by-visit table is in the report",
                    "N": int(ch["USUBJID"].nunique()),
                    "result": text,
                }
            )
            continue
        for code in o.codes:
            row = {**base, "PARAMCD": code, "definition": defs.get(code, "")}
            if o.kind == "responder":
                r = responders[(responders["PARAMCD"] == code) & (responders["ELIGFL"] == "Y")]
                k, n, lo, hi, _ = _responder_text(r)
                row.update(
                    N=n,
                    responders=k,
                    estimate=k / n if n else np.nan,
                    lower=lo,
                    upper=hi,
                    result=_per_arm(r, lambda f: _responder_text(f)[4])
                    + (" (Clopper-Pearson)" if n else ""),
                )
            elif (adtte["PARAMCD"] == code).any():
                a = adtte[adtte["PARAMCD"] == code]
                ev, n, est, _ = _tte_text(a, code, day)
                row.update(
                    N=n,
                    events=ev,
                    estimate=est,
                    result=_per_arm(a, lambda f, c=code: _tte_text(f, c, day)[3]),
                )
            else:
                row.update(N=0, result="no subject in scope")
            rows.append(row)
    return pd.DataFrame(rows)
