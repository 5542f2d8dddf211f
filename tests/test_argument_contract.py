"""A wrong name (arm, reference, parameter, visit, type, column) is an error naming it and what
exists, in every public function: never a silent empty or zero result, never a bare traceback."""

from __future__ import annotations

import pytest

import survlupus
from survlupus.derive.tte.episodes import FLARE_TYPES
from survlupus.stats.recurrent import EPISODE_TYPES

from .conftest import SYNTHETIC


@pytest.fixture(scope="module")
def musc():
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    adtte = survlupus.derive_adtte(trial, ["TTSFLR", "TTRFLR", "TTDTH"], window_days=379)
    episodes = survlupus.derive_episodes(trial, window_days=379)
    return trial, adtte, episodes, survlupus.follow_up(trial, 379)


def test_the_episode_types_the_rates_know_are_those_derived():
    assert set(EPISODE_TYPES) == {name for name, _, _ in FLARE_TYPES} | {"mild/moderate flare"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda m: survlupus.summary_table(m[1], reference="placebo"),
            "reference 'placebo' is not a group of ARM; the groups are MSC high",
        ),
        (
            lambda m: survlupus.logrank(m[1][m[1].ARM == "Placebo"], "TTSFLR", "ARM"),
            "has one group \\(Placebo\\)",
        ),
        (
            lambda m: survlupus.forest_table(m[1], ["TTSFLR"], reference="placebo"),
            "reference 'placebo' is not a group",
        ),
        (
            lambda m: survlupus.flare_rates(m[2], m[3], reference="placebo"),
            "flare_rates: reference 'placebo' is not a group",
        ),
        (
            lambda m: survlupus.flare_rates(m[2], m[3], types=["sever flare"]),
            "unknown episode type 'sever flare'; the types are severe flare",
        ),
        (
            lambda m: survlupus.mean_cumulative_function(m[2], m[3], types=["nope"]),
            "unknown episode type 'nope'",
        ),
        (
            lambda m: survlupus.change_from_baseline(m[0], ["hb"], ["W4"]),
            "the visits table has no column hb",
        ),
        (
            lambda m: survlupus.change_from_baseline(m[0], ["platelets_10e9_l"], ["W99"]),
            "visit W99 is not in the schedule",
        ),
        (lambda m: survlupus.derive_adtte(m[0], ["TTXX"]), "unknown PARAMCD TTXX; known: TTSFLR"),
        (
            lambda m: survlupus.cox(m[1], "TTSFLR", ["ARM"], reference="placebo"),
            "reference 'placebo' is not a level of ARM",
        ),
    ],
)
def test_wrong_names_are_errors_that_name_them(musc, call, message):
    with pytest.raises(ValueError, match=message):
        call(musc)
