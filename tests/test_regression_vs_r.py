"""Robust (clustered) Cox variance, Fine-Gray regression and uninformative terms against R.

Reference: ``validation/r/regression.R`` (survival 3.5-3, cmprsk 2.2-11) on the datasets of
``validation/regression_datasets.py``; its output is committed in
``validation/r/output/regression_reference.csv``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import survlupus

ROOT = Path(__file__).resolve().parents[1]
REF = pd.read_csv(ROOT / "validation" / "r" / "output" / "regression_reference.csv").set_index(
    ["case", "quantity"]
)["value"]
TERMS = {"ARMB": "ARM[B]", "AGE": "AGE"}


def data(name: str) -> pd.DataFrame:
    d = pd.read_csv(ROOT / "validation" / "data" / f"{name}.csv")
    d["PARAMCD"] = "P"
    return d


@pytest.mark.parametrize(
    ("case", "ties", "strata", "cluster"),
    [
        ("efron_id", "efron", None, None),  # robust=True: each subject its own cluster
        ("breslow_cluster", "breslow", None, "CLUSTER"),
        ("efron_cluster_strata", "efron", "SITE", "CLUSTER"),
    ],
)
def test_robust_cox_equals_coxph_cluster(case, ties, strata, cluster):
    fit = survlupus.cox(
        data("robust"),
        "P",
        ["ARM", "AGE"],
        strata=strata,
        ties=ties,
        reference="A",
        robust=True,
        cluster=cluster,
    )
    t = fit.table.set_index("term")
    for r_name, name in TERMS.items():
        assert t.loc[name, "coef"] == pytest.approx(REF[(case, f"coef_{r_name}")], abs=1e-8)
        assert t.loc[name, "se_naive"] == pytest.approx(REF[(case, f"se_{r_name}")], rel=1e-7)
        assert t.loc[name, "se"] == pytest.approx(REF[(case, f"robust_se_{r_name}")], rel=1e-7)
        assert t.loc[name, "p_test"] == "Wald (robust)"
    wald = fit.tests.set_index("test").loc["wald (robust)", "statistic"]
    assert wald == pytest.approx(REF[(case, "robust_wald")], rel=1e-7)
    assert fit.robust


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_fine_gray_equals_finegray_coxph_and_its_cif(ties):
    d = data("finegray").rename(columns={"STATUS": "CRSTAT"})
    d["CNSR"] = np.where(d["CRSTAT"] == 1, 0, 1)
    fg = survlupus.fine_gray(d, "P", covariates=["ARM", "AGE"], reference="A", ties=ties)
    case = f"finegray_{ties}"
    t = fg.table.set_index("term")
    for r_name, name in TERMS.items():
        assert t.loc[name, "coef"] == pytest.approx(REF[(case, f"coef_{r_name}")], abs=1e-8)
        assert t.loc[name, "se_naive"] == pytest.approx(REF[(case, f"se_{r_name}")], rel=1e-7)
        assert t.loc[name, "se"] == pytest.approx(REF[(case, f"robust_se_{r_name}")], rel=1e-7)
    times = [56, 112, 182, 252]
    for arm in ("A", "B"):
        cif = fg.cif({"ARM": arm, "AGE": 45}, times)["cif"].to_numpy()
        expected = [REF[(case, f"cif_{arm}_{tt}")] for tt in times]
        np.testing.assert_allclose(cif, expected, rtol=0, atol=1e-9)
    assert (fg.n_events, fg.n_competing) == (43, 29)


def test_fine_gray_breslow_is_close_to_cmprsk_crr():
    """crr evaluates the censoring distribution slightly differently and accounts for its
    estimation in the variance: equal to about 3e-3 (the difference is documented)."""
    d = data("finegray").rename(columns={"STATUS": "CRSTAT"})
    d["CNSR"] = np.where(d["CRSTAT"] == 1, 0, 1)
    t = survlupus.fine_gray(d, "P", covariates=["ARM", "AGE"], reference="A", ties="breslow")
    t = t.table.set_index("term")
    assert t.loc["ARM[B]", "coef"] == pytest.approx(REF[("crr", "coef_ARMB")], abs=3e-3)
    assert t.loc["ARM[B]", "se"] == pytest.approx(REF[("crr", "se_ARMB")], rel=3e-3)


def test_a_covariate_without_information_at_the_event_times_is_dropped_as_r_does():
    fit = survlupus.cox(data("uninformative"), "P", ["ARM", "EARLY", "AGE"], reference="A")
    t = fit.table.set_index("term")
    assert math.isnan(REF[("uninformative", "coef_EARLY")]) and math.isnan(t.loc["EARLY", "coef"])
    assert t.loc["ARM[B]", "coef"] == pytest.approx(REF[("uninformative", "coef_ARMB")], abs=1e-8)
    assert t.loc["ARM[B]", "se"] == pytest.approx(REF[("uninformative", "se_ARMB")], rel=1e-7)
    lrt = fit.tests.set_index("test").loc["likelihood ratio"]
    assert lrt["statistic"] == pytest.approx(REF[("uninformative", "lrt")], rel=1e-7)
    assert lrt["df"] == REF[("uninformative", "lrt_df")] == 2
    assert any(
        "EARLY cannot be estimated (no variation among the subjects at risk" in n for n in fit.notes
    )


def _no_events_in_b() -> pd.DataFrame:
    # arm A: events on days 10, 20, 30, 40; arm B: censored on days 15, 25, 35, 45
    return pd.DataFrame(
        {
            "USUBJID": [f"S{i}" for i in range(8)],
            "PARAMCD": "P",
            "ARM": ["A"] * 4 + ["B"] * 4,
            "AVAL": [10.0, 20, 30, 40, 15, 25, 35, 45],
            "CNSR": [0, 0, 0, 0, 1, 1, 1, 1],
        }
    )


def test_ph_test_on_a_fit_without_a_finite_maximum_names_the_model(recwarn):
    fit = survlupus.cox(_no_events_in_b(), "P", ["ARM"], reference="A")
    assert any("no finite maximum" in n for n in fit.notes)
    with pytest.raises(survlupus.DataError, match="ph_test: the Cox model of P has no finite"):
        fit.ph_test()
    firth = survlupus.cox(_no_events_in_b(), "P", ["ARM"], reference="A", firth=True)
    with pytest.raises(survlupus.DataError, match="Firth's penalised fit; cox.zph is not"):
        firth.ph_test()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_more_terms_than_events_is_said_and_no_numpy_error_escapes(recwarn):
    rng = np.random.default_rng(3)
    d = _no_events_in_b().assign(CNSR=[0, 1, 0, 1, 1, 0, 1, 1])
    for j in range(4):
        d[f"X{j}"] = rng.normal(size=len(d))
    fit = survlupus.cox(d, "P", ["X0", "X1", "X2", "X3"])
    assert any("4 terms for 3 events: the model is over-parameterised" in n for n in fit.notes)
    with pytest.raises(survlupus.DataError, match="no term of ARM can be estimated"):
        survlupus.cox(d.assign(ARM="A"), "P", ["ARM"])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
