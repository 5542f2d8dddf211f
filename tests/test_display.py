"""Every object a user looks at in Jupyter shows itself: a one-line repr (never the input data)
and an HTML table of the essentials."""

from __future__ import annotations

import pytest

import survlupus

from .conftest import SYNTHETIC


@pytest.fixture(scope="module")
def objects():
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    adtte = survlupus.derive_adtte(trial, window_days=379)
    results = survlupus.analyse(trial)
    return {
        "Trial": trial,
        "ValidationReport": survlupus.validate_trial(SYNTHETIC / "musc"),
        "AnalysisPlan": results.plan,
        "Results": results,
        "TTEFit": results.fit("TTSFLR"),
        "KaplanMeier": survlupus.kaplan_meier(adtte, "TTSFLR", by="ARM"),
        "LogRankResult": survlupus.logrank(adtte, "TTSFLR", by="ARM"),
        "CoxResult": survlupus.cox(adtte, "TTSFLR", ["ARM"], reference="Placebo"),
        "CumulativeIncidence": survlupus.cumulative_incidence(
            adtte, "TTRFLR", competing="TTDTH", by="ARM"
        ),
        "FineGrayResult": survlupus.fine_gray(
            adtte, "TTRFLR", "TTDTH", ["ARM"], reference="Placebo"
        ),
        "MMRMResult": next(iter(results.mmrm.values())),
        "SummaryTable": survlupus.summary_table(adtte, by="ARM", reference="Placebo"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "Trial",
        "ValidationReport",
        "AnalysisPlan",
        "Results",
        "TTEFit",
        "KaplanMeier",
        "LogRankResult",
        "CoxResult",
        "CumulativeIncidence",
        "FineGrayResult",
        "MMRMResult",
        "SummaryTable",
    ],
)
def test_objects_display_themselves(objects, name):
    obj = objects[name]
    text = repr(obj)
    assert text.startswith("<") and len(text) < 300 and "\n" not in text, text
    html = obj._repr_html_()
    assert "<table" in html and len(html) < 60_000
    assert "MUSC-001" not in html  # the input data are never dumped
