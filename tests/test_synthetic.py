"""Synthetic seed trials: byte-for-byte reproducible, valid, plausible, and complete."""

from __future__ import annotations

import filecmp

import pandas as pd
import pytest

import survlupus
from survlupus.cli import main
from survlupus.synthetic import DESIGNS, simulate_design

from .conftest import SYNTHETIC

DESIGN_NAMES = sorted(DESIGNS)


@pytest.mark.parametrize("design", DESIGN_NAMES)
def test_simulate_rebuilds_committed_folder_byte_for_byte(design, tmp_path):
    out = tmp_path / design
    assert main(["simulate", design, "--out", str(out)]) == 0
    committed = SYNTHETIC / design
    names = sorted(p.name for p in committed.iterdir())
    assert names == sorted(p.name for p in out.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(committed, out, names, shallow=False)
    assert mismatch == [] and errors == [], f"differs: {mismatch} {errors}"


def test_same_seed_same_tables_other_seed_other_tables():
    a = simulate_design("cs20at04", seed=7)
    b = simulate_design("cs20at04", seed=7)
    c = simulate_design("cs20at04", seed=8)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["visits"].equals(c["visits"])


@pytest.mark.parametrize("design", DESIGN_NAMES)
def test_committed_trials_validate_clean(design, capsys):
    assert main(["validate", str(SYNTHETIC / design)]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_n_option_sets_subjects_per_arm():
    t = simulate_design("musc", n=5)
    assert t["subjects"]["arm"].value_counts().to_dict() == {
        "MSC low": 5,
        "MSC high": 5,
        "Placebo": 5,
    }


@pytest.fixture(scope="module")
def trials():
    return {d: survlupus.read_trial(SYNTHETIC / d) for d in DESIGN_NAMES}


@pytest.fixture(scope="module")
def truths():
    return {d: pd.read_csv(SYNTHETIC / d / "truth.csv") for d in DESIGN_NAMES}


def test_designs_match_their_seed_documents(trials):
    cs = trials["cs20at04"]
    assert cs.n_subjects == 10 and set(cs.subjects["subgroup"]) == {"nephritis", "cytopenia"}
    # infusions on day 1 and week 12 (day 85)
    inf = cs.infusions.merge(cs.subjects[["subject_id", "start_date"]])
    days = ((inf["infusion_date"] - inf["start_date"]).dt.days + 1).unique()
    assert sorted(days) == [1, 85]
    labels = set(cs.visits["visit"])
    assert {
        "SCR",
        "D1",
        "D3",
        "W1",
        "W4",
        "W8",
        "W12",
        "W16",
        "W20",
        "W24",
        "M12",
        "M36",
        "M60",
    } <= labels
    musc = trials["musc"]
    assert musc.subjects["arm"].value_counts().to_dict() == {
        "MSC low": 27,
        "MSC high": 27,
        "Placebo": 27,
    }
    assert set(musc.infusions.loc[musc.infusions.dose_cells_per_kg == 0, "subject_id"]) == set(
        musc.subjects.loc[musc.subjects.arm == "Placebo", "subject_id"]
    )
    nj = trials["nanjing"]
    assert (nj.subjects["subgroup"] == "nephritis").all()
    cyc = nj.events[nj.events.detail == "cyclophosphamide pre-treatment"]
    assert sorted(cyc.subject_id) == sorted(nj.subject_ids)  # once for everybody
    merged = cyc.merge(
        nj.subjects[["subject_id", "start_date"]], on="subject_id", suffixes=("", "_study")
    )
    assert ((merged.start_date_study - merged.start_date) == pd.Timedelta(days=1)).all()


def test_baseline_is_clinically_plausible(trials):
    for name, trial in trials.items():
        base = trial.baseline(
            [
                "creatinine_umol_l",
                "upcr_g_g",
                "urine_rbc_hpf",
                "platelets_10e9_l",
                "hemoglobin_g_dl",
                "neutrophils_10e9_l",
            ]
        )
        base = base.merge(trial.subjects[["subject_id", "subgroup"]])
        neph = base[base.subgroup == "nephritis"]
        # the CS20AT04 nephritis inclusion: creatinine > 106 umol/L, UPCR > 1, RBC > 10/hpf
        assert (neph.creatinine_umol_l > 106).all() and (neph.upcr_g_g > 1).all()
        assert (neph.urine_rbc_hpf > 10).all(), name
        cyto = base[base.subgroup == "cytopenia"]
        # cytopenia inclusion: Hb <= 10, or neutrophils < 1.0, or platelets < 100
        cytopenic = (
            (cyto.hemoglobin_g_dl <= 10)
            | (cyto.neutrophils_10e9_l < 1.0)
            | (cyto.platelets_10e9_l < 100)
        )
        assert cytopenic.all(), name


def test_every_kind_of_event_is_present(truths, trials):
    everything = pd.concat(truths.values())
    kinds = set(everything["event"])
    assert kinds >= {
        "complete_remission",
        "renal_flare",
        "proteinuric_flare",
        "creatinine_doubling",
        "dialysis",
        "kidney_transplant",
        "death",
        "rescue_therapy",
        "severe_flare",
        "mild_flare",
        "haematologic_flare",
    }
    triggers = set(everything.loc[everything.event == "severe_flare", "detail"])
    assert triggers == {
        "steroid_burst",
        "immunosuppressant",
        "hospitalization",
        "pga",
        "investigator",
    }
    for name, trial in trials.items():
        assert trial.subjects["discontinued"].any(), f"{name}: no early withdrawal"
        # small designs (10 and 9 subjects, 20 % each) may by chance have no unscheduled visit
        assert (trial.visits["visit"] == "UNS").any() or name in ("cs20at04", "ltfu")
    # every design has deaths, severe flares and rescue therapy
    for name, truth in truths.items():
        assert {"death", "severe_flare", "rescue_therapy"} <= set(truth.event), name


def test_visits_outside_window_and_missed(trials):
    from survlupus.synthetic.designs import DESIGNS as D

    out_of_window = 0
    for name, trial in trials.items():
        nominal = {v.label: (v.day, v.window) for v in D[name].visits}
        v = trial.visits.merge(trial.subjects[["subject_id", "start_date"]])
        day = (v.visit_date - v.start_date).dt.days + 1
        spec = v.visit.map(nominal)
        known = spec.notna()
        off = (day[known] - spec[known].str[0]).abs() > spec[known].str[1]
        out_of_window += int(off.sum())
    assert out_of_window > 0


def test_arms_differ_by_documented_effect():
    from survlupus.synthetic.designs import MUSC

    hazard = {a.label: a.hazard for a in MUSC.arms}
    assert hazard == {"MSC low": 0.7, "MSC high": 0.5, "Placebo": 1.0}
    # with many subjects, harmful planted events are rarer in the high-dose arm than on placebo
    t = simulate_design("musc", n=400, seed=1)
    harm = t["truth"][t["truth"].event.isin(["severe_flare", "rescue_therapy", "renal_flare"])]
    per_arm = harm.merge(t["subjects"][["subject_id", "arm"]]).groupby("arm").size()
    assert per_arm["MSC high"] < per_arm["MSC low"] < per_arm["Placebo"]
