"""Every definition in plain sentences, with its settings filled in: what ``describe()`` returns.

The page, the dataset metadata (``define.json``) and ``survlupus docs`` print these, so a reader
sees "creatinine at least 1.3 times the lowest value so far" rather than a repr. A sentence is
written from the definition's own fields, so a plan that changes a threshold changes the words.

>>> describe(RenalFlare(confirm_days=28))                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

SCOPES = {
    None: "all subjects",
    "nephritis": "the lupus nephritis subgroup",
    "cytopenia": "the lupus cytopenia subgroup",
}
WORDS = {
    "sledai2k": "SLEDAI-2K",
    "pga": "PGA",
    "creatinine_umol_l": "creatinine",
    "upcr_g_g": "UPCR",
}
RESPONDER_SCOPES = {"RenalResponse": "nephritis", "HaematologicImprovement": "cytopenia"}


def _g(x) -> str:
    return f"{x:g}" if isinstance(x, int | float) else str(x)


def _severe(d) -> str:
    g = d.include_sledai_above_12 and f" (g) SLEDAI-2K rising above {_g(d.sledai_above)};"
    escalation = (
        f"treatment escalation (prednisone-equivalent doubled and above "
        f"{_g(d.steroid_doubled_above_mg)} mg/day, above {_g(d.steroid_mg_per_kg_above)} "
        f"mg/kg/day, or an SLE hospitalisation) from {d.escalation_before_days} days before to "
        f"{d.escalation_after_days} days after the visit"
    )
    return (
        "The first severe flare of the modified SELENA-SLEDAI Flare Index: (a) a new CNS, "
        f"vasculitis, renal or myositis descriptor with {escalation}; (b) platelets newly below "
        f"{_g(d.platelets_below)} x10^9/L, haemoglobin newly below "
        f"{_g(d.hemoglobin_below_g_dl)} g/dL or fallen by more than "
        f"{_g(d.hemoglobin_fall_g_dl)} g/dL, with such escalation; (c) prednisone-equivalent "
        f"rising above {_g(d.steroid_mg_per_kg_above)} mg/kg/day; (d) a new immunosuppressant "
        f"({', '.join(d.immunosuppressants)}) or a hospitalisation for SLE; (e) PGA rising above "
        f"{_g(d.pga_above)}; (f) a severe flare recorded by the investigator;"
        + (g or "")
        + f" censored at the last visit with {' and '.join(WORDS.get(v, v) for v in d.adequacy)} recorded."
    )


def _renal_flare(d) -> str:
    confirm = (
        f" It must be confirmed at the next assessment within {d.confirm_days} days."
        if d.confirm_days
        else ""
    )
    return (
        "The first renal flare: nephritic (creatinine at least "
        f"{_g(d.creatinine_factor)} times the lowest value so far, with urine RBC above "
        f"{_g(d.rbc_active_hpf)}/hpf or cellular casts) or proteinuric (UPCR at least "
        f"{_g(d.upcr_factor)} times the lowest value so far and at least "
        f"{_g(d.upcr_floor_g_g)} g/g); the lowest value includes baseline." + confirm
    )


def _haem_flare(d) -> str:
    return (
        f"The first haematologic flare: platelets newly below {_g(d.platelets_below)} x10^9/L, "
        f"haemoglobin newly below {_g(d.hemoglobin_below_g_dl)} g/dL or fallen by at least "
        f"{_g(d.hemoglobin_fall_g_dl)} g/dL from the highest value so far, or neutrophils newly "
        f"below {_g(d.neutrophils_below)} x10^9/L (newly: the previous assessment did not meet it)."
    )


def _remission(d) -> str:
    upcr = " (UPCR where the 24-hour value is missing)" if d.upcr_when_24h_missing else ""
    return (
        "The first complete renal remission (a favourable event): creatinine below "
        f"{_g(d.creatinine_below_umol_l)} umol/L, proteinuria below "
        f"{_g(d.proteinuria_below_g)} g/24 h{upcr}, urine RBC at most {_g(d.rbc_max_hpf)}/hpf "
        "and no cellular casts, at one visit."
    )


def _failure(d) -> str:
    names = ", ".join(c.param.split(" (")[0].removeprefix("Time to ") for c in d.components)
    return (
        f"Treatment failure: the earliest of {names}; censored at the last visit with creatinine "
        "and UPCR recorded."
    )


def _taper(d) -> str:
    return (
        f"Responder when the prednisone-equivalent dose is at most {_g(d.max_mg)} mg/day on every "
        f"day from study day {d.from_day} to day {d.to_day} (assessed at {d.visit}); a subject "
        "followed for less is missing."
    )


def _haem_imp(d) -> str:
    return (
        f"Responder at {d.visit} with haemoglobin up by at least {_g(d.hb_rise)} g/dL, or "
        f"neutrophils up by {_g(d.neut_rise_pct)} % and {_g(d.neut_rise_abs)} x10^9/L, or "
        f"platelets up by {_g(d.plt_rise_high)} x10^9/L (baseline above {_g(d.plt_cut)}) or by "
        f"{_g(d.plt_rise_low)} x10^9/L and {_g(d.plt_rise_low_pct)} % (baseline at most "
        f"{_g(d.plt_cut)}), without rescue therapy before."
    )


def _renal_resp(d) -> str:
    return (
        f"Responder at {d.visit} with UPCR at most {_g(d.upcr_max)} g/g; eGFR at least "
        f"{_g(d.egfr_min)} mL/min or no confirmed fall of more than {_g(d.egfr_fall_pct)} % from "
        f"baseline; no rescue therapy; and no run of {d.run_days} or more days above "
        f"{_g(d.steroid_max)} mg/day prednisone-equivalent in study days {d.run_from}-{d.run_to}."
    )


def _lldas(d) -> str:
    return (
        f"Lupus Low Disease Activity State at {d.visit}: SLEDAI-2K at most {_g(d.sledai_max)} "
        "without renal, CNS, cardiopulmonary, vasculitis or fever activity or haemolysis, no "
        f"activity new since the previous assessment, PGA at most {_g(d.pga_max)}, and "
        f"prednisone-equivalent at most {_g(d.steroid_max)} mg/day."
    )


def _sri(d) -> str:
    return (
        f"SLE Responder Index {d.k} at {d.visit}, among subjects with baseline SLEDAI-2K of at "
        f"least {d.k}: SLEDAI-2K reduced by at least {d.k}, no new BILAG-2004 A and at most one "
        f"new B domain, and PGA risen by less than {_g(d.pga_rise_max)}."
    )


SENTENCES: dict[str, Callable] = {
    "SevereFlare": _severe,
    "RenalFlare": _renal_flare,
    "HaematologicFlare": _haem_flare,
    "CompleteRenalRemission": _remission,
    "Death": lambda d: "Death from any cause, from the events table.",
    "RescueTherapy": lambda d: "The first rescue therapy, from the events table.",
    "EndStageRenalDisease": lambda d: (
        f"End-stage renal disease: chronic dialysis (at least {d.min_dialysis_days} days, or "
        "still ongoing at last contact after that long) or a kidney transplant, dated at its start."
    ),
    "CreatinineDoubling": lambda d: (
        f"Sustained doubling of creatinine: at least {_g(d.factor)} times baseline at a visit and "
        f"at every assessment until one at least {d.sustain_days} days later; dated at the first."
    ),
    "ExtrarenalFlare": lambda d: (
        "The first extrarenal flare: a severe flare by any criterion other than a new renal "
        "descriptor, or a BILAG-2004 grade A newly present in a non-renal domain."
    ),
    "TreatmentFailure": _failure,
    "SteroidTaper": _taper,
    "HaematologicImprovement": _haem_imp,
    "RenalResponse": _renal_resp,
    "LowDiseaseActivity": _lldas,
    "SledaiReduction": lambda d: (
        f"Responder at {d.visit} when SLEDAI-2K is at least {d.k} points below baseline."
    ),
    "SRI": _sri,
}


def describe(definition) -> str:
    """The definition in sentences: its rule with the thresholds, population and source.

    Examples
    --------
    >>> import survlupus
    >>> describe(survlupus.RenalFlare(creatinine_factor=1.25)).split(":")[1][:52]
    ' nephritic (creatinine at least 1.25 times the lowes'
    """
    kind = type(definition).__name__
    rule = SENTENCES[kind](definition) if kind in SENTENCES else definition.param
    scope = getattr(definition, "scope", RESPONDER_SCOPES.get(kind))
    population = SCOPES.get(scope, f"the {scope} subgroup")
    missing = (
        " A missing value is carried forward from the previous assessment."
        if getattr(definition, "missing", "skip") == "carry_forward"
        else ""
    )
    return f"{rule}{missing} Population: {population}. Source: {definition.citation}."
