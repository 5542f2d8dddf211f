"""Severe (SFI), extrarenal and haematologic flares on hand-built histories.

Subjects weigh 60 kg, so 0.5 mg/kg/day = 30 mg/day prednisone-equivalent. Unless a history says
otherwise, SLEDAI-2K is 6 and PGA 1.0 at every visit, and no descriptor is present.
"""

import survlupus
from survlupus import SevereFlare
from survlupus.trial.schema import SLEDAI_DESCRIPTORS

from .builders import day, event, make_trial, rows, steroid, subject, visit

QUIET = {d: False for d in SLEDAI_DESCRIPTORS} | {"sledai_rash": True, "sledai_arthritis": True}


def v(sid, d, **kw):
    return visit(
        sid, d, **{**QUIET, "pga": 1.0, "platelets_10e9_l": 200, "hemoglobin_g_dl": 12.0, **kw}
    )


def sfi_trial():
    ids = [
        "PGA",
        "PGA25",
        "PGAHIGH",
        "PLTESC",
        "PLTNOESC",
        "PULSE",
        "IMM",
        "INV",
        "MILD",
        "SLEDAI",
        "RENALA",
        "BILAGA",
    ]
    subjects = [subject(s) for s in ids]
    visits = []
    for s in ids:
        visits += [v(s, 1), v(s, 29), v(s, 57)]

    def set_(s, d, **kw):
        for row in visits:
            if row["subject_id"] == s and row["visit_date"] == day(d):
                row.update(kw)

    set_("PGA", 29, pga=2.6)  # (e) PGA rises above 2.5: event on day 29
    set_("PGA25", 29, pga=2.5)  # exactly 2.5 is not above 2.5: no event
    for d in (1, 29, 57):
        set_("PGAHIGH", d, pga=2.8)  # above 2.5 from baseline on: not a rise, no event
    set_("PLTESC", 57, platelets_10e9_l=55)  # (b) platelets newly < 60 ...
    set_("PLTNOESC", 57, platelets_10e9_l=55)  # ... but without escalation: no event
    # SLEDAI: 6 -> 14 (vasculitis is not added; rash+arthritis+low complement+... via score)
    set_(
        "SLEDAI",
        57,
        sledai_pleurisy=True,
        sledai_pericarditis=True,
        sledai_alopecia=True,
        sledai_mucosal_ulcers=True,
    )  # 6 + 2 + 2 + 2 + 2 = 14 > 12: classic (g) only
    # RENALA: new haematuria (a renal descriptor) on day 57 with a steroid doubling 5 -> 20
    set_("RENALA", 57, sledai_hematuria=True)
    # BILAGA: a new BILAG A in the musculoskeletal domain on day 57
    for d in (1, 29):
        set_("BILAGA", d, bilag_musculoskeletal="C", bilag_renal="B")
    set_("BILAGA", 57, bilag_musculoskeletal="A", bilag_renal="A")
    steroids = [steroid(s, 5.0, -30, None) for s in ids]
    steroids += [
        steroid("PLTESC", 15.0, 60, 70),  # 5 + 15 = 20 mg within 14 days: doubled, > 7.5
        steroid("PULSE", 500.0, 40, 42, drug="methylprednisolone", route="iv"),  # (c) 625 > 30
        steroid("RENALA", 15.0, 50, 64),
    ]
    events = [
        event("IMM", "immunosuppressant_start", 45, detail="mycophenolate"),  # (d)
        event("INV", "sfi_flare", 33, severity="severe", detail="serositis"),  # (f)
        event("MILD", "sfi_flare", 33, severity="mild_moderate", detail="rash"),  # not severe
    ]
    return make_trial(subjects, visits, steroids, events)


def test_modified_sfi():
    got = rows(survlupus.derive_severe_flare(sfi_trial()))
    assert got == {
        "PGA": (day(29), 0, "SFI-e PGA > 2.5"),
        "PGA25": (day(57), 1, ""),
        "PGAHIGH": (day(57), 1, ""),
        "PLTESC": (day(57), 0, "SFI-b haematologic with escalation"),
        "PLTNOESC": (day(57), 1, ""),
        "PULSE": (day(40), 0, "SFI-c prednisone-equivalent > 0.5 mg/kg/day"),
        "IMM": (day(45), 0, "SFI-d new immunosuppressant"),
        "INV": (day(33), 0, "SFI-f investigator-recorded severe flare"),
        "MILD": (day(57), 1, ""),
        "SLEDAI": (day(57), 1, ""),  # the modified SFI leaves (g) out
        "RENALA": (day(57), 0, "SFI-a new renal descriptor with escalation"),
        "BILAGA": (day(57), 1, ""),  # BILAG is not an SFI criterion
    }


def test_classic_sfi_adds_sledai_above_12():
    got = rows(survlupus.derive_severe_flare(sfi_trial(), SevereFlare.classic()))
    assert got["SLEDAI"] == (day(57), 0, "SFI-g SLEDAI-2K > 12")
    assert got["PGA"] == (day(29), 0, "SFI-e PGA > 2.5")


def test_extrarenal_flare_excludes_renal_criterion_and_adds_bilag_a():
    got = rows(survlupus.derive_extrarenal_flare(sfi_trial()))
    assert got["RENALA"] == (day(57), 1, "")  # a new renal descriptor is not extrarenal
    assert got["BILAGA"] == (day(57), 0, "new BILAG-2004 A (non-renal)")  # renal A ignored
    assert got["PULSE"] == (day(40), 0, "SFI-c prednisone-equivalent > 0.5 mg/kg/day")


def test_haematologic_flare_boundaries():
    ids = ["FALL30", "FALL29", "LOWBASE", "NEUT"]
    subjects = [subject(s, subgroup="cytopenia") for s in ids]
    hb, plt, neu = "hemoglobin_g_dl", "platelets_10e9_l", "neutrophils_10e9_l"
    visits = [
        # FALL30: highest so far 12.5 (day 29); 9.5 on day 57 is a fall of exactly 3.0: flare
        visit("FALL30", 1, **{hb: 11.0, plt: 150}),
        visit("FALL30", 29, **{hb: 12.5, plt: 150}),
        visit("FALL30", 57, **{hb: 9.5, plt: 150}),
        # FALL29: 12.5 -> 9.6 is a fall of 2.9: no flare
        visit("FALL29", 1, **{hb: 11.0, plt: 150}),
        visit("FALL29", 29, **{hb: 12.5, plt: 150}),
        visit("FALL29", 57, **{hb: 9.6, plt: 150}),
        # LOWBASE: platelets 50 at baseline (already < 60), 55 later: not "newly": no flare
        visit("LOWBASE", 1, **{hb: 11.0, plt: 50}),
        visit("LOWBASE", 29, **{hb: 11.0, plt: 55}),
        # NEUT: neutrophils 1.5 -> 0.9 (newly < 1.0): flare on day 29
        visit("NEUT", 1, **{hb: 11.0, plt: 150, neu: 1.5}),
        visit("NEUT", 29, **{hb: 11.0, plt: 150, neu: 0.9}),
    ]
    got = rows(survlupus.derive_haematologic_flare(make_trial(subjects, visits)))
    assert got == {
        "FALL30": (day(57), 0, "haemoglobin < 7 or fallen ≥ 3 g/dL"),
        "FALL29": (day(57), 1, ""),
        "LOWBASE": (day(29), 1, ""),
        "NEUT": (day(29), 0, "neutrophils newly < 1"),
    }


def test_sfi_d_counts_only_the_named_immunosuppressants():
    """Spec convention: cyclophosphamide, azathioprine, methotrexate, mycophenolate (mofetil or
    mycophenolic acid), any case; another drug is no flare and one warning naming it."""
    ids = ["MMF", "MPA", "CYC", "HCQ", "TAC"]
    subjects = [subject(s) for s in ids]
    visits = [
        v
        for s in ids
        for v in (visit(s, 1, sledai2k=4, pga=1.0), visit(s, 60, sledai2k=4, pga=1.0))
    ]
    events = [
        event("MMF", "immunosuppressant_start", 30, detail="Mycophenolate Mofetil 2 g/day"),
        event("MPA", "immunosuppressant_start", 30, detail="mycophenolic acid"),
        event("CYC", "immunosuppressant_start", 30, detail="CYCLOPHOSPHAMIDE iv"),
        event("HCQ", "immunosuppressant_start", 30, detail="hydroxychloroquine"),
        event("TAC", "immunosuppressant_start", 30, detail="tacrolimus"),
    ]
    trial = make_trial(subjects, visits, events=events)
    got = survlupus.derive_severe_flare(trial).set_index("USUBJID")
    assert got.loc[["MMF", "MPA", "CYC"], "CNSR"].tolist() == [0, 0, 0]
    assert got.loc[["HCQ", "TAC"], "CNSR"].tolist() != [0, 0]
    assert (got.loc[["HCQ", "TAC"], "CNSR"] > 0).all()
    warned = [w for w in trial.warnings if "SFI (d)" in w.message]
    assert sorted(w.subject for w in warned) == ["HCQ", "TAC"]
    assert "'hydroxychloroquine'" in next(w.message for w in warned if w.subject == "HCQ")
    narrow = survlupus.derive_severe_flare(
        trial, survlupus.SevereFlare(immunosuppressants=("cyclophosphamide",))
    ).set_index("USUBJID")
    assert narrow.loc["MMF", "CNSR"] > 0 and narrow.loc["CYC", "CNSR"] == 0
