"""The analysis plan: strict loading, writing and reading back, the seed studies' plans, the
generic plan inferred from data, old configs converted, and plan-driven analysis at the edges
(a schedule of the user's own, a visit the schedule lacks, arms that do not match)."""

from __future__ import annotations

import copy
import tomllib

import pytest

import survlupus
from survlupus.derive import responders
from survlupus.plan import PlanError, generic_plan, infer_schedule, plan_from_dict, plan_to_toml
from survlupus.plan.legacy import is_legacy, plan_from_legacy
from survlupus.synthetic import design_plan_text

from .conftest import SYNTHETIC

MINIMAL = {
    "study": {"id": "X1", "design": "controlled", "arms": ["A", "B"], "reference_arm": "B"},
    "windows": {"efficacy": 200},
    "schedule": {"visits": [{"label": "W4", "day": 29}, {"label": "W26", "day": 183}]},
    "outcomes": [
        {"label": "SRI-4 at W26", "kind": "responder", "endpoints": ["SRI4"], "visit": "W26"},
        {"label": "Flare", "kind": "tte", "endpoints": ["TTSFLR"]},
    ],
}


def _with(path: str, value):
    """MINIMAL with one value replaced (``outcomes.0.visit``) or added."""
    data = copy.deepcopy(MINIMAL)
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[int(p)] if p.isdigit() else node.setdefault(p, {})
    node[last] = value
    return data


def test_minimal_plan_loads_with_documented_defaults():
    plan = plan_from_dict(MINIMAL)
    assert plan.controlled and plan.window_days() == 200
    assert plan.missing == "non-responder" and plan.firth_below == 1
    assert [p.name for p in plan.populations] == ["all"]
    o = plan.outcome(1)
    assert (o.population, o.window, o.primary) == ("all", "efficacy", False)
    assert plan.visit_labels() == ("W4", "W26")
    assert plan.schedule[1].before == plan.schedule[1].after == 7


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("outcomes.0.vist", "W26", r"outcomes\[0\]\.vist: unknown key; known: number, label"),
        ("study.design", "crossover", r"study\.design: 'crossover' is not one of"),
        ("study.reference_arm", "C", r"study\.reference_arm: 'C' is not one of the arms A, B"),
        ("windows.efficacy", "200", r"windows\.efficacy: expected int"),
        ("windows.efficacy", 0, r"windows\.efficacy: 0 days is outside"),
        ("outcomes.0.kind", "survival", r"outcomes\[0\]\.kind: 'survival' is not one of"),
        ("outcomes.0.endpoints", ["SRI9"], r"unknown responder 'SRI9'; known: STER4W12"),
        ("outcomes.1.endpoints", ["TTXX"], r"unknown PARAMCD 'TTXX'"),
        ("outcomes.0.population", "renal", r"population 'renal' is not in the plan"),
        ("outcomes.1.window", "ltfu", r"outcomes\[1\]\.window: 'ltfu' is not one of efficacy"),
        ("outcomes.0.definition", {"k": "four"}, r"outcomes\[0\]\.definition\.k: expected int"),
        ("outcomes.1.definition", {"x": 1}, r"override it in \[definitions\.PARAMCD\]"),
        ("outcomes.0.primary", "yes", r"outcomes\[0\]\.primary: expected bool"),
        ("figures.formats", ["pdf"], r"figures\.formats: must include 'png'"),
        ("figures.dpi", 0, r"figures\.dpi: 0 is outside 50-1200"),
        ("analysis.missing", "impute", r"analysis\.missing: 'impute' is not one of"),
        ("analysis.landmark_days", [0], r"analysis\.landmark_days\[0\]: 0 is below 1"),
        ("definitions.TTRFLR", {"confirm": 1}, r"definitions\.TTRFLR\.confirm: unknown setting"),
        (
            "schedule.visits",
            [{"label": "W4", "day": 29}, {"label": "W2", "day": 15}],
            r"schedule\.visits\[1\]\.day: visits must be in order",
        ),
        ("plots", {}, r"plan\.plots: unknown key; known: study"),
        # values out of range are refused up front, before any data is read (issue 19)
        ("analysis.firth_below", -1, r"analysis\.firth_below: -1 is below 0"),
        ("analysis.landmark_days", [500], r"landmark_days\[0\]: day 500 is beyond the efficacy"),
        ("outcomes.1.at_day", 0, r"outcomes\[1\]\.at_day: day 0 is outside the efficacy window"),
        ("outcomes.1.at_day", 201, r"at_day: day 201 is outside the efficacy window \(1-200"),
        ("schedule.visits", [{"label": "S", "day": -3}], r"-3 is before study day 1"),
        ("definitions.TTRFLR", {"confirm_days": -3}, r"RenalFlare\.confirm_days is -3: must not"),
        (
            "definitions.TTRFLR",
            {"creatinine_factor": 0.9},
            r"TTRFLR: RenalFlare\.creatinine_factor is 0\.9: a rise factor must be above 1",
        ),
        ("outcomes.0.definition", {"k": 0}, r"outcomes\[0\]\.definition: .*k must be at least 1"),
        ("outcomes.0.endpoints", ["SRI4", "SRI4"], r"outcomes\[0\]\.endpoints: SRI4 listed twice"),
    ],
)
def test_plan_errors_name_the_key(path, value, message):
    with pytest.raises(PlanError, match=message):
        plan_from_dict(_with(path, value))


def test_controlled_design_needs_a_reference_and_numbers_are_unique():
    data = copy.deepcopy(MINIMAL)
    del data["study"]["reference_arm"]
    with pytest.raises(PlanError, match="study.reference_arm: required for a controlled design"):
        plan_from_dict(data)
    data = _with("outcomes.1.number", 1)
    with pytest.raises(PlanError, match=r"outcomes\[1\]\.number: 1 is used twice"):
        plan_from_dict(data)


@pytest.mark.parametrize("design", ["cs20at04", "musc", "nanjing"])
def test_seed_plans_round_trip_and_ship_with_the_data(design):
    text = (SYNTHETIC / design / "plan.toml").read_text()
    assert text == design_plan_text(design)  # what `simulate` writes is what is committed
    plan = survlupus.load_plan(SYNTHETIC / design / "plan.toml")
    again = plan_from_dict(tomllib.loads(plan_to_toml(plan)))
    assert again == plan


def test_seed_plans_hold_the_seed_outcome_measures():
    cs = survlupus.load_plan(SYNTHETIC / "cs20at04" / "plan.toml")
    # the registry's 16 outcome measures in protocol order, then the safety outcomes
    assert [
        o.number for o in cs.outcomes if o.kind not in ("safety", "ae_time", "lab_toxicity")
    ] == list(range(1, 17))
    assert {o.kind for o in cs.outcomes if o.number > 16} == {"safety", "ae_time", "lab_toxicity"}
    assert [o.endpoints[0] for o in cs.outcomes if o.primary] == ["STER4W12"]
    musc = survlupus.load_plan(SYNTHETIC / "musc" / "plan.toml")
    assert musc.controlled and musc.study.reference_arm == "Placebo"
    primary = [o for o in musc.outcomes if o.primary]
    assert [(o.endpoints, o.visit) for o in primary] == [(("SRI4",), "W52")]
    assert musc.window_days() == 379 and musc.visit_labels()[-1] == "W52"
    nj = survlupus.load_plan(SYNTHETIC / "nanjing" / "plan.toml")
    assert nj.outcome(1).kind == "mmrm" and nj.outcome(1).visits == ()  # the whole schedule
    assert nj.visit_labels() == tuple(f"M{m}" for m in range(1, 25))


def test_a_schedule_of_ones_own_is_analysed(tmp_path):
    """A W26 visit (not in any built-in schedule) works; a visit the schedule lacks is not
    evaluable with the reason, never 0 %."""
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    data = {
        "study": {
            "id": "MUSC-W26",
            "design": "controlled",
            "arms": ["MSC low", "MSC high", "Placebo"],
            "reference_arm": "Placebo",
        },
        "windows": {"efficacy": 200},
        "schedule": {"visits": [{"label": "W26", "day": 183, "window": 14}]},
        "outcomes": [
            {"label": "SRI-4 at W26", "kind": "responder", "endpoints": ["SRI4"], "visit": "W26"},
            {
                "label": "SRI-4 at W26 (2)",
                "kind": "responder",
                "endpoints": ["SRI4"],
                "visit": "W26",
            },
            {
                "label": "SLEDAI change",
                "kind": "change",
                "endpoints": ["sledai2k"],
                "visits": ["W26"],
            },
        ],
    }
    res = survlupus.analyse(trial, plan_from_dict(data))
    o = res.outcomes
    w26 = o[(o.number == 1) & (o.comparison == "")]
    assert len(w26) == 3 and w26["n"].tolist() == [27, 27, 27]
    assert w26["evaluable"].all()
    adrs = res.datasets["adrs"]
    assert set(adrs.loc[adrs.PARAMCD == "SRI4_26", "ADY"].dropna()) <= set(range(169, 198))
    change = o[o.number == 3]
    assert change["n"].sum() > 0 and change["visit"].eq("W26").all()
    # a visit the schedule does not have is refused when the plan is read (it used to make
    # every subject a non-responder)
    data["outcomes"][1]["visit"] = "W30"
    with pytest.raises(
        PlanError, match=r"outcomes\[1\]\.visit: 'W30' is not in the schedule \(W26\)"
    ):
        plan_from_dict(data)


def test_arms_that_do_not_match_the_data_are_an_error():
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    data = _with("study.arms", ["MSC low", "MSC mid", "Placebo"])
    data["study"]["reference_arm"] = "Placebo"
    with pytest.raises(PlanError, match=r"not in the plan: MSC high\) \(no subject: MSC mid\)"):
        survlupus.analyse(trial, plan_from_dict(data))


def test_generic_plan_is_inferred_from_the_data():
    trial = survlupus.read_trial(SYNTHETIC / "cs20at04")
    schedule = infer_schedule(trial)
    labels = [w.label for w in schedule]
    assert labels[:4] == ["D3", "W1", "W4", "W8"] and labels[-1] == "M60"
    d3, w1 = schedule[0], schedule[1]
    # D3 and W1 are 4 days apart (median study days of their records: 5 and 9): the windows
    # are narrowed to +-1 so that they cannot overlap
    assert (d3.day, w1.day) == (5, 9) and d3.after == 1 and w1.before == 1
    plan = generic_plan(trial)
    assert plan.generic and plan.study.design == "single-arm"
    assert plan.window_days() == schedule[-1].day + schedule[-1].after
    assert {p.name for p in plan.populations} == {"all", "cytopenia", "nephritis"}
    tte = {o.endpoints[0]: o.population for o in plan.outcomes if o.kind == "tte"}
    assert tte["TTRFLR"] == "nephritis" and tte["TTHFLR"] == "cytopenia"
    assert tte["TTSFLR"] == "all"


def test_old_configs_are_converted_and_checked():
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    old = {
        "derive": {"window_days": 379, "variants": ["classic_sfi"]},
        "report": {"reference_arm": "Placebo", "visit": "W52", "landmark_days": [169, 365]},
    }
    assert is_legacy(old) and not is_legacy(MINIMAL)
    plan = plan_from_legacy(old, trial)
    assert plan.window_days() == 379 and plan.variants == ("classic_sfi",)
    assert plan.study.reference_arm == "Placebo" and plan.landmark_days == (169, 365)
    assert {o.visit for o in plan.outcomes if o.kind == "responder"} == {"W52"}
    with pytest.raises(PlanError, match=r"report\.reference_arm: 'placebo' is not an arm"):
        plan_from_legacy({"report": {"reference_arm": "placebo"}}, trial)
    with pytest.raises(PlanError, match=r"report\.landmark: unknown key"):
        plan_from_legacy({"report": {"landmark": [1]}}, trial)


def test_results_plan_and_fits_display_themselves():
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    res = survlupus.analyse(trial)
    fit = res.fit("TTSFLR")
    objects = [res, res.plan, fit, fit.km, fit.logrank, fit.cox, res.fit("TTRFLR", "nephritis").cif]
    for obj in objects:
        text = repr(obj)
        assert text.startswith("<") and len(text) < 200, text
        page = obj._repr_html_()
        assert "<table" in page and len(page) < 50_000
    assert "SRI-4 response at week 52" in res._repr_html_()
    assert "HR" in fit._repr_html_() and "Placebo" in fit._repr_html_()
    with pytest.raises(KeyError, match="the plan fitted: TTSFLR/all/efficacy"):
        res.fit("TTHFLR")
    with pytest.raises(KeyError, match="unknown table 'tte'"):
        res.table("tte")
    fig = res.figure("km", "TTSFLR")
    assert fig.axes and fig.axes[0].get_title(loc="left")
    with pytest.raises(ValueError, match="unknown figure kind 'kaplan'"):
        res.figure("kaplan", "TTSFLR")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: survlupus.RenalFlare(confirm_days=-3), "RenalFlare.confirm_days is -3"),
        (lambda: survlupus.RenalFlare(creatinine_factor=1.0), "a rise factor must be above 1"),
        (lambda: responders.SRI(k=0), "SRI.k is 0: k must be at least 1"),
        (lambda: responders.SteroidTaper(from_day=90, to_day=30), "SteroidTaper.to_day is 30"),
        (lambda: survlupus.SevereFlare(sledai_above=float("nan")), "must be a finite number"),
    ],
)
def test_definitions_refuse_settings_out_of_range(make, message):
    with pytest.raises(ValueError, match=message):
        make()
