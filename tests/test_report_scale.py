"""A report that scales: the audit split once per table (not filtered per subject) and put on
pages of its own above a few hundred subjects; the swimmer plot capped with the rule stated."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import survlupus
from survlupus.jobs.report import write_report
from survlupus.render import page as page_module
from survlupus.render.figures.sampling import sample_lanes
from survlupus.render.figures.swimmer import plot_swimmer
from survlupus.render.figures.trajectories import plot_trajectory

from .conftest import SYNTHETIC


def test_sample_lanes_keeps_each_groups_share_deterministically():
    lanes = pd.DataFrame(
        {"USUBJID": [f"S{i:04d}" for i in range(1000)], "group": ["A"] * 600 + ["B"] * 400}
    )
    kept = sample_lanes(lanes, 200)
    assert len(kept) == 200  # every 5th: 120 of A, 80 of B
    assert kept["group"].value_counts().to_dict() == {"A": 120, "B": 80}
    assert kept["USUBJID"].iloc[:3].tolist() == ["S0000", "S0005", "S0010"]
    assert sample_lanes(lanes, 200).equals(kept)
    assert sample_lanes(lanes.head(150), 200).equals(lanes.head(150))  # all when they fit


def test_the_swimmer_says_when_it_shows_a_sample():
    warnings.simplefilter("ignore")
    results = survlupus.analyse(survlupus.read_trial(SYNTHETIC / "musc"))
    ds = results.datasets
    fig, ax = plot_swimmer(results.trial, ds["adepisodes"], ds["adtte"], max_lanes=20)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 18  # 27 a arm, every 5th (81 / 20 rounded up): 6 a arm
    notes = " ".join(t.get_text() for t in ax.texts)
    assert "18 of 81 subjects shown: every 5th subject of each arm, in ID order" in notes


def test_a_large_audit_goes_on_pages_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(page_module, "AUDIT_PER_PAGE", 4)
    res = write_report(SYNTHETIC / "cs20at04", tmp_path / "r", progress=lambda m: None)
    pages = sorted((tmp_path / "r" / "audit").glob("page-*.html"))
    assert [p.name for p in pages] == ["page-001.html", "page-002.html", "page-003.html"]
    index = (tmp_path / "r" / "index.html").read_text()
    assert 'href="audit/page-001.html"' in index and "<details>" not in index.split('id="audit"')[1]
    subjects = sorted(res.results.trial.subject_ids)
    for sid in subjects:  # every subject's derivations on exactly one page
        assert sum(f"<summary>{sid}</summary>" in p.read_text() for p in pages) == 1


@pytest.mark.parametrize("n", [3, 7])
def test_the_audit_is_the_same_whether_split_or_not(n, monkeypatch):
    warnings.simplefilter("ignore")
    results = survlupus.analyse(survlupus.read_trial(SYNTHETIC / "cs20at04"))
    ds = results.datasets
    inline, none = page_module.audit_pages(ds["adtte"], ds["adrs"], ds["adepisodes"])
    assert none == {}
    monkeypatch.setattr(page_module, "AUDIT_PER_PAGE", n)
    _, pages = page_module.audit_pages(ds["adtte"], ds["adrs"], ds["adepisodes"])
    blocks = inline.split("<details>")[1:]
    assert all(any(b in p for p in pages.values()) for b in blocks)


def test_a_spaghetti_plot_of_many_subjects_draws_a_stated_sample():
    warnings.simplefilter("ignore")
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    fig, ax = plot_trajectory(trial, "sledai2k", max_lines=20, by_subgroup=False)
    subjects = {
        line.get_gid() for line in ax.get_lines() if (line.get_gid() or "").startswith("subject|")
    }
    # 81 subjects, 27 an arm; every 5th (81 / 20 rounded up) of each arm in ID order: 6 an arm
    assert len(subjects) == 18
    by_arm = trial.subjects.sort_values("subject_id").groupby("arm")["subject_id"]
    expected = {f"subject|{s}" for _, ids in by_arm for s in ids.iloc[::5]}
    assert subjects == expected
    notes = " ".join(t.get_text() for t in ax.texts)
    assert "18 of 81 subjects shown: every 5th subject of each arm, in ID order" in notes
    fig, ax = plot_trajectory(
        trial, "sledai2k", by_subgroup=False
    )  # 81 fit under the default cap: all drawn
    assert sum((line.get_gid() or "").startswith("subject|") for line in ax.get_lines()) == 81
    assert "shown" not in " ".join(t.get_text() for t in ax.texts)
