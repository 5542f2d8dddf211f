"""Responder endpoints, visit windows and proportion CIs: hand-built histories with the expected
Y/N and reason written out, boundaries included; CIs against R and Newcombe (1998)."""

import numpy as np
import pandas as pd
import pytest

import survlupus
from survlupus.clinical.windows import CS20AT04_WINDOWS, assign_windows, select_visit
from survlupus.derive.responders import (
    SRI,
    HaematologicImprovement,
    RenalResponse,
    SteroidTaper,
    derive_responders,
)
from survlupus.stats.proportions import (
    clopper_pearson,
    cmh_test,
    fisher_p,
    newcombe_difference,
    responder_summary,
)
from survlupus.trial.schema import BILAG_DOMAINS

from .builders import day, event, make_trial, steroid, subject, visit
from .conftest import SYNTHETIC


def result(resp, sid, code):
    r = resp[(resp.USUBJID == sid) & (resp.PARAMCD == code)].iloc[0]
    return r.AVALC, r.REASON


# --- windows -----------------------------------------------------------------------------


def test_windows_closest_nominal_and_earlier_on_tie():
    s = [subject("S1")]
    v = [
        visit("S1", 1),
        visit("S1", 87),
        visit("S1", 90),
        visit("S1", 162),
        visit("S1", 176),
        visit("S1", 177),
    ]
    t = make_trial(s, v)
    w = assign_windows(t.visits, t.subjects, CS20AT04_WINDOWS).set_index("ADY")
    # day 87: in W12 (78-92) and W12D3 (87-89): W12D3's nominal 88 is closer (1 vs 2)
    assert w.loc[87, "AVISIT"] == "W12D3"
    # day 90: W12 (distance 5), W13 (90-94, distance 2): W13
    assert w.loc[90, "AVISIT"] == "W13"
    # day 162 and 176 both in W24 (162-176) at distance 7: both W24; the earlier is chosen
    assert w.loc[162, "AVISIT"] == w.loc[176, "AVISIT"] == "W24"
    assert w.loc[177, "AVISIT"] == "UNSCHEDULED"  # outside every window, kept
    assert w.loc[1, "AVISIT"] == "BASELINE"
    chosen = select_visit(w.reset_index(), "W24")
    assert chosen["ADY"].tolist() == [162]


def test_window_worst_value_rule():
    t = make_trial(
        [subject("S1")],
        [
            visit("S1", 1, platelets_10e9_l=90),
            visit("S1", 165, platelets_10e9_l=120),
            visit("S1", 171, platelets_10e9_l=80),
        ],
    )
    w = assign_windows(t.visits, t.subjects)
    assert select_visit(w, "W24")["ADY"].tolist() == [171]  # closest (2 vs 4 days)
    worst = select_visit(w, "W24", rule="worst", variable="platelets_10e9_l", worst="low")
    assert worst["platelets_10e9_l"].tolist() == [80]


# --- steroid taper ----------------------------------------------------------------------


def steroid_trial():
    ids = ["EXACT", "ABOVE", "SHORT", "NOSTER"]
    s = [subject(x) for x in ids]
    v = [visit(x, 1) for x in ids]
    st = [
        steroid("EXACT", 20, -30, 28),
        steroid("EXACT", 7.5, 29, None),  # 7.5 exactly: Y
        steroid("ABOVE", 20, -30, 28),
        steroid("ABOVE", 7.5, 29, 60),
        steroid("ABOVE", 10, 61, 61),
        steroid("ABOVE", 7.5, 62, None),  # one day at 10: N
        # SHORT: 6 mg methylprednisolone = 7.5 mg prednisone-equivalent
        steroid("SHORT", 6, -30, None, drug="methylprednisolone"),
    ]
    return make_trial(s, v, steroids=st)


def test_steroid_taper_boundaries():
    resp = derive_responders(steroid_trial(), [SteroidTaper()])
    assert result(resp, "EXACT", "STER4W12") == ("Y", "highest dose 7.5 mg/day")
    assert result(resp, "ABOVE", "STER4W12") == ("N", "highest dose in days 29-85: 10.0 mg/day")
    assert result(resp, "SHORT", "STER4W12")[0] == "Y"  # 6 mg MP x 1.25 = 7.5
    assert result(resp, "NOSTER", "STER4W12") == ("Y", "highest dose 0.0 mg/day")


# --- renal response: the 6-day vs 7-day excursion ------------------------------------------


def renal_trial():
    ids = ["RUN6", "RUN7", "UPCR", "MISS"]
    s = [subject(x) for x in ids]
    base = {"creatinine_umol_l": 120, "upcr_g_g": 2.0, "egfr_ml_min": 55}
    w24 = {"creatinine_umol_l": 100, "upcr_g_g": 0.5, "egfr_ml_min": 70}
    v = []
    for x in ids:
        v.append(visit(x, 1, **base))
        if x != "MISS":
            v.append(visit(x, 169, **({**w24, "upcr_g_g": 0.51} if x == "UPCR" else w24)))
    st = [steroid(x, 7.5, -30, None) for x in ids]
    st += [
        steroid("RUN6", 2.5, 100, 105),  # 6 days at 10 mg in days 85-169: allowed
        steroid("RUN7", 2.5, 100, 106),
    ]  # 7 days at 10 mg: not allowed
    return make_trial(s, v, steroids=st)


def test_renal_response_boundaries():
    resp = derive_responders(renal_trial(), [RenalResponse()])
    assert result(resp, "RUN6", "RENRSP24")[0] == "Y"  # UPCR exactly 0.5 passes too
    assert result(resp, "RUN7", "RENRSP24") == (
        "N",
        "7 consecutive days > 7.5 mg/day in days 85-169",
    )
    assert result(resp, "UPCR", "RENRSP24") == ("N", "UPCR 0.51 > 0.5")
    assert result(resp, "MISS", "RENRSP24") == ("N", "missing: no W24 visit")
    row = resp[(resp.USUBJID == "MISS") & (resp.PARAMCD == "RENRSP24")].iloc[0]
    # imputed: flagged, dated at the nominal visit day (169), analysed, criterion not met
    assert (row.DTYPE, row.ADY, row.AVISITN, row.ANL01FL, row.CRIT1FL) == (
        "NRI",
        169,
        169,
        "Y",
        "N",
    )
    kept = resp[(resp.USUBJID == "UPCR") & (resp.PARAMCD == "RENRSP24")].iloc[0]
    assert (kept.DTYPE, kept.ADY, kept.PARCAT1) == ("", 169, "RENAL")
    observed = derive_responders(renal_trial(), [RenalResponse()], missing="observed")
    assert result(observed, "MISS", "RENRSP24")[0] == ""


# --- haematologic improvement: platelets baseline exactly 20 -------------------------------


def test_haematologic_improvement_platelet_boundary():
    ids = ["B20", "B20LOW", "B21", "RESC"]
    s = [subject(x, subgroup="cytopenia") for x in ids]
    hb = {"hemoglobin_g_dl": 11.0, "neutrophils_10e9_l": 2.0}
    v = [
        visit("B20", 1, platelets_10e9_l=20, **hb),
        visit("B20", 169, platelets_10e9_l=40, **hb),
        # baseline exactly 20 uses the <= 20 rule: +20 and +100%: 20 -> 39 is +19: no
        visit("B20LOW", 1, platelets_10e9_l=20, **hb),
        visit("B20LOW", 169, platelets_10e9_l=39, **hb),
        # baseline 21 uses the > 20 rule: +30 needed; 21 -> 50 is +29: no
        visit("B21", 1, platelets_10e9_l=21, **hb),
        visit("B21", 169, platelets_10e9_l=50, **hb),
        visit("RESC", 1, platelets_10e9_l=21, **hb),
        visit("RESC", 169, platelets_10e9_l=80, **hb),
    ]
    ev = [event("RESC", "rescue_therapy", 100, detail="rituximab")]
    resp = derive_responders(make_trial(s, v, events=ev), [HaematologicImprovement()])
    assert result(resp, "B20", "HEMIMP24")[0] == "Y"
    assert result(resp, "B20LOW", "HEMIMP24")[0] == "N"
    assert result(resp, "B21", "HEMIMP24")[0] == "N"
    assert result(resp, "RESC", "HEMIMP24") == ("N", "rescue therapy on " + day(100))


# --- SRI: new BILAG B count and PGA rise of exactly 0.3 ------------------------------------


def sri_trial():
    ids = ["ONEB", "TWOB", "PGA03", "PGA02", "LOWBASE"]
    s = [subject(x) for x in ids]
    grades_base = {d: "D" for d in BILAG_DOMAINS}
    v = []
    for x in ids:
        b = {**grades_base, "sledai2k": 3 if x == "LOWBASE" else 10, "pga": 1.0}
        w = {**grades_base, "sledai2k": 4, "pga": 1.0}
        if x == "ONEB":
            w["bilag_mucocutaneous"] = "B"
        if x == "TWOB":
            w["bilag_mucocutaneous"] = w["bilag_musculoskeletal"] = "B"
        if x == "PGA03":
            w["pga"] = 1.3
        if x == "PGA02":
            w["pga"] = 1.2
        v += [visit(x, 1, **b), visit(x, 169, **w)]
    return make_trial(s, v)


def test_sri_new_bilag_b_and_pga_boundaries():
    resp = derive_responders(sri_trial(), [SRI(k=4)])
    assert result(resp, "ONEB", "SRI4_24")[0] == "Y"  # one new B is allowed
    assert result(resp, "TWOB", "SRI4_24") == ("N", "two or more new BILAG B")
    assert result(resp, "PGA03", "SRI4_24") == ("N", "PGA rise >= 0.3")  # rise of exactly 0.3
    assert result(resp, "PGA02", "SRI4_24")[0] == "Y"
    low = resp[resp.USUBJID == "LOWBASE"].iloc[0]
    assert (low.ELIGFL, low.AVALC, low.REASON) == (
        "N",
        "",
        "not eligible: baseline SLEDAI-2K 3 < 4",
    )


# --- CIs and tests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        # R 4.2: binom.test(k, n)$conf.int
        (3, 10, 0.066739511178, 0.652452850060),
        (0, 10, 0.0, 0.308497107819),
        (10, 10, 0.691502892181, 1.0),
        (7, 27, 0.111144562845, 0.462848742276),
        (1, 4, 0.006309463210, 0.805879550317),
    ],
)
def test_clopper_pearson_matches_r_binom_test(k, n, lo, hi):
    assert clopper_pearson(k, n) == pytest.approx((lo, hi), abs=1e-9)


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "lo", "hi"),
    [
        # Newcombe RG. Stat Med 1998;17:873-90, Table II, method 10 (hybrid score)
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
        (10, 10, 0, 10, 0.6075, 1.0000),
    ],
)
def test_newcombe_matches_the_published_examples(k1, n1, k2, n2, lo, hi):
    _, low, high = newcombe_difference(k1, n1, k2, n2)
    assert (round(low, 4), round(high, 4)) == (lo, hi)


def test_fisher_and_cmh_match_r():
    # R: fisher.test(matrix(c(7, 3, 2, 8), 2))$p.value; matrix(c(5, 22, 12, 15), 2)
    assert fisher_p(7, 10, 2, 10) == pytest.approx(0.069778518695, abs=1e-9)
    assert fisher_p(5, 27, 12, 27) == pytest.approx(0.077218461301, abs=1e-9)
    # R: mantelhaen.test(array(c(5,5,2,8, 4,6,1,9), dim = c(2,2,2))) (correct = TRUE / FALSE)
    tables = [np.array([[5, 2], [5, 8]]), np.array([[4, 1], [6, 9]])]
    assert cmh_test(tables) == pytest.approx((2.861445783133, 0.090725919696), abs=1e-9)
    with pytest.raises(ValueError, match="stratum lonely has fewer than 2 subjects"):
        cmh_test([*tables, np.array([[1, 0], [0, 0]])], names=[*range(len(tables)), "lonely"])
    assert cmh_test(tables, correct=False) == pytest.approx(
        (4.120481927711, 0.042367007672), abs=1e-9
    )


def test_responder_summary_on_musc():
    from survlupus.clinical.windows import MUSC_WINDOWS
    from survlupus.derive.responders import default_responders

    trial = survlupus.read_trial(SYNTHETIC / "musc")
    resp = derive_responders(trial, default_responders("W52"), schedule=MUSC_WINDOWS)
    summ = responder_summary(resp, by="ARM", reference="Placebo")
    row = summ[(summ.PARAMCD == "SLED4R52") & (summ.group == "MSC high")].iloc[0]
    sub = resp[(resp.PARAMCD == "SLED4R52")]
    k = int(((sub.ARM == "MSC high") & (sub.AVALC == "Y")).sum())
    assert row.responders == k and row.N == 27
    assert (row.lower, row.upper) == pytest.approx(clopper_pearson(k, 27))
    assert row.test == "Fisher's exact" and 0 <= row.p <= 1
    strat = responder_summary(resp, by="ARM", reference="Placebo", strata="SUBGROUP")
    assert strat["test"].dropna().str.startswith("CMH").all()


def test_every_subject_has_a_row_per_parameter_in_scope():
    trial = survlupus.read_trial(SYNTHETIC / "cs20at04")
    resp = derive_responders(trial)
    n = resp.groupby("PARAMCD").size()
    assert n["STER4W12"] == 10 and n["SRI4_24"] == 10
    assert n["HEMIMP24"] == 4 and n["RENRSP24"] == 6  # subgroup endpoints: their subgroup
    assert (resp.loc[resp.AVALC == "N", "REASON"].str.len() > 0).all()


def test_cli_responders(tmp_path):
    from survlupus.cli import main

    out = tmp_path / "adrs.xpt"
    assert main(["responders", str(SYNTHETIC / "cs20at04"), "--out", str(out)]) == 0
    import pyreadstat

    df, meta = pyreadstat.read_xport(str(out))
    assert set(df["AVALC"]) <= {"Y", "N", ""} and meta.table_name == "ADRS"


def test_change_from_baseline_by_hand():
    from survlupus.derive.change import change_from_baseline, summarise_change

    s = [subject("A", subgroup="cytopenia"), subject("B", subgroup="cytopenia")]
    v = [
        visit("A", 1, hemoglobin_g_dl=8.0),
        visit("A", 29, hemoglobin_g_dl=9.5),
        visit("B", 1, hemoglobin_g_dl=10.0),
        visit("B", 29, hemoglobin_g_dl=10.5),
    ]
    ch = change_from_baseline(make_trial(s, v), ["hemoglobin_g_dl"], visits=["W4"])
    assert ch.sort_values("USUBJID")["CHG"].tolist() == [1.5, 0.5]
    summ = summarise_change(ch).iloc[0]
    # mean (1.5 + 0.5)/2 = 1.0; SD sqrt(((0.5)^2 + (0.5)^2)/1) = 0.707107
    assert (summ["n"], summ["mean"]) == (2, pytest.approx(1.0))
    assert summ["sd"] == pytest.approx(np.sqrt(0.5))
    _ = pd  # noqa: F841
