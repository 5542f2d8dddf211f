"""Correctness at the edges, against R (committed output of validation/r/edges.R)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import survlupus

from .conftest import ROOT

REF = pd.read_csv(ROOT / "validation" / "r" / "output" / "edges_reference.csv").set_index(
    ["case", "quantity"]
)["value"]


def test_cox_drops_a_term_constant_within_every_stratum_as_r_does():
    d = pd.read_csv(ROOT / "validation" / "data" / "cox_aliased.csv")
    fit = survlupus.cox(d, "X", ["ARM", "SITEVAR"], strata="SITE", reference="A")
    t = fit.table.set_index("term")
    assert t.loc["ARM[B]", "coef"] == pytest.approx(REF[("aliased", "coef_ARMB")], rel=1e-6)
    assert t.loc["ARM[B]", "se"] == pytest.approx(REF[("aliased", "se_ARMB")], rel=1e-6)
    assert math.isnan(REF[("aliased", "coef_SITEVAR")]) and math.isnan(t.loc["SITEVAR", "coef"])
    assert t.loc["SITEVAR", "p_test"] == "not estimable"
    assert any("SITEVAR cannot be estimated" in n for n in fit.notes)
    lrt = fit.tests.set_index("test").loc["likelihood ratio"]
    assert lrt["statistic"] == pytest.approx(REF[("aliased", "lrt")], rel=1e-5)
    assert lrt["df"] == REF[("aliased", "lrt_df")] == 1
    zph = fit.ph_test().set_index("term").loc["GLOBAL"]
    assert zph["chisq"] == pytest.approx(REF[("aliased", "zph_global")], rel=1e-5)
    assert zph["df"] == REF[("aliased", "zph_df")]


def test_cox_with_nothing_estimable_says_so():
    d = pd.read_csv(ROOT / "validation" / "data" / "cox_aliased.csv")
    with pytest.raises(ValueError, match="no term of SITEVAR can be estimated for X"):
        survlupus.cox(d, "X", ["SITEVAR"], strata="SITE")


def test_firth_with_a_continuous_covariate_equals_firthmodels():
    """ARM + age in years, 24 subjects, no event on MSC: the case whose fixed +-30 bracket
    overflowed. Reference: firthmodels' FirthCoxPH (an independent implementation, tight
    tolerances) — coefficients to 1e-6, profile-likelihood limits to 1e-5."""
    import warnings

    import numpy as np
    from firthmodels import FirthCoxPH

    d = pd.read_csv(ROOT / "validation" / "data" / "firth_age.csv")
    fit = survlupus.cox(d, "X", ["ARM", "AGE"], reference="Placebo", firth=True)
    t = fit.table.set_index("term")
    x = np.column_stack([(d["ARM"] == "MSC").to_numpy(float), d["AGE"].to_numpy(float)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its step-halving notice at the optimum
        ref = FirthCoxPH(backend="numpy", gtol=1e-10, xtol=1e-12, max_iter=200).fit(
            x, ((d["CNSR"] == 0).to_numpy(), d["AVAL"].to_numpy(float))
        )
        ci = np.exp(ref.conf_int(method="pl", tol=1e-10))
    assert t.loc[["ARM[MSC]", "AGE"], "coef"].to_numpy() == pytest.approx(ref.coef_, abs=1e-6)
    assert t.loc["ARM[MSC]", "upper"] == pytest.approx(ci[0, 1], rel=1e-5)
    assert t.loc["AGE", "lower"] == pytest.approx(ci[1, 0], rel=1e-5)
    assert t.loc["AGE", "upper"] == pytest.approx(ci[1, 1], rel=1e-5)
    assert t.loc["ARM[MSC]", "lower"] == pytest.approx(ci[0, 0], rel=1e-3)  # far in the tail


RATES = pd.read_csv(ROOT / "validation" / "r" / "output" / "rates_reference.csv")


@pytest.mark.parametrize("model", ["poisson", "negbin"])
def test_rate_ratios_equal_r_glm_and_glm_nb(model):
    """Rate ratios against placebo: the Poisson one in closed form, the negative binomial
    converged to 1e-12; R: glm(poisson) and MASS::glm.nb with epsilon 1e-14."""
    import numpy as np

    d = pd.read_csv(ROOT / "validation" / "data" / "rates_nb.csv")
    counts = d.loc[d.index.repeat(d["events"])].assign(TYPE="severe flare", ONSETDY=1)
    exposure = d.assign(days=d["years"] * 365.25)
    got = survlupus.flare_rates(counts, exposure, by="ARM", model=model, reference="Placebo")
    got = got.set_index("group")
    ref = RATES[RATES.model == model].set_index("term")
    for arm in ("MSC high", "MSC low"):
        b, se = ref.loc[f"ARM{arm}", "estimate"], ref.loc[f"ARM{arm}", "se"]
        assert np.log(got.loc[arm, "rate_ratio"]) == pytest.approx(b, rel=1e-6)
        upper = np.log(got.loc[arm, "rr_upper"])
        assert (upper - b) / 1.959963984540054 == pytest.approx(se, rel=1e-6)


def test_rmst_equals_survival_rmean_and_differences_follow():
    from survlupus.stats.rmst import rmst

    d = pd.read_csv(ROOT / "validation" / "data" / "rmst_musc_ttsflr.csv").assign(PARAMCD="X")
    got = survlupus.rmst(d, "X", 365, by="ARM", reference="Placebo")
    own = got[got.comparison == ""].set_index("group")
    for arm in ("MSC high", "MSC low", "Placebo"):
        assert own.loc[arm, "estimate"] == pytest.approx(REF[("rmst365", f"rmean_{arm}")], rel=1e-9)
        assert own.loc[arm, "se"] == pytest.approx(REF[("rmst365", f"se_{arm}")], rel=1e-9)
    diff = got[(got.comparison == "difference") & (got.group == "MSC high")].iloc[0]
    r1, r0 = own.loc["MSC high"], own.loc["Placebo"]
    assert diff.estimate == pytest.approx(r1.estimate - r0.estimate)
    assert diff.se == pytest.approx((r1.se**2 + r0.se**2) ** 0.5)
    with pytest.raises(ValueError, match="beyond the last follow-up"):
        rmst(d, "X", 10_000, by="ARM")


def test_firth_converges_where_full_newton_steps_overshoot():
    """Three arms, one death in 81 subjects (musc TTDTH): the information matrix is not the
    penalised likelihood's curvature, full Newton steps overshoot, and accepting steps that
    left the penalised likelihood equal to rounding let the iterates oscillate at a score of
    ~1e-7 for 200 iterations. Reference: firthmodels' FirthCoxPH converged to 1e-10 —
    coefficients to 1e-7."""
    import warnings

    import numpy as np
    from firthmodels import FirthCoxPH

    trial = survlupus.read_trial(ROOT / "data" / "synthetic" / "musc")
    d = survlupus.derive_adtte(trial, ["TTDTH"], window_days=379)
    fit = survlupus.cox(d, "TTDTH", ["ARM"], reference="Placebo", firth=True)
    x = np.column_stack([(d["ARM"] == a).to_numpy(float) for a in ("MSC high", "MSC low")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = FirthCoxPH(backend="numpy", gtol=1e-10, xtol=1e-12, max_iter=500).fit(
            x, ((d["CNSR"] == 0).to_numpy(), d["AVAL"].to_numpy(float))
        )
    # (the oscillating iterates stopped 4e-7 away; the penalised likelihood is flat here, so
    # two converged optimisers agree to ~1e-8)
    assert fit.table["coef"].to_numpy() == pytest.approx(ref.coef_, abs=1e-7)
