"""Visit values and steroid regimens of a synthetic subject.

Trajectories are built to stay clear of every default rule threshold unless an event is planted:
creatinine moves by at most a few per cent between visits (a renal flare needs +30 %); UPCR never
falls below 0.6 g/g before a remission (remission needs < 0.3); platelets, haemoglobin and
neutrophils of improving subjects never fall (a running maximum), and stable ones stay on their
side of 60×10⁹/L, 7 g/dL and 1.0×10⁹/L; PGA stays at or below 2.3 (a severe flare needs > 2.5);
CNS, vasculitis and myositis descriptors are never present; steroid doses only fall, except planted
bursts and short +2.5 mg excursions that never double the dose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from survlupus.synthetic.measures import FULL_SEROLOGY_EFFECT
from survlupus.trial.schema import BILAG_DOMAINS, SLEDAI_DESCRIPTORS, SLEDAI_WEIGHTS

if TYPE_CHECKING:
    from survlupus.synthetic.designs import Design
    from survlupus.synthetic.generate import SubjectState

CLINICAL = {
    "sledai_arthritis": 0.5,
    "sledai_rash": 0.5,
    "sledai_alopecia": 0.3,
    "sledai_mucosal_ulcers": 0.2,
    "sledai_pleurisy": 0.1,
    "sledai_fever": 0.05,
}


def _noise(rng: np.random.Generator, n: int, pct: float) -> np.ndarray:
    return 1.0 + rng.uniform(-pct, pct, n)


def _onsets(s: SubjectState, kind: str) -> list[tuple[int, dict]]:
    out = []
    for e in s.planted:
        if e["event"] == kind:
            k = s.first_visit_at(e["onset_day"])
            if k is not None:
                out.append((k, e))
    return out


VISIT_MEASURES = (
    "creatinine_umol_l",
    "upcr_g_g",
    "proteinuria_g_24h",
    "urine_rbc_hpf",
    "urine_wbc_hpf",
    "cellular_casts",
    "hemoglobin_g_dl",
    "platelets_10e9_l",
    "neutrophils_10e9_l",
    "lymphocytes_10e9_l",
    "wbc_10e9_l",
    "reticulocytes_pct",
    "hemolysis",
    "c3_g_l",
    "c4_g_l",
    "anti_dsdna_iu_ml",
)
"""The measured columns of ``visits.csv``, in the contract's order (extra measures follow)."""

URINE_SEDIMENT = (
    "urine_rbc_hpf",
    "urine_wbc_hpf",
    "cellular_casts",
    "sledai_hematuria",
    "sledai_pyuria",
    "sledai_urinary_casts",
)
"""Columns left empty (object, ``None``) at a visit without urine sediment."""

_WEIGHTS = np.array([SLEDAI_WEIGHTS[d] for d in SLEDAI_DESCRIPTORS], dtype=float)


def visit_values(design: Design, s: SubjectState) -> dict[str, np.ndarray]:
    """One subject's visit columns (``visit_day``, ``visit``, measures, SLEDAI-2K, PGA, BILAG)
    as arrays in the table's column order; the table is assembled once for all subjects."""
    rng = s.rng
    improving = s.plan.course in ("improve", "remission", "partial")
    r = np.clip(np.maximum(s.days, 0) / rng.uniform(84, 150), 0, 1)
    cols: dict[str, np.ndarray] = {}
    cols.update(_renal(s, r))
    cols.update(_haematology(s, r))
    effect = design.serology_effect.get(s.plan.arm.label, 0.0)
    cols.update(_serology(s, r if improving else 0.3 * r, effect * r))
    cols.update(_clinical(s, improving, effect))
    _flare_overlays(s, cols)
    desc = _descriptors(cols)
    out: dict[str, np.ndarray] = {"visit_day": s.days, "visit": np.array(s.labels, dtype=object)}
    n = len(s.days)
    for name in VISIT_MEASURES:  # a constant measure may be drawn as one number
        out[name] = cols[name] if np.ndim(cols[name]) else np.full(n, cols[name])
    mat = np.column_stack([desc[d].astype(float) for d in SLEDAI_DESCRIPTORS])
    out["sledai2k"] = mat @ _WEIGHTS  # NaN where any descriptor is unassessed
    if design.write_descriptors:
        out.update((d, desc[d]) for d in SLEDAI_DESCRIPTORS)
    out["pga"] = cols["pga"]
    out.update((dom, cols[dom]) for dom in BILAG_DOMAINS)
    on_24h = np.isin(out["visit"], list(design.proteinuria_24h_visits))
    out["proteinuria_g_24h"] = np.where(on_24h, out["proteinuria_g_24h"], np.nan)
    _partial_missing(s, out)
    return out


def _renal(s: SubjectState, r: np.ndarray) -> dict[str, np.ndarray]:
    rng, n, days = s.rng, len(s.days), s.days
    if s.plan.subgroup != "nephritis":
        creat = rng.uniform(55, 85) * _noise(rng, n, 0.03)
        upcr = rng.uniform(0.05, 0.15, n)
        rbc = rng.integers(0, 4, n).astype(float)
        wbc = rng.integers(0, 4, n).astype(float)
        casts = np.zeros(n, dtype=object)
        casts[:] = False
    else:
        c0, u0 = rng.uniform(115, 220), rng.uniform(1.2, 4.0)
        rbc = rng.integers(12, 41, n).astype(float)
        wbc = (rng.integers(8, 21, n) if rng.random() < 0.4 else rng.integers(0, 5, n)).astype(
            float
        )
        casts = np.zeros(n, dtype=object)
        casts[:] = False
        casts[days <= 1] = bool(rng.random() < 0.3)
        remission = _onsets(s, "complete_remission")
        floor_mask = np.ones(n, bool)
        if remission:
            k = remission[0][0]
            frac = np.clip(np.maximum(days, 0) / max(days[k], 1), 0, 1)
            creat = c0 + (rng.uniform(70, 95) - c0) * frac
            upcr = u0 * np.exp(-1.5 * frac)
            after = np.arange(n) >= k
            floor_mask = ~after
            upcr[after] = rng.uniform(0.08, 0.25, after.sum())
            rbc[after] = rng.integers(0, 4, after.sum())
            wbc[after] = rng.integers(0, 4, after.sum())
            casts[after] = False
        else:
            creat = c0 * (1 - 0.10 * r)
            upcr = u0 * (1 - 0.45 * r)
        creat = creat * _noise(rng, n, 0.02)
        upcr = upcr * _noise(rng, n, 0.05)
        upcr[floor_mask] = np.maximum(upcr[floor_mask], 0.6)
    return {
        "creatinine_umol_l": np.round(creat),
        "upcr_g_g": np.round(upcr, 2),
        "proteinuria_g_24h": np.round(upcr * rng.uniform(0.92, 1.08, n), 2),
        "urine_rbc_hpf": rbc,
        "urine_wbc_hpf": wbc,
        "cellular_casts": casts,
    }


def _rising(rng, n, r, start, target, pct, improving) -> np.ndarray:
    trend = start + (target - start) * (r if improving else 0.0)
    vals = trend * _noise(rng, n, pct)
    return np.maximum.accumulate(vals) if improving else vals


def _haematology(s: SubjectState, r: np.ndarray) -> dict[str, np.ndarray]:
    rng, n = s.rng, len(s.days)
    ctype = s.plan.cytopenia_type if s.plan.subgroup == "cytopenia" else ""
    imp = s.plan.course == "improve"
    if ctype == "thrombo_severe":
        p0 = rng.uniform(8, 19)
        plt = _rising(rng, n, r, p0, p0 + rng.uniform(30, 80), 0.08, imp)
        plt = plt if imp else np.minimum(plt, 45)
    elif ctype == "thrombo_moderate":
        plt = _rising(rng, n, r, rng.uniform(70, 92), rng.uniform(130, 200), 0.04, imp)
    else:
        plt = rng.uniform(160, 320) * _noise(rng, n, 0.05)
    if ctype == "haemolytic":
        h0 = rng.uniform(7.6, 9.4)
        hb = _rising(rng, n, r, h0, h0 + rng.uniform(1.8, 3.2), 0.02, imp)
    else:
        hb = rng.uniform(10.8, 13.5) * _noise(rng, n, 0.02)
    if ctype == "neutropenic":
        neut = _rising(rng, n, r, rng.uniform(0.55, 0.85), rng.uniform(1.6, 2.5), 0.05, imp)
    else:
        neut = rng.uniform(2.2, 5.0) * _noise(rng, n, 0.08)
    lymph = rng.uniform(0.7, 1.8) * _noise(rng, n, 0.10)
    wbc = neut + lymph + rng.uniform(0.3, 0.6, n)
    retic = (
        rng.uniform(3, 8) * (1 - 0.6 * (r if imp else 0))
        if ctype == "haemolytic"
        else rng.uniform(0.5, 1.8) * _noise(rng, n, 0.1)
    )
    hb = np.round(hb, 1)
    return {
        "hemoglobin_g_dl": hb,
        "platelets_10e9_l": np.round(plt),
        "neutrophils_10e9_l": np.round(neut, 2),
        "lymphocytes_10e9_l": np.round(lymph, 2),
        "wbc_10e9_l": np.round(wbc, 2),
        "reticulocytes_pct": np.round(retic, 1),
        "hemolysis": np.array([ctype == "haemolytic" and h < 10 for h in hb], dtype=object),
    }


def _serology(s: SubjectState, r: np.ndarray, arm: np.ndarray) -> dict[str, np.ndarray]:
    """``arm``: the planted arm effect reached at each visit (0 on placebo)."""
    rng, n = s.rng, len(s.days)
    full = FULL_SEROLOGY_EFFECT
    c3 = rng.uniform(0.45, 0.8) + rng.uniform(0.3, 0.5) * r + full["c3_g_l"] * arm
    c4 = rng.uniform(0.04, 0.09) + rng.uniform(0.05, 0.15) * r + full["c4_g_l"] * arm
    dsdna = rng.uniform(60, 400) * (1 - 0.7 * r) * (1 + full["anti_dsdna_iu_ml"] * arm)
    return {
        "c3_g_l": np.round(c3 * _noise(rng, n, 0.05), 2),
        "c4_g_l": np.round(c4 * _noise(rng, n, 0.05), 3),
        "anti_dsdna_iu_ml": np.round(dsdna * _noise(rng, n, 0.1)),
    }


def _clinical(s: SubjectState, improving: bool, effect: float = 0.0) -> dict[str, np.ndarray]:
    rng, n, days = s.rng, len(s.days), s.days
    out: dict[str, np.ndarray] = {}
    for name, prob in CLINICAL.items():
        if rng.random() < prob:
            resolve = rng.uniform(15, 200) if improving else rng.uniform(60, 500)
            out[name] = days < resolve
        else:
            out[name] = np.zeros(n, bool)
    p0 = rng.uniform(1.3, 2.1)
    target = rng.uniform(0.2, 0.8) if improving else p0 - 0.2
    r = np.clip(np.maximum(days, 0) / 120.0, 0, 1)
    out["pga"] = p0 + (target - p0) * r + rng.uniform(-0.1, 0.1, n)
    if effect:
        ramp = np.clip(np.maximum(days, 0) / 150.0, 0, 1)
        out["pga"] = np.maximum(out["pga"] + FULL_SEROLOGY_EFFECT["pga"] * effect * ramp, 0.0)
    return out


def _flare_overlays(s: SubjectState, cols: dict[str, np.ndarray]) -> None:
    rng, n = s.rng, len(s.days)
    creat, upcr, rbc = cols["creatinine_umol_l"], cols["upcr_g_g"], cols["urine_rbc_hpf"]
    for k, _ in _onsets(s, "renal_flare"):
        for j in range(k, min(k + 2, n)):
            creat[j] = np.round(creat[:j].min() * rng.uniform(1.45, 1.6))
            rbc[j] = rng.integers(20, 46)
    for k, _ in _onsets(s, "proteinuric_flare"):
        for j in range(k, min(k + 2, n)):
            upcr[j] = np.round(max(2 * upcr[:j].min(), 1.0) * rng.uniform(1.25, 1.5), 2)
    for k, _ in _onsets(s, "creatinine_doubling"):
        base = creat[s.days <= 1][-1]
        creat[k:] = np.round(base * rng.uniform(2.2, 2.8, n - k))
        tx = [e["onset_day"] for e in s.planted if e["event"] == "kidney_transplant"]
        if tx:
            after = s.days >= tx[0]
            creat[after] = np.round(rng.uniform(100, 130) * _noise(rng, int(after.sum()), 0.02))
    hb, plt = cols["hemoglobin_g_dl"], cols["platelets_10e9_l"]
    for k, e in _onsets(s, "haematologic_flare"):
        for j in range(k, min(k + 2, n)):
            if e["detail"] == "platelets":
                plt[j] = np.round(rng.uniform(28, 50))
            else:
                hb[j] = np.round(max(hb[:j].max() - rng.uniform(3.3, 3.8), 5.0), 1)
    pga = cols["pga"]
    pga[:] = np.clip(pga, 0, 2.3)
    bilag = _bilag(s, cols)
    for k, _ in _onsets(s, "mild_flare"):
        cols["sledai_rash"][k] = cols["sledai_arthritis"][k] = True
        pga[k] = min(pga[k] + 0.3, 2.3)
        bilag["bilag_mucocutaneous"][k] = "B"
    for k, e in _onsets(s, "severe_flare"):
        cols["sledai_arthritis"][k] = cols["sledai_rash"][k] = True
        if e["detail"] == "pga":
            pga[k] = rng.uniform(2.6, 3.0)
        domain = {"pga": "bilag_mucocutaneous", "hospitalization": "bilag_cardiorespiratory"}.get(
            e["detail"], "bilag_musculoskeletal"
        )
        if e["detail"] == "hospitalization":
            cols["sledai_pleurisy"][k] = True
        bilag[domain][k] = "A"
    cols["pga"] = np.round(pga, 1)
    cols.update(bilag)


def _bilag(s: SubjectState, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = len(s.days)

    def grade(active: np.ndarray, when_active: str, ever: bool) -> np.ndarray:
        return np.where(active, when_active, "D" if ever else "E").astype(object)

    rash = cols["sledai_rash"] | cols["sledai_alopecia"] | cols["sledai_mucosal_ulcers"]
    out = {
        "bilag_constitutional": grade(cols["sledai_fever"], "C", bool(cols["sledai_fever"].any())),
        "bilag_mucocutaneous": grade(rash, "B", bool(rash.any())),
        "bilag_neuropsychiatric": np.full(n, "E", dtype=object),
        "bilag_musculoskeletal": grade(
            cols["sledai_arthritis"], "B", bool(cols["sledai_arthritis"].any())
        ),
        "bilag_cardiorespiratory": grade(
            cols["sledai_pleurisy"], "B", bool(cols["sledai_pleurisy"].any())
        ),
        "bilag_gastrointestinal": np.full(n, "E", dtype=object),
        "bilag_ophthalmic": np.full(n, "E", dtype=object),
    }
    if s.plan.subgroup == "nephritis":
        u = cols["upcr_g_g"]
        out["bilag_renal"] = np.select([u >= 1.0, u > 0.5], ["A", "B"], "D").astype(object)
    else:
        out["bilag_renal"] = np.full(n, "E", dtype=object)
    if s.plan.subgroup == "cytopenia":
        low = (
            (cols["platelets_10e9_l"] < 50)
            | (cols["hemoglobin_g_dl"] < 8)
            | (cols["neutrophils_10e9_l"] < 1.0)
        )
        out["bilag_haematological"] = np.where(low, "B", "C").astype(object)
    else:
        out["bilag_haematological"] = np.full(n, "E", dtype=object)
    return out


def _descriptors(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = len(cols["creatinine_umol_l"])
    desc = {d: np.zeros(n, dtype=object) for d in SLEDAI_DESCRIPTORS}
    for d in desc:
        desc[d][:] = False
    for name in CLINICAL:
        desc[name] = cols[name].astype(object)
    desc["sledai_urinary_casts"] = cols["cellular_casts"].astype(object)
    desc["sledai_hematuria"] = (cols["urine_rbc_hpf"] > 5).astype(object)
    desc["sledai_proteinuria"] = (cols["upcr_g_g"] > 0.5).astype(object)
    desc["sledai_pyuria"] = (cols["urine_wbc_hpf"] > 5).astype(object)
    desc["sledai_low_complement"] = ((cols["c3_g_l"] < 0.9) | (cols["c4_g_l"] < 0.1)).astype(object)
    desc["sledai_dna_binding"] = (cols["anti_dsdna_iu_ml"] > 30).astype(object)
    desc["sledai_thrombocytopenia"] = (cols["platelets_10e9_l"] < 100).astype(object)
    desc["sledai_leukopenia"] = (cols["wbc_10e9_l"] < 3.0).astype(object)
    return desc


def _partial_missing(s: SubjectState, cols: dict[str, np.ndarray]) -> None:
    """A few post-baseline visits without urine sediment or without PGA (never a planted one)."""
    rng, n = s.rng, len(s.days)
    eligible = s.days > 1
    eligible[list(s.protected)] = False
    no_urine = eligible & (rng.random(n) < 0.03)
    no_pga = eligible & (rng.random(n) < 0.03)
    for col in URINE_SEDIMENT:
        if col in cols:
            cols[col] = np.where(no_urine, None, cols[col].astype(object))
    cols["sledai2k"] = np.where(no_urine, np.nan, cols["sledai2k"])
    cols["pga"] = np.where(no_pga, np.nan, cols["pga"])
