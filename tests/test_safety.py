"""Safety: a hand-built trial whose adverse-event counts are written out below (ties on the same
day, an AE before day 1, the same term twice in one subject, an ongoing AE, a subject with no
AE, an arm with no AE); EAIR and its exact CI equal R's poisson.test (committed output of
validation/r/safety.R); every subject in every denominator; bad AE data named."""

from __future__ import annotations

import pandas as pd
import pytest

import survlupus
from survlupus.derive.adae import derive_adae
from survlupus.stats import safety as st

from .builders import adverse, event, make_trial, subject, visit
from .conftest import ROOT

NERV, GI, INF = (
    "Nervous system disorders",
    "Gastrointestinal disorders",
    "Infections and infestations",
)


@pytest.fixture(scope="module")
def trial():
    """Arm A: A1 (Headache days 10 and 50, Nausea day 50: three TEAEs, two terms on one day),
    A2 (Pyrexia day -3: before treatment; Pneumonia day 100, grade 3, serious, ongoing), A3 (no
    AE). Arm B: B1, B2 (no AE at all; B2 followed to day 200)."""
    subjects = [
        subject("A1", arm="A"),
        subject("A2", arm="A"),
        subject("A3", arm="A"),
        subject("B1", arm="B"),
        subject("B2", arm="B", end_date="2021-07-19"),
    ]
    visits = [visit(s, 1) for s in ("A1", "A2", "A3", "B1", "B2")]
    aes = [
        adverse("A1", "Headache", 10, 12, body_system=NERV, related="possible"),
        adverse("A1", "Headache", 50, 51, body_system=NERV),
        adverse("A1", "Nausea", 50, 53, body_system=GI, grade=2),
        adverse("A2", "Pyrexia", -3, 2),
        adverse("A2", "Pneumonia", 100, None, body_system=INF, grade=3, serious=True),
    ]
    return make_trial(subjects, visits, adverse_events=aes)


@pytest.fixture(scope="module")
def frames(trial):
    return derive_adae(trial), survlupus.follow_up(trial)


def test_adae_flags_by_hand(frames):
    adae, _ = frames
    a1 = adae[adae.USUBJID == "A1"]
    assert a1["AEDECOD"].tolist() == ["Headache", "Headache", "Nausea"]
    assert a1["AOCCPFL"].tolist() == ["Y", "", "Y"]  # the second Headache is not a first
    assert a1["ADURN"].tolist() == [3.0, 2.0, 4.0]  # inclusive days
    a2 = adae[adae.USUBJID == "A2"].set_index("AEDECOD")
    assert a2.loc["Pyrexia", "TRTEMFL"] == "" and a2.loc["Pneumonia", "TRTEMFL"] == "Y"
    assert pd.isna(a2.loc["Pneumonia", "AENDT"]) and pd.isna(a2.loc["Pneumonia", "ADURN"])
    assert a2.loc["Pneumonia", "AESER"] == "Y" and a2.loc["Pneumonia", "APERIODC"] == "Main study"
    assert adae.loc[adae.AEDECOD == "Headache", "ARELFL"].tolist() == ["Y", "N"]


def test_overview_counts_by_hand(frames):
    t = st.ae_overview(*frames).set_index(["category", "arm"])
    # any TEAE: A 2 of 3 subjects (A1, A2), 4 events (A2's Pyrexia is before day 1); B 0 of 2
    assert tuple(t.loc[("any", "A"), ["n", "N", "events"]]) == (2, 3, 4)
    assert tuple(t.loc[("any", "B"), ["n", "N", "events"]]) == (0, 2, 0)
    assert tuple(t.loc[("any", "Total"), ["n", "N", "events"]]) == (2, 5, 4)
    assert t.loc[("any", "A"), "pct"] == pytest.approx(200 / 3)
    assert tuple(t.loc[("serious", "A"), ["n", "events"]]) == (1, 1)
    assert tuple(t.loc[("grade_3_plus", "A"), ["n", "events"]]) == (1, 1)
    assert tuple(t.loc[("related", "A"), ["n", "events"]]) == (1, 1)
    assert tuple(t.loc[("fatal", "Total"), ["n", "N"]]) == (0, 5)


def test_terms_grades_years_by_hand(frames):
    t = st.ae_by_term(*frames)
    a = t[t.arm == "A"].set_index(["body_system", "term"])
    assert tuple(a.loc[(NERV, "Headache"), ["n", "events"]]) == (1, 2)
    assert tuple(a.loc[(NERV, ""), ["n", "events"]]) == (1, 2)
    assert tuple(a.loc[(INF, "Pneumonia"), ["n", "events"]]) == (1, 1)
    assert "Pyrexia" not in set(t.term)
    b = t[t.arm == "B"]
    assert (b.n == 0).all() and (b.N == 2).all()  # an arm with no AE keeps its rows and N
    g = st.ae_by_max_grade(*frames).set_index(["arm", "max_grade"])["n"]
    assert (g[("A", "2")], g[("A", "3")], g[("A", "none")], g[("B", "none")]) == (1, 1, 1, 2)
    y = st.ae_by_year(*frames).set_index(["year", "arm"])
    assert tuple(y.loc[(1, "A"), ["N", "n", "events"]]) == (3, 2, 4)


SAFETY_REF = pd.read_csv(ROOT / "validation" / "r" / "output" / "safety_reference.csv")


def test_eair_and_exact_ci_equal_poisson_test(frames):
    r = st.ae_rates(*frames).set_index(["category", "arm"])
    ref = SAFETY_REF.set_index("case")
    for arm, case in (("A", "hand_A_any"), ("B", "hand_B_any"), ("Total", "hand_total_any")):
        got, want = r.loc[("any", arm)], ref.loc[case]
        # time at risk by hand: A1 to day 10, A2 to day 100, A3 365 days; B 365 + 200 days
        assert got["patient_years"] == pytest.approx(want["patient_years"], rel=1e-12)
        assert got["n"] == want["k"]
        assert (got["rate_per_100py"], got["lower"], got["upper"]) == pytest.approx(
            (100 * want["rate"], 100 * want["lower"], 100 * want["upper"]), rel=1e-9
        )
    for case in ("zero", "one", "many"):
        w = ref.loc[case]
        assert st.poisson_ci(int(w["k"]), w["patient_years"]) == pytest.approx(
            (w["lower"], w["upper"]), rel=1e-9
        )


def test_time_to_first_ae(frames):
    both = st.ae_time_to_first(*frames)
    assert set(both.PARAMCD) == {"TTAE", "TTAES"}  # any and serious, by default
    t = both[both.PARAMCD == "TTAE"].set_index("USUBJID")
    assert t.loc["A1", ["AVAL", "CNSR"]].tolist() == [10.0, 0]
    assert both.set_index(["PARAMCD", "USUBJID"]).loc[("TTAES", "A2"), "AVAL"] == 100.0
    assert t.loc["B2", ["AVAL", "CNSR"]].tolist() == [200.0, 1]
    km = survlupus.kaplan_meier(t.reset_index(), "TTAE", by="ARM")
    assert km.at([365]).set_index("group").loc["B", "survival"] == 1.0


def test_every_subject_in_every_denominator():
    trial = survlupus.read_trial(ROOT / "data" / "synthetic" / "musc")
    res = survlupus.analyse(trial)
    overview = res.table("outcome_17_overview")
    total = overview[overview.arm == "Total"]
    assert (total["N"] == trial.n_subjects).all()
    arms = overview[overview.arm != "Total"].groupby("category")["N"].sum()
    assert (arms == trial.n_subjects).all()


def test_bad_adverse_events_are_named():
    subjects = [subject("S1")]
    visits = [visit("S1", 1)]
    bad = [adverse("S1", "Headache", 10, 5, grade=6)]
    report = survlupus.validate_trial(
        {
            "subjects": pd.DataFrame(subjects),
            "visits": pd.DataFrame(visits),
            "adverse_events": pd.DataFrame(bad),
        }
    )
    text = str(report)
    assert "column end_date, subject S1: end_date 2021-01-05 is before start_date" in text
    assert "column grade, subject S1: value 6 is above the maximum 5" in text
    fatal = [adverse("S1", "Sepsis", 10, 10, grade=5, outcome="fatal")]
    t = make_trial(subjects, visits, adverse_events=fatal)
    assert any(
        "fatal adverse event 'Sepsis' but no death in events" in w.message for w in t.warnings
    )
    death = make_trial(
        subjects,
        visits,
        events=[event("S1", "death", 20)],
        adverse_events=[adverse("S1", "Headache", 5, 6)],
    )
    assert any("death without a fatal adverse event" in w.message for w in death.warnings)
    old = make_trial(
        subjects, visits, events=[event("S1", "adverse_event", 3, severity="2", detail="Rash")]
    )
    assert old.adverse_events[["term", "grade"]].values.tolist() == [["Rash", 2.0]]
    assert any("adverse_event rows read into adverse_events" in w.message for w in old.warnings)
