"""On every synthetic trial, each planted event is recovered at the first assessment on or after
its latent onset (or on its record date), and no event is derived where none was planted.

The expected dates are computed here from ``truth.csv`` and the visit dates alone."""

import pandas as pd
import pytest

import survlupus
from survlupus.synthetic import DESIGNS

from .conftest import SYNTHETIC


def expected_events(trial, truth, adtte, window):
    v = trial.visits
    rows = []
    for t in truth.itertuples():
        if not isinstance(t.implies, str) or not t.implies:
            continue
        if t.detected_by == "record":
            when = t.onset_date
        else:
            when = v.loc[
                (v.subject_id == t.subject_id) & (v.visit_date >= t.onset_date), "visit_date"
            ].min()
        rows += [(t.subject_id, p, when) for p in t.implies.split(";")]
    exp = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "date"]).dropna()
    scoped = exp.merge(adtte[["USUBJID", "PARAMCD", "STARTDT"]], on=["USUBJID", "PARAMCD"])
    scoped = scoped[(scoped.date - scoped.STARTDT).dt.days + 1 <= window]
    # a subject's death ends observation of every later event
    obs_end = adtte[adtte.PARAMCD == "TTDTH"].set_index("USUBJID")["ADT"]
    scoped = scoped[scoped.date <= scoped.USUBJID.map(obs_end)]
    return scoped.groupby(["USUBJID", "PARAMCD"])["date"].min()


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_planted_events_are_recovered_exactly(design):
    trial = survlupus.read_trial(SYNTHETIC / design)
    window = DESIGNS[design].analysis_window_days
    adtte = survlupus.derive_adtte(trial, window_days=window)
    truth = pd.read_csv(SYNTHETIC / design / "truth.csv", parse_dates=["onset_date"])
    expected = expected_events(trial, truth, adtte, window)
    derived = adtte[adtte.CNSR == 0].set_index(["USUBJID", "PARAMCD"])["ADT"]
    assert len(expected) > 10
    missing = expected[~expected.index.isin(derived.index)]
    assert missing.empty, f"planted but not derived: {missing}"
    extra = derived[~derived.index.isin(expected.index)]
    assert extra.empty, f"derived but not planted: {extra}"
    wrong = expected[derived.reindex(expected.index) != expected]
    assert wrong.empty, f"derived on another date: {wrong}"
