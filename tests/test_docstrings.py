"""The main entry points document their parameters, returns and an example, and the examples
run (doctest, on the bundled synthetic trials)."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

import survlupus

from .conftest import ROOT

DOCUMENTED = {
    "survlupus.trial.read": ["read_trial", "validate_trial"],
    "survlupus.trial.sdtm": ["tables_from_sdtm"],
    "survlupus.derive.tte.adtte": [
        "derive_adtte",
        "derive_endpoint",
        "list_endpoints",
        "default_endpoints",
        "derive_severe_flare",
        "derive_renal_flare",
        "derive_haematologic_flare",
        "derive_complete_remission",
        "derive_death",
        "derive_esrd",
        "derive_creatinine_doubling",
        "derive_extrarenal_flare",
        "derive_rescue_therapy",
        "derive_treatment_failure",
    ],
    "survlupus.analyse.run": ["analyse"],
    "survlupus.derive.responders": ["derive_responders", "default_responders"],
    "survlupus.derive.tte.episodes": ["derive_episodes"],
    "survlupus.stats.km": ["kaplan_meier"],
    "survlupus.stats.compare": ["logrank"],
    "survlupus.stats.cox": ["cox"],
    "survlupus.stats.competing": ["cumulative_incidence", "gray_test"],
    "survlupus.stats.rmst": ["rmst"],
    "survlupus.stats.tables": ["summary_table"],
    "survlupus.stats.proportions": ["responder_summary"],
    "survlupus.stats.finegray": ["fine_gray"],
    "survlupus.plan.toml": ["load_plan"],
    "survlupus.stats.safety": ["ae_overview", "ae_by_term", "ae_by_max_grade", "toxicity_shift"],
    "survlupus.stats.mmrm": ["mmrm"],
    "survlupus.stats.longitudinal": [
        "slopes",
        "geometric_mean_ratio",
        "normalisation",
        "shift_table",
    ],
    "survlupus.derive.tte.scope": ["follow_up"],
    "survlupus.stats.recurrent": ["flare_rates", "mean_cumulative_function"],
    "survlupus.derive.adae": ["derive_adae"],
    "survlupus.derive.change": ["change_from_baseline", "summarise_change"],
    "survlupus.derive.tte.engine": ["derive_tte"],
    "survlupus.derive.bds": ["derive_bds"],
    "survlupus.analyse.wording": ["outcome_display"],
    "survlupus.plan.generic": ["generic_plan"],
    "survlupus.plan.write": ["plan_to_toml"],
    "survlupus.analyse.forest": ["forest_table"],
    "survlupus.stats.safety_rates": ["ae_rates", "ae_by_year", "ae_time_to_first"],
    "survlupus.render.datasets": ["write_dataset"],
    "survlupus.derive.settings": [],
    "survlupus.fielddoc": [],
    "survlupus.errors": [],
    "survlupus.derive.tte.renal": [],
    "survlupus.derive.tte.flares": [],
    "survlupus.render.figures.timeaxis": [],
}


def test_signatures_do_not_print_default_data():
    """Defaults that are tables (a schedule, the flare types) are None in the signature."""
    for name in ("derive_responders", "derive_episodes", "change_from_baseline"):
        text = str(inspect.signature(getattr(survlupus, name)))
        assert "Window(" not in text and "Flare(" not in text, name


@pytest.mark.parametrize("module", list(DOCUMENTED))
def test_docstrings_have_sections_and_their_examples_run(module, monkeypatch):
    mod = importlib.import_module(module)
    for name in DOCUMENTED[module]:
        doc = inspect.getdoc(getattr(mod, name))
        for section in ("Parameters", "Returns"):
            assert f"{section}\n----" in doc, f"{module}.{name}: no {section}"
        assert "Examples\n----" in doc, f"{module}.{name}: no example"
        params = set(inspect.signature(getattr(mod, name)).parameters)
        described = {p for p in params if p in doc}
        assert described == params, f"{module}.{name}: undocumented {params - described}"
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(mod, extraglobs={"survlupus": survlupus}, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_public_function_and_class_documents_its_parameters():
    for name in survlupus.__all__:
        obj = getattr(survlupus, name)
        if not callable(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        if isinstance(obj, type):
            assert "Parameters\n----" in doc or "Attributes\n----" in doc, name
        else:
            assert "Parameters\n----" in doc and "Returns\n----" in doc, name
            assert "Examples\n----" in doc, name
