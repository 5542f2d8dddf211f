"""Renal endpoints on hand-built histories. Each subject's expected ADT/CNSR/RULE is written out
and explained. Study day 1 = 2021-01-01, so day d is 2021-01-01 + (d - 1)."""

import survlupus
from survlupus import (
    CompleteRenalRemission,
    CreatinineDoubling,
    EndStageRenalDisease,
    RenalFlare,
)

from .builders import day, event, make_trial, rows, subject, visit

BASE = {"creatinine_umol_l": 100, "upcr_g_g": 0.4, "urine_rbc_hpf": 20, "cellular_casts": False}


def v(sid, d, **kw):
    return visit(sid, d, **{**BASE, **kw})


def renal_trial():
    subjects = [subject(s) for s in ("NEPH", "QUIET", "PROT", "FLOOR", "UNCONF", "CONF")]
    subjects.append(subject("CYTO", subgroup="cytopenia"))
    visits = [
        # NEPH: creatinine 100 at baseline, 95 on day 29 (new reference), 124 on day 57
        # (124/95 = 1.305 >= 1.30) with RBC 20 > 10: nephritic flare on day 57.
        v("NEPH", 1),
        v("NEPH", 29, creatinine_umol_l=95),
        v("NEPH", 57, creatinine_umol_l=124),
        # QUIET: 124/95 again but sediment inactive (RBC 10 is not > 10, no casts): no flare;
        # censored at the last adequate assessment, day 57.
        v("QUIET", 1),
        v("QUIET", 29, creatinine_umol_l=95),
        v("QUIET", 57, creatinine_umol_l=124, urine_rbc_hpf=10),
        # PROT: UPCR reference 0.4; 1.0 on day 29 is >= max(2 x 0.4, 1.0) = 1.0: proteinuric.
        v("PROT", 1),
        v("PROT", 29, upcr_g_g=1.0),
        # FLOOR: reference 0.3; 0.9 = 3 x reference but below the 1.0 g/g floor: no flare.
        v("FLOOR", 1, upcr_g_g=0.3),
        v("FLOOR", 29, upcr_g_g=0.9),
        # UNCONF: proteinuric on day 29, next assessment day 57 back to 0.5: a flare by the
        # default rule; not confirmed under confirm_days=28.
        v("UNCONF", 1),
        v("UNCONF", 29, upcr_g_g=1.2),
        v("UNCONF", 57, upcr_g_g=0.5),
        # CONF: proteinuric on day 29 and again on day 50 (21 days later): confirmed.
        v("CONF", 1),
        v("CONF", 29, upcr_g_g=1.2),
        v("CONF", 50, upcr_g_g=1.1),
        v("CYTO", 1),
        v("CYTO", 29, upcr_g_g=5.0),
    ]
    return make_trial(subjects, visits)


def test_renal_flare_default_rule():
    adtte = survlupus.derive_renal_flare(renal_trial())
    assert rows(adtte) == {
        "NEPH": (day(57), 0, "nephritic flare"),
        "QUIET": (day(57), 1, ""),
        "PROT": (day(29), 0, "proteinuric flare"),
        "FLOOR": (day(29), 1, ""),
        "UNCONF": (day(29), 0, "proteinuric flare"),
        "CONF": (day(29), 0, "proteinuric flare"),
    }  # CYTO is out of scope (renal endpoints: nephritis subjects only)
    neph = adtte.set_index("USUBJID").loc["NEPH", "EVIDENCE"]
    assert "creatinine 124 µmol/L" in neph and "1.31 × reference 95 µmol/L" in neph
    assert "urine RBC 20 /hpf" in neph


def test_renal_flare_with_confirmation():
    adtte = survlupus.derive_renal_flare(renal_trial(), RenalFlare(confirm_days=28))
    got = rows(adtte)
    assert got["UNCONF"] == (day(57), 1, "")  # not confirmed: censored at the last assessment
    assert got["CONF"] == (day(29), 0, "proteinuric flare (confirmed within 28 d)")
    assert got["PROT"] == (day(29), 1, "")  # no next assessment to confirm it


def test_all_subjects_flag_derives_for_everybody():
    adtte = survlupus.derive_renal_flare(renal_trial(), all_subjects=True)
    assert rows(adtte)["CYTO"] == (day(29), 0, "proteinuric flare")


def remission_trial():
    s = [subject(x) for x in ("LAST", "UPCR", "CASTS", "NONE")]
    s[0]["end_date"] = day(190)
    visits = [
        # LAST: remission criteria first met on day 169, the last visit of the 183-day window:
        # creatinine 105 < 106, 24-h protein 0.29 < 0.3, RBC 5 <= 5, no casts.
        visit(
            "LAST",
            1,
            creatinine_umol_l=150,
            proteinuria_g_24h=2.0,
            upcr_g_g=2.0,
            urine_rbc_hpf=30,
            cellular_casts=True,
        ),
        visit(
            "LAST",
            85,
            creatinine_umol_l=110,
            proteinuria_g_24h=0.5,
            upcr_g_g=0.5,
            urine_rbc_hpf=8,
            cellular_casts=False,
        ),
        visit(
            "LAST",
            169,
            creatinine_umol_l=105,
            proteinuria_g_24h=0.29,
            upcr_g_g=0.35,
            urine_rbc_hpf=5,
            cellular_casts=False,
        ),
        # a visit after the window (day 190) is ignored
        visit(
            "LAST",
            190,
            creatinine_umol_l=90,
            proteinuria_g_24h=0.1,
            upcr_g_g=0.1,
            urine_rbc_hpf=0,
            cellular_casts=False,
        ),
        # UPCR: no 24-h protein; UPCR 0.25 < 0.3 stands in for it on day 57
        visit(
            "UPCR", 1, creatinine_umol_l=150, upcr_g_g=2.0, urine_rbc_hpf=30, cellular_casts=False
        ),
        visit(
            "UPCR", 57, creatinine_umol_l=90, upcr_g_g=0.25, urine_rbc_hpf=2, cellular_casts=False
        ),
        # CASTS: everything normal but cellular casts present: no remission
        visit(
            "CASTS", 1, creatinine_umol_l=150, upcr_g_g=2.0, urine_rbc_hpf=30, cellular_casts=True
        ),
        visit(
            "CASTS", 57, creatinine_umol_l=90, upcr_g_g=0.2, urine_rbc_hpf=2, cellular_casts=True
        ),
        # NONE: only a baseline visit: no adequate post-baseline assessment
        visit(
            "NONE", 1, creatinine_umol_l=150, upcr_g_g=2.0, urine_rbc_hpf=30, cellular_casts=False
        ),
    ]
    return make_trial(s, visits)


def test_complete_remission():
    adtte = survlupus.derive_complete_remission(remission_trial())
    assert rows(adtte, ("ADT", "CNSR", "RULE", "AVAL")) == {
        "LAST": (day(169), 0, "complete renal remission", 169),
        "UPCR": (day(57), 0, "complete renal remission", 57),
        "CASTS": (day(57), 1, "", 57),
        "NONE": (day(1), 4, "", 1),
    }


def test_complete_remission_without_upcr_substitution():
    d = CompleteRenalRemission(upcr_when_24h_missing=False)
    got = rows(survlupus.derive_complete_remission(remission_trial(), d))
    # without 24-h protein, UPCR's visit day 57 is not an adequate assessment
    assert got["UPCR"] == (day(1), 4, "")


def test_sustained_doubling():
    s = [subject(x) for x in ("SUST", "SHORT", "OPEN")]
    s[2]["end_date"] = day(120)
    c = "creatinine_umol_l"
    visits = [
        # SUST: baseline 100; >= 200 on days 57, 71 and 85 (28 days after 57): event on day 57
        visit("SUST", 1, **{c: 100}),
        visit("SUST", 29, **{c: 150}),
        visit("SUST", 57, **{c: 200}),
        visit("SUST", 71, **{c: 210}),
        visit("SUST", 85, **{c: 205}),
        # SHORT: 200 on day 57 and 71 but 190 on day 85: the run lasts 14 days only: no event
        visit("SHORT", 1, **{c: 100}),
        visit("SHORT", 57, **{c: 200}),
        visit("SHORT", 71, **{c: 220}),
        visit("SHORT", 85, **{c: 190}),
        # OPEN: doubled on day 99 and 113, follow-up ends on day 120: unconfirmed, not an event
        visit("OPEN", 1, **{c: 100}),
        visit("OPEN", 99, **{c: 250}),
        visit("OPEN", 113, **{c: 260}),
    ]
    adtte = survlupus.derive_creatinine_doubling(make_trial(s, visits), CreatinineDoubling())
    got = rows(adtte, ("ADT", "CNSR"))
    assert got == {
        "SUST": (day(57), 0),
        "SHORT": (day(85), 1),
        "OPEN": (day(113), 1),
    }  # OPEN: last contact day 120, not discontinued
    ev = adtte.set_index("USUBJID").loc["SUST", "EVIDENCE"]
    assert "2.00 × baseline 100 µmol/L" in ev and f"through {day(85)}" in ev


def test_esrd_dialysis_duration_and_transplant():
    s = [subject(x) for x in ("D41", "D42", "ONGO", "LONG", "TX")]
    s[2]["end_date"] = day(60)  # ONGO: dialysis from day 31, ongoing, last contact day 60
    visits = [visit(x, 1, creatinine_umol_l=150) for x in ("D41", "D42", "ONGO", "LONG", "TX")]
    events = [
        event("D41", "dialysis", 30, 70),  # 30..70 = 41 days: acute, not ESRD
        event("D42", "dialysis", 30, 71),  # 30..71 = 42 days: ESRD on day 30
        event("ONGO", "dialysis", 31),  # ongoing, 31..60 = 30 days at last contact: not yet
        event("LONG", "dialysis", 100),  # ongoing to end_date (day 365): ESRD on day 100
        event("TX", "kidney_transplant", 150),
    ]
    got = rows(
        survlupus.derive_esrd(make_trial(s, visits, events=events), EndStageRenalDisease()),
        ("ADT", "CNSR", "RULE"),
    )
    assert got == {
        "D41": (day(183), 1, ""),  # censored at the end of the 183-day window
        "D42": (day(30), 0, "dialysis ≥ 42 days"),
        "ONGO": (day(60), 1, ""),  # last contact inside the window; not discontinued
        "LONG": (day(100), 0, "dialysis ≥ 42 days"),
        "TX": (day(150), 0, "kidney transplant"),
    }
