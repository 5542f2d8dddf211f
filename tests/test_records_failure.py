"""Death, rescue therapy, treatment failure, and every censoring reason."""

import survlupus

from .builders import day, event, make_trial, rows, subject, visit

R = {"creatinine_umol_l": 120, "upcr_g_g": 1.5, "urine_rbc_hpf": 20, "cellular_casts": False}


def trial():
    subjects = [
        subject("DIEDEARLY", end_date=day(10), discontinued=True, discontinuation_reason="death"),
        subject(
            "WITHDREW",
            end_date=day(60),
            discontinued=True,
            discontinuation_reason="withdrew consent",
        ),
        subject("RESCUE"),
        subject("NOPOST"),
        subject("FAIL"),
    ]
    visits = [
        visit("DIEDEARLY", 1, **R),
        visit("WITHDREW", 1, **R),
        visit("WITHDREW", 29, **R),
        visit("WITHDREW", 57, **R),
        visit("RESCUE", 1, **R),
        visit("RESCUE", 29, **R),
        visit("RESCUE", 169, **R),
        visit("NOPOST", 1, **R),
        # FAIL: proteinuric renal flare on day 57 (UPCR 3.2 >= max(2 x 1.5, 1.0)); rescue day 80
        visit("FAIL", 1, **R),
        visit("FAIL", 29, **R),
        visit("FAIL", 57, **{**R, "upcr_g_g": 3.2}),
    ]
    events = [
        event("DIEDEARLY", "death", 10, detail="sepsis"),  # before any post-baseline visit
        event("RESCUE", "rescue_therapy", 100, detail="rituximab"),
        event("FAIL", "rescue_therapy", 80, detail="rituximab"),
    ]
    return make_trial(subjects, visits, events=events)


def test_death():
    got = rows(survlupus.derive_death(trial()), ("ADT", "CNSR", "AVAL"))
    assert got == {
        "DIEDEARLY": (day(10), 0, 10),
        "WITHDREW": (day(60), 2, 60),  # censored at last contact; withdrew early
        "RESCUE": (day(183), 1, 183),  # followed past the window: censored at day 183
        "NOPOST": (day(183), 1, 183),  # death is read from records: last contact counts
        "FAIL": (day(183), 1, 183),
    }


def test_rescue_therapy_and_censoring_of_the_dead():
    got = rows(survlupus.derive_rescue_therapy(trial()), ("ADT", "CNSR"))
    assert got["RESCUE"] == (day(100), 0)
    assert got["DIEDEARLY"] == (day(10), 3)  # censored at death: code 3


def test_visit_endpoint_censoring_reasons():
    got = rows(survlupus.derive_renal_flare(trial()), ("ADT", "CNSR", "AVAL"))
    assert got == {
        "DIEDEARLY": (day(1), 4, 1),  # died before any post-baseline assessment: code 4
        "WITHDREW": (day(57), 2, 57),  # last adequate assessment; withdrew
        "RESCUE": (day(169), 1, 169),  # last adequate assessment in the window
        "NOPOST": (day(1), 4, 1),  # no post-baseline visit at all
        "FAIL": (day(57), 0, 57),
    }
    out = survlupus.derive_renal_flare(trial()).set_index("USUBJID")
    assert out.loc["NOPOST", "CNSDTDSC"] == "study day 1 (start date)"
    assert out.loc["NOPOST", "EVNTDESC"].endswith("no adequate post-baseline assessment")
    assert out.loc["WITHDREW", "CNSDTDSC"] == "last adequate assessment"
    assert out.loc["WITHDREW", "EVNTDESC"].endswith("withdrew early")
    # the source record: the visits table's row of that date, numbered within the subject
    assert (out.loc["WITHDREW", "SRCDOM"], out.loc["WITHDREW", "SRCVAR"]) == (
        "VISITS",
        "VISIT_DATE",
    )
    visits = trial().visits
    mine = visits[visits.subject_id == "WITHDREW"].sort_values("visit_date").reset_index()
    n = int(mine.index[mine.visit_date == out.loc["WITHDREW", "ADT"]][0]) + 1
    assert out.loc["WITHDREW", "SRCSEQ"] == n


def test_censoring_at_the_window_end_says_so():
    out = survlupus.derive_death(trial(), window_days=100).set_index("USUBJID")
    still_followed = out[(out.CNSR == 1) & (out.AVAL == 100)]
    assert len(still_followed) > 0
    assert set(still_followed.CNSDTDSC) == {"end of the analysis window (day 100)"}
    assert set(still_followed.SRCDOM) == {"SUBJECTS"}


def test_treatment_failure_names_the_component():
    out = survlupus.derive_treatment_failure(trial()).set_index("USUBJID")
    assert (out.loc["FAIL", "ADT"].strftime("%Y-%m-%d"), out.loc["FAIL", "CNSR"]) == (day(57), 0)
    assert out.loc["FAIL", "EVNTDESC"] == "treatment failure: first renal flare"
    assert out.loc["RESCUE", "EVNTDESC"] == "treatment failure: rescue therapy"
    assert out.loc["DIEDEARLY", "EVNTDESC"] == "treatment failure: death"
    assert out.loc["DIEDEARLY", "CNSR"] == 0


def test_derive_adtte_has_one_row_per_subject_and_parameter_in_scope():
    t = trial()
    adtte = survlupus.derive_adtte(t)
    assert not adtte.duplicated(["USUBJID", "PARAMCD"]).any()
    # all five subjects are nephritis: every parameter but TTHFLR (cytopenia) covers all five
    counts = adtte.groupby("PARAMCD").size().to_dict()
    assert "TTHFLR" not in counts and set(counts.values()) == {5} and len(counts) == 9
    assert (adtte["ADT"] >= adtte["STARTDT"]).all() and (adtte["AVAL"] >= 1).all()
    assert adtte.equals(survlupus.derive_adtte(t))  # deterministic
    assert list(adtte.columns)[:9] == [
        "USUBJID",
        "PARAMCD",
        "PARAM",
        "ARM",
        "SUBGROUP",
        "STARTDT",
        "ADT",
        "AVAL",
        "CNSR",
    ]
