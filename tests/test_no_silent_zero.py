"""No computed table holds a silent 0 % for something that could not be assessed: every outcome
row with no subject to count is "not evaluable" with its reason, in every seed study and in a
trial whose plan names a population nobody belongs to."""

from __future__ import annotations

import pytest

import survlupus

from .conftest import SYNTHETIC


def _check(outcomes):
    counted = outcomes[outcomes["kind"].isin(["tte", "responder", "responder_by_visit"])]
    arms = counted[counted["comparison"] == ""]
    empty = arms[arms["n"].fillna(0) == 0]
    assert not empty["evaluable"].any(), empty[["number", "PARAMCD", "arm"]]
    assert (empty["reason"] != "").all()
    zero = arms[(arms["estimate"] == 0) & arms["evaluable"]]
    assert (zero["n"] > 0).all()  # a 0 % always has its denominator


@pytest.mark.parametrize("design", ["cs20at04", "musc", "nanjing", "ltfu"])
def test_seed_studies_have_no_silent_zero(design):
    _check(survlupus.analyse(survlupus.read_trial(SYNTHETIC / design)).outcomes)


def test_an_empty_population_is_not_evaluable():
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    plan = survlupus.plan.plan_from_dict(
        {
            "study": {
                "id": "X",
                "design": "single-arm",
                "arms": ["MSC high", "MSC low", "Placebo"],
            },
            "populations": [{"name": "other", "subgroup": "other"}],
            "outcomes": [
                {"label": "flare", "kind": "tte", "endpoints": ["TTSFLR"], "population": "other"}
            ],
        }
    )
    out = survlupus.analyse(trial, plan).outcomes
    assert len(out) == 1 and not out["evaluable"].iloc[0]
    assert "no subject of population 'other' has TTSFLR" in out["reason"].iloc[0]
