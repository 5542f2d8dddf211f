"""The analysis layer against R's survival 3.5 and cmprsk 2.2 (validation/r/validate.R and
competing.R, run on validation/data/; their outputs are committed, so these tests need no R).

Tolerances: 1e-6 on estimates, 1e-4 on p-values and test statistics' p; Firth's estimates come from
two different optimisers (scipy here, R's optim there), compared at 1e-5.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

import survlupus

from .conftest import ROOT

OUT = ROOT / "validation" / "r" / "output"
DATA = ROOT / "validation" / "data"
EST, PVAL = 1e-6, 1e-4


@cache
def r_out(name: str) -> pd.DataFrame:
    return pd.read_csv(OUT / f"{name}.csv")


def dataset(name: str) -> pd.DataFrame:
    d = pd.read_csv(DATA / f"{name}.csv")
    d["PARAMCD"] = "P"
    if "CNSR" not in d:
        d["CNSR"] = np.where(d["CRSTAT"] == 1, 0, 1)
    return d


def close(a, b, tol):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape
    assert np.array_equal(np.isnan(a), np.isnan(b)), f"NaN pattern differs: {a} vs {b}"
    ok = ~np.isnan(a)
    assert np.allclose(a[ok], b[ok], rtol=0, atol=tol), f"max diff {np.max(np.abs(a - b)[ok])}"


KM_CASES = sorted({(r.dataset, r.conf_type) for r in r_out("km").itertuples()})


@pytest.mark.parametrize(("ds", "conf_type"), KM_CASES)
def test_kaplan_meier_table_quantiles_and_landmarks(ds, conf_type):
    km = survlupus.kaplan_meier(dataset(ds), "P", by="ARM", conf_type=conf_type)
    r = r_out("km").query("dataset == @ds and conf_type == @conf_type")
    m = r.merge(km.table, on=["group", "time"], suffixes=("_r", ""))
    assert len(m) == len(r) == len(km.table)
    for col in ("n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"):
        close(m[col], m[col + "_r"], EST)
    for q in (0.25, 0.5):
        rq = r_out("km_quantiles").query(
            "dataset == @ds and conf_type == @conf_type and quantile == @q"
        )
        mq = km.quantile(q).merge(rq, on="group", suffixes=("", "_r"))
        assert len(mq) == len(rq)
        for col in ("estimate", "lower", "upper"):
            close(mq[col], mq[col + "_r"], EST)
    rl = r_out("km_landmarks").query("dataset == @ds and conf_type == @conf_type")
    ml = km.at([29, 85, 169], extend=True).merge(rl, on=["group", "time"], suffixes=("", "_r"))
    assert len(ml) == len(rl)  # summary(fit, times, extend = TRUE)
    for col in ("survival", "lower", "upper", "n_risk"):
        close(ml[col], ml[col + "_r"], EST)


def test_median_on_an_exact_flat_r_and_sas_rules():
    # S = 0.5 from day 2 to the event on day 4 ("drop") or to the end of follow-up ("end")
    km_r = survlupus.kaplan_meier(dataset("flat"), "P", by="ARM", quantile_method="r")
    km_sas = survlupus.kaplan_meier(dataset("flat"), "P", by="ARM", quantile_method="sas")
    r = km_r.median().set_index("group")["estimate"]
    sas = km_sas.median().set_index("group")["estimate"]
    assert r["drop"] == 3.0 and r["end"] == 2.5  # midpoints of the flats, as R
    assert sas["drop"] == 4.0 and np.isnan(sas["end"])  # strict S < 0.5; never reached: NE
    assert (km_r.median()["method"] == "r").all()


LR_CASES = [r.Index for r in r_out("logrank").itertuples()]


@pytest.mark.parametrize("i", LR_CASES)
def test_logrank_family(i):
    r = r_out("logrank").iloc[i]
    d = dataset(r["dataset"])
    if r["test"].startswith("pairwise:"):
        res = survlupus.logrank(d, "P", "ARM", reference="Placebo")
        got = res.pairwise.set_index("group").loc[r["test"].split(":")[1]]
        close([got.chisq], [r.chisq], EST)
        close([got.p], [r.p], PVAL)
        return
    kw = {"logrank": {}, "fh_rho1": {"weights": ("fh", 1, 0)}, "stratified": {"strata": "STRATUM"}}[
        r["test"]
    ]
    res = survlupus.logrank(d, "P", "ARM", **kw)
    close([res.chisq, res.df], [r.chisq, r.df], EST)
    close([res.p], [r.p], PVAL)
    oe = r_out("logrank_oe").query("dataset == @r.dataset and test == @r.test")
    m = oe.merge(res.table, on="group", suffixes=("_r", ""))
    close(m["observed"], m["observed_r"], EST)
    close(m["expected"], m["expected_r"], EST)


MODELS = {
    "arm": (["ARM"], None),
    "arm+x": (["ARM", "X"], None),
    "arm+x|stratum": (["ARM", "X"], "STRATUM"),
    "arm+age": (["ARM", "AGE"], None),
}
REFS = {"ties": "B", "musc_sflr": "Placebo", "zero": "Placebo"}
COX_CASES = sorted({(r.dataset, r.model, r.ties) for r in r_out("cox").itertuples()})


def r_term(term: str) -> str:  # ours: ARM[MSC high]; R: ARMMSC high
    return term.replace("[", "").replace("]", "")


@pytest.mark.parametrize(("ds", "model", "ties"), COX_CASES)
def test_cox_coefficients_tests_and_cox_zph(ds, model, ties):
    covs, strata = MODELS[model]
    fit = survlupus.cox(dataset(ds), "P", covs, strata=strata, ties=ties, reference=REFS[ds])
    r = r_out("cox").query("dataset == @ds and model == @model and ties == @ties")
    tab = fit.table.assign(term=fit.table["term"].map(r_term)).set_index("term").loc[r["term"]]
    for col in ("coef", "se", "hr", "lower", "upper"):
        close(tab[col], r[col], EST)
    close(tab["p"], r["p"], PVAL)
    rt = r_out("cox_tests").query("dataset == @ds and model == @model and ties == @ties")
    mine = fit.tests.set_index("test").loc[rt["test"]]
    close(mine["statistic"], rt["statistic"], EST)
    close(mine["p"], rt["p"], PVAL)
    close([fit.loglik, fit.loglik_null], [rt["loglik"].iloc[0], rt["loglik0"].iloc[0]], EST)
    rz = r_out("cox_zph").query("dataset == @ds and model == @model and ties == @ties")
    z = fit.ph_test().set_index("term").loc[rz["term"]]
    close(z["chisq"], rz["chisq"], EST)
    close(z["p"], rz["p"], PVAL)
    assert (z["df"].to_numpy() == rz["df"].to_numpy()).all()


FIRTH_CASES = sorted({(r.dataset, r.model) for r in r_out("firth").itertuples()})


@pytest.mark.parametrize(("ds", "model"), FIRTH_CASES)
def test_firth_cox_with_profile_likelihood_ci(ds, model):
    covs, _ = MODELS[model]
    fit = survlupus.cox(dataset(ds), "P", covs, firth=True, reference=REFS[ds])
    r = r_out("firth").query("dataset == @ds and model == @model")
    tab = fit.table.assign(term=fit.table["term"].map(r_term)).set_index("term").loc[r["term"]]
    for col in ("coef", "hr", "lower", "upper"):
        close(tab[col], r[col], 1e-5)
    close(tab["p"], r["p"], PVAL)
    assert np.isfinite(tab["coef"]).all()  # finite even for the arm without events


def test_standard_cox_on_zero_event_arm_is_why_firth_exists():
    d = dataset("zero")
    fit = survlupus.cox(d, "P", ["ARM"], reference="Placebo")
    assert fit.table["coef"].iloc[0] < -10  # the MLE runs off to minus infinity
    assert "firth=True" in fit.notes[0]


@pytest.mark.parametrize("ds", ["cr_ties", "musc_cr"])
def test_cumulative_incidence_and_gray_test_match_cmprsk(ds):
    d = dataset(ds)
    cif = survlupus.cumulative_incidence(d, "P", by="ARM")
    r = r_out("cuminc").query("dataset == @ds and cause == 1")
    m = cif.at(sorted(r["time"].unique())).merge(r, on=["group", "time"], suffixes=("", "_r"))
    assert len(m) == len(r)
    close(m["estimate"], m["estimate_r"], EST)
    close(m["std_err"] ** 2, m["variance"], EST)
    aj = r_out("aalen_johansen").query("dataset == @ds and cause == 1")
    m = cif.at(sorted(aj["time"].unique())).merge(aj, on=["group", "time"], suffixes=("", "_r"))
    close(m["estimate"], m["estimate_r"], EST)  # survival's Aalen-Johansen agrees too
    gray = survlupus.gray_test(d, "P", by="ARM").set_index("cause")
    rg = r_out("gray").query("dataset == @ds")
    for row in rg.itertuples():
        close([gray.loc[row.cause, "statistic"]], [row.statistic], EST)
        close([gray.loc[row.cause, "p"]], [row.p], PVAL)


def test_gray_test_stratified_and_weighted_match_cmprsk():
    """Four arms of unequal size, one gone from the risk sets by day 60; rho 0 and 1, with and
    without strata (validation/r/competing.R)."""
    d = dataset("cr_strata")
    for row in r_out("gray_strata").fillna({"strata": ""}).itertuples():
        strata = row.strata or None
        g = survlupus.gray_test(d, "P", by="ARM", strata=strata, rho=row.rho).set_index("cause")
        assert g.loc[row.cause, "df"] == row.df
        close([g.loc[row.cause, "statistic"]], [row.statistic], EST)
        close([g.loc[row.cause, "p"]], [row.p], PVAL)


def test_cumulative_incidence_of_four_arms_matches_cmprsk():
    d = dataset("cr_strata")
    cif = survlupus.cumulative_incidence(d, "P", by="ARM")
    r = r_out("cuminc_groups").query("cause == 1").dropna()  # NA after an arm's last time
    m = cif.at(sorted(r["time"].unique())).merge(r, on=["group", "time"], suffixes=("", "_r"))
    assert len(m) == len(r) and set(m["group"]) == {"A", "B", "C", "D"}
    close(m["estimate"], m["estimate_r"], EST)
    close(m["std_err"] ** 2, m["variance"], EST)
