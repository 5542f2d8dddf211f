"""Analysis-layer results worked out by hand (written out beside each assertion)."""

import numpy as np
import pandas as pd
import pytest

import survlupus

from .builders import event, make_trial, subject, visit


def adtte(rows):
    """rows: (USUBJID, ARM, AVAL, CNSR)"""
    return pd.DataFrame(
        [
            {"USUBJID": u, "PARAMCD": "P", "PARAM": "p", "ARM": a, "AVAL": t, "CNSR": c}
            for u, a, t, c in rows
        ]
    )


# Six subjects: events on days 2, 4, 4; censored on 3 (CNSR 1), 5 (CNSR 2, withdrew), 6 (CNSR 3)
SIX = adtte(
    [
        ("a", "X", 2, 0),
        ("b", "X", 3, 1),
        ("c", "X", 4, 0),
        ("d", "X", 4, 0),
        ("e", "X", 5, 2),
        ("f", "X", 6, 3),
    ]
)


def test_kaplan_meier_by_hand_and_cnsr_codes_are_all_censorings():
    km = survlupus.kaplan_meier(SIX, "P", conf_type="log")
    t = km.table.set_index("time")
    # day 2: 6 at risk, 1 event: S = 5/6; day 4: 4 at risk, 2 events: S = 5/6 * 2/4 = 5/12
    assert t.loc[2, "survival"] == pytest.approx(5 / 6)
    assert t.loc[4, "survival"] == pytest.approx(5 / 12)
    assert t.loc[3, "n_risk"] == 5 and t.loc[4, "n_risk"] == 4 and t.loc[6, "n_risk"] == 1
    # CNSR 2 and 3 are censorings (the event is CNSR == 0, never 1 - CNSR)
    assert t.loc[5, "n_event"] == 0 and t.loc[5, "n_censor"] == 1
    assert t.loc[6, "n_event"] == 0
    # Greenwood: se(H) at day 4 = sqrt(1/(6*5) + 2/(4*2)) = sqrt(0.033333 + 0.25) = 0.532291
    assert t.loc[4, "std_err"] == pytest.approx(np.sqrt(1 / 30 + 2 / 8))
    # "log" CI: S * exp(+-1.959964 * se) = 5/12 * exp(+-1.043283) -> 0.146780, 1 (capped)
    assert t.loc[4, "lower"] == pytest.approx(5 / 12 * np.exp(-1.959964 * 0.5322906), rel=1e-6)
    assert t.loc[4, "upper"] == 1.0
    # median: S first <= 0.5 on day 4 (5/12), and not exactly 0.5, so 4
    assert km.median()["estimate"].iloc[0] == 4


def test_risk_table_counts_at_risk_on_an_event_day_as_t_ge_tick():
    km = survlupus.kaplan_meier(SIX, "P")
    rt = km.risk_table([0, 2, 4, 6]).set_index("time")
    # at day 4, the two subjects with events that day are still at risk: #{T >= 4} = 4
    assert rt["n_risk"].tolist() == [6, 6, 4, 1]
    # cumulative events/censorings up to and including the tick
    assert rt["cum_events"].tolist() == [0, 1, 3, 3]
    assert rt["cum_censored"].tolist() == [0, 0, 1, 3]


def test_landmark_before_first_and_after_last_time():
    at = survlupus.kaplan_meier(SIX, "P").at([1, 4, 10]).set_index("time")
    assert at.loc[1, "survival"] == 1.0
    assert at.loc[4, "survival"] == pytest.approx(5 / 12)
    # day 10 is after the last observation (a censoring, S = 5/12 > 0): not estimated (R leaves
    # it out) unless extend=True (R's extend = TRUE carries 5/12)
    assert np.isnan(at.loc[10, "survival"]) and at.loc[10, "n_risk"] == 0
    carried = survlupus.kaplan_meier(SIX, "P").at([10], extend=True).iloc[0]
    assert carried["survival"] == pytest.approx(5 / 12) and carried["n_risk"] == 0


def test_select_errors_name_the_problem():
    with pytest.raises(survlupus.DataError, match="no rows for PARAMCD 'TTXX'"):
        survlupus.kaplan_meier(SIX, "TTXX")
    with pytest.raises(survlupus.DataError, match="column SEX is not in the ADTTE"):
        survlupus.kaplan_meier(SIX, "P", by="SEX")


def test_logrank_two_groups_by_hand():
    # group A: events day 1 and 3; group B: event day 2, censored day 3
    d = adtte([("a1", "A", 1, 0), ("a2", "A", 3, 0), ("b1", "B", 2, 0), ("b2", "B", 3, 1)])
    res = survlupus.logrank(d, "P", "ARM")
    # day 1: n=4 (A 2), d=1: E_A = 0.5, V = 1*3/3 * 2/4 * 2/4 = 0.25
    # day 2: n=3 (A 1), d=1: E_A = 1/3, V = 1 * 2/2 * 1/3 * 2/3 = 0.222222
    # day 3: n=2 (A 1), d=1: E_A = 0.5, V = 1 * 1/1 * 1/2 * 1/2 = 0.25
    # O_A = 2, E_A = 1.333333; chi2 = 0.666667^2 / 0.722222 = 0.615385
    assert res.table.set_index("group").loc["A", "expected"] == pytest.approx(4 / 3)
    assert res.chisq == pytest.approx((2 / 3) ** 2 / (0.25 + 2 / 9 + 0.25))
    assert res.df == 1 and "log-rank" in res.test


def test_cumulative_incidence_with_tied_competing_events_by_hand():
    # four subjects: day 10 one event (cause 1) and one death (cause 2) tied; day 20 event;
    # day 30 censored
    d = pd.DataFrame(
        {
            "USUBJID": list("abcd"),
            "PARAMCD": "P",
            "AVAL": [10, 10, 20, 30],
            "CNSR": [0, 1, 0, 1],
            "CRSTAT": [1, 2, 1, 0],
        }
    )
    cif = survlupus.cumulative_incidence(d, "P").table.set_index("time")
    # day 10: S(10-) = 1, 4 at risk, 1 event: F = 1/4; all-cause S after = 2/4
    # day 20: S(20-) = 1/2, 2 at risk, 1 event: F = 1/4 + 1/2 * 1/2 = 1/2
    assert cif.loc[10, "estimate"] == pytest.approx(0.25)
    assert cif.loc[20, "estimate"] == pytest.approx(0.5)
    assert cif.loc[30, "estimate"] == pytest.approx(0.5)


def rate_trial():
    subjects = [
        subject("A1", arm="Placebo", end_date="2021-12-31"),
        subject("A2", arm="Placebo", end_date="2021-07-01"),
        subject("B1", arm="MSC", end_date="2021-12-31"),
    ]
    visits = [visit(s, 1, pga=1.0, sledai2k=4) for s in ("A1", "A2", "B1")]
    events = [
        event("A1", "sfi_flare", 30, severity="severe"),
        event("A1", "sfi_flare", 200, severity="severe"),
        event("A2", "sfi_flare", 50, severity="severe"),
    ]
    return make_trial(subjects, visits, events=events)


def test_flare_rates_and_mcf_by_hand():
    trial = rate_trial()
    ep = survlupus.derive_episodes(trial)
    rates = survlupus.flare_rates(
        ep, survlupus.follow_up(trial), by="ARM", reference="Placebo"
    ).set_index("group")
    # Placebo: A1 365 days, A2 2021-01-01..2021-07-01 = 182 days; 3 episodes
    years = (365 + 182) / 365.25
    assert rates.loc["Placebo", "events"] == 3
    assert rates.loc["Placebo", "rate"] == pytest.approx(3 / years)
    assert rates.loc["MSC", "events"] == 0 and rates.loc["MSC", "lower"] == 0
    # exact upper limit with 0 events: chi2(0.975, 2) / 2 / years = 3.688879 / 1 (B1: 1 year)
    assert rates.loc["MSC", "upper"] == pytest.approx(3.688879 / (365 / 365.25), rel=1e-5)
    mcf = survlupus.mean_cumulative_function(ep, survlupus.follow_up(trial), by="ARM")
    p = mcf[mcf.group == "Placebo"].set_index("day")
    # day 30: 2 observed, 1 event: 0.5; day 50: +1/2 = 1.0; day 200: A2 gone, 1 observed: 2.0
    assert p["mcf"].tolist() == pytest.approx([0.5, 1.0, 2.0])
    assert p["n_observed"].tolist() == [2, 2, 1]


def test_summary_table_exports(tmp_path):
    d = pd.concat(
        [
            SIX.assign(ARM="X"),
            SIX.assign(ARM="Y", USUBJID=SIX.USUBJID + "y", CNSR=[0, 1, 1, 1, 2, 3]),
        ]
    )
    table = survlupus.summary_table(d, by="ARM", reference="X", landmarks=(4,))
    row = table.frame.set_index("group")
    assert row.loc["X", "events"] == 3 and row.loc["Y", "events"] == 1
    assert row.loc["X", "median (95% CI)"].startswith("4 ")
    assert "HR vs X (95% CI)" in table.frame and row.loc["X", "test"] == "log-rank"
    table.to_csv(tmp_path / "t.csv")
    assert "<table" in table.to_html(tmp_path / "t.html")
    tex = table.to_latex(tmp_path / "t.tex")
    assert tex.startswith(r"\begin{tabular}") and "NE" in tex


def test_logrank_with_zero_variance_is_no_evidence():
    """Two subjects, one per arm, both with the event on day 5: O = E = 1 in each arm and the
    variance d(n-d)/(n-1) is 0 (d = n = 2). Convention: chisq 0 on 1 df, p = 1 (R's survdiff
    stops: 'system is exactly singular')."""
    d = pd.DataFrame(
        {"USUBJID": ["a", "b"], "PARAMCD": "X", "ARM": ["A", "B"], "AVAL": [5, 5], "CNSR": [0, 0]}
    )
    r = survlupus.logrank(d, "X", "ARM")
    assert (r.chisq, r.df, r.p) == (0.0, 1, 1.0)
    assert r.table["observed"].tolist() == [1.0, 1.0] == r.table["expected"].tolist()
