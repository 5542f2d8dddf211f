"""MMRM: equal to R's nlme::gls (REML) + emmeans on the synthetic trials and hand-built cases
(committed output of validation/r/mmrm.R), recovers a planted change, and refuses data it cannot
use with a message naming the parameter and visit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survlupus
from survlupus.stats.mmrm import mmrm

from .conftest import ROOT

DATA = ROOT / "validation" / "data"
REF = pd.read_csv(ROOT / "validation" / "r" / "output" / "mmrm_reference.csv")
CASES = {
    "musc_c3": ("mmrm_musc_c3.csv", "Placebo"),
    "musc_sledai": ("mmrm_musc_sledai.csv", "Placebo"),
    "nanjing_sledai": ("mmrm_nanjing_sledai.csv", None),
    "hand": ("mmrm_hand.csv", "Control"),
}


def _bds(name: str) -> pd.DataFrame:
    d = pd.read_csv(DATA / CASES[name][0])
    return d.assign(PARAMCD="X", AVISITN=d["VISITN"] + 1)


@pytest.mark.parametrize(
    ("case", "structure"),
    sorted(REF[["case", "structure"]].drop_duplicates().itertuples(index=False, name=None)),
)
def test_mmrm_equals_nlme_gls_and_emmeans(case, structure):
    ref_arm = CASES[case][1]
    fit = mmrm(
        _bds(case),
        "X",
        by="ARM" if ref_arm else None,
        reference=ref_arm,
        covariance_structure=structure,
    )
    assert fit.converged, fit.message
    r = REF[(REF.case == case) & (REF.structure == structure)]
    assert fit.loglik == pytest.approx(r["loglik"].iloc[0], abs=1e-5)  # the same REML likelihood
    ours = pd.concat([fit.lsmeans.assign(kind="lsmean"), fit.contrasts.assign(kind="contrast")])
    m = r.merge(ours, on=["kind", "arm", "visit"], suffixes=("_r", ""), validate="1:1")
    assert len(m) == len(r) > 0
    # estimates to 1e-4 of their own size (or of their SE, for estimates near zero)
    scale = np.maximum(m["estimate_r"].abs(), m["se_r"])
    assert ((m["estimate"] - m["estimate_r"]).abs() <= 1e-4 * scale).all()
    assert m["se"].to_numpy() == pytest.approx(m["se_r"].to_numpy(), rel=1e-4)
    # Satterthwaite df within 5 % of emmeans' (its df for gls rests on nlme's numerical apVar)
    assert m["df"].to_numpy() == pytest.approx(m["df_r"].to_numpy(), rel=0.05)


def test_single_arm_model_gives_mean_change_per_visit():
    fit = mmrm(_bds("nanjing_sledai"), "X", by=None)
    assert fit.lsmeans["arm"].eq("all").all() and fit.contrasts.empty
    assert list(fit.lsmeans["visit"]) == ["M6", "M12", "M18", "M24"]
    assert "single arm" in repr(fit) and "<table" in fit._repr_html_()


def _simulated(seed: int, n: int = 40, effect: float = -2.0) -> pd.DataFrame:
    """Two arms, three visits, unstructured errors; the active arm's mean change at the last
    visit is ``effect`` below placebo's, with 10 % of records missing at random."""
    rng = np.random.default_rng(seed)
    cov = np.array([[4.0, 2.0, 1.5], [2.0, 5.0, 2.5], [1.5, 2.5, 6.0]])
    rows = []
    for i in range(n):
        arm = "Active" if i % 2 else "Placebo"
        base = rng.normal(20, 3)
        err = rng.multivariate_normal(np.zeros(3), cov)
        for v in range(3):
            if rng.random() < 0.1:
                continue
            mean = -1.0 * (v + 1) + (effect * (v + 1) / 3 if arm == "Active" else 0.0)
            rows.append(
                (
                    f"S{i:03d}",
                    arm,
                    "X",
                    f"W{4 * (v + 1)}",
                    29 + 28 * v,
                    base,
                    mean + 0.5 * (base - 20) + err[v],
                )
            )
    return pd.DataFrame(
        rows, columns=["USUBJID", "ARM", "PARAMCD", "AVISIT", "AVISITN", "BASE", "CHG"]
    )


def test_planted_difference_is_recovered():
    """Truth recovery: over 60 simulated trials the 95 % CI of the week-12 contrast covers the
    planted -2.0 about 95 % of the time (at least 52 of 60: binomial 99.5 % lower bound)."""
    covered = 0
    for seed in range(60):
        c = mmrm(_simulated(seed), "X", reference="Placebo").contrasts.set_index("visit")
        covered += c.loc["W12", "lower"] <= -2.0 <= c.loc["W12", "upper"]
    assert covered >= 52
    big = mmrm(_simulated(1, n=2000), "X", reference="Placebo").contrasts.set_index("visit")
    assert big.loc["W12", "estimate"] == pytest.approx(-2.0, abs=0.25)


def test_bad_input_gets_a_message_naming_parameter_and_visit():
    d = _simulated(3)
    with pytest.raises(ValueError, match="no PARAMCD 'Y'; the dataset has X"):
        mmrm(d, "Y")
    with pytest.raises(
        ValueError, match="reference 'placebo' is not an arm; arms: Active, Placebo"
    ):
        mmrm(d, "X", reference="placebo")
    with pytest.raises(ValueError, match="no column CHG"):
        mmrm(d.drop(columns="CHG"), "X")
    with pytest.raises(ValueError, match="X has no post-baseline value"):
        mmrm(d.assign(CHG=np.nan), "X")
    one = pd.concat([d[d.AVISIT != "W12"], d[d.AVISIT == "W12"].head(1)])
    with pytest.raises(ValueError, match=r"X at visit W12 has 1 subject\(s\); .* at least 4"):
        mmrm(one, "X", reference="Placebo")
    lonely = d[~((d.AVISIT == "W12") & (d.ARM == "Active"))]
    with pytest.raises(ValueError, match="X at visit W12: no subject of Active"):
        mmrm(lonely, "X", reference="Placebo")
    with pytest.raises(ValueError, match="start covariance is not positive definite"):
        mmrm(d, "X", reference="Placebo", start=np.array([[1, 2, 0], [2, 1, 0], [0, 0, 1]]))
    with pytest.raises(ValueError, match="covariance 'ante' is not one of us, cs"):
        mmrm(d, "X", covariance_structure="ante")
    twice = pd.concat([d, d.head(1)])
    with pytest.raises(
        ValueError, match="subject S000 has several analysed records at W8; flag one"
    ):
        mmrm(twice, "X")


def test_mmrm_on_a_derived_bds():
    trial = survlupus.read_trial(ROOT / "data" / "synthetic" / "musc")
    plan = survlupus.load_plan(ROOT / "data" / "synthetic" / "musc" / "plan.toml")
    bds = survlupus.derive_bds(trial, ["c3_g_l"], plan)
    fit = mmrm(bds, "C3", reference="Placebo", visits=["W12", "W24", "W36", "W52"])
    ref = REF[(REF.case == "musc_c3") & (REF.structure == "us") & (REF.kind == "contrast")]
    got = fit.contrasts.set_index(["arm", "visit"])
    for r in ref.itertuples():
        assert got.loc[(r.arm, r.visit), "estimate"] == pytest.approx(r.estimate, rel=1e-4)
