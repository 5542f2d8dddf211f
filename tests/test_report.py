"""The main job: a report is driven by the trial folder's plan, its files are reproducible, every
number in ``outcome_measures.csv`` equals the public API's, no model is fitted twice, and its
page renders in a real browser with the expected numbers."""

from __future__ import annotations

import filecmp
import importlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import survlupus
from survlupus.jobs.report import write_report

from .conftest import SYNTHETIC

FITTERS = {
    name: getattr(importlib.import_module(f"survlupus.stats.{module}"), name)
    for module, name in (
        ("km", "kaplan_meier"),
        ("cox", "cox"),
        ("compare", "logrank"),
        ("competing", "cumulative_incidence"),
    )
}


class FitCounter:
    """Replaces every module-level reference to the fitting functions with a counting wrapper:
    each call is recorded with the parameter and the subjects it was fitted on."""

    def __init__(self, monkeypatch):
        self.calls: Counter = Counter()
        for name, original in FITTERS.items():
            wrapper = self._wrap(name, original)
            for module in list(sys.modules.values()):
                if module is None or not getattr(module, "__name__", "").startswith("survlupus"):
                    continue
                if getattr(module, name, None) is original:
                    monkeypatch.setattr(module, name, wrapper)

    def _wrap(self, name, original):
        def counted(adtte, paramcd, *args, **kwargs):
            subjects = tuple(sorted(adtte.loc[adtte["PARAMCD"] == paramcd, "USUBJID"]))
            self.calls[(name, paramcd, subjects)] += 1
            return original(adtte, paramcd, *args, **kwargs)

        return counted


@pytest.fixture(scope="session")
def reports(tmp_path_factory):
    """Each design's report with no option (the folder's plan.toml), written once; the musc
    report is run with every fitting function counted."""
    out = {}
    mp = pytest.MonkeyPatch()
    try:
        for design in ("cs20at04", "musc", "nanjing"):
            folder = tmp_path_factory.mktemp(design)
            counter = FitCounter(mp) if design == "musc" else None
            res = write_report(SYNTHETIC / design, folder, progress=lambda m: None)
            mp.undo()
            out[design] = (res, folder, counter)
    finally:
        mp.undo()
    return out


def _outcomes(folder: Path) -> pd.DataFrame:
    return pd.read_csv(
        folder / "tables" / "outcome_measures.csv", keep_default_na=False, na_values=[""]
    )


def test_report_writes_every_kind_of_file(reports):
    res, folder, _ = reports["cs20at04"]
    names = {p.relative_to(folder).as_posix() for p in res.written}
    for ds in ("adtte", "adepisodes", "adrs", "adchange"):
        assert {f"datasets/{ds}.{e}" for e in ("csv", "parquet", "xpt")} <= names
    for t in ("tte_summary", "responder_summary", "outcome_measures", "change_from_baseline"):
        assert {f"tables/{t}.{e}" for e in ("csv", "html", "tex")} <= names
    assert {
        "figures/km_ttsflr.pdf",
        "figures/km_ttsflr.svg",
        "figures/km_ttsflr.png",
        "figures/swimmer.png",
        "figures/cif_ttrflr_nephritis.png",
        "plan.toml",
        "index.html",
    } <= names
    assert all(p.exists() for p in res.written)


def test_report_twice_gives_identical_files(reports, tmp_path):
    _, first, _ = reports["cs20at04"]
    write_report(SYNTHETIC / "cs20at04", tmp_path, progress=lambda m: None)
    cmp = filecmp.dircmp(first, tmp_path)

    def diffs(c):
        out = list(c.diff_files) + list(c.left_only) + list(c.right_only)
        for sub in c.subdirs.values():
            out += diffs(sub)
        return out

    assert diffs(cmp) == []


def test_musc_report_follows_its_plan_without_options(reports):
    res, folder, _ = reports["musc"]
    adtte = pd.read_parquet(folder / "datasets" / "adtte.parquet")
    assert adtte["AVAL"].max() <= 379 and adtte["AVAL"].max() > 183  # through week 52
    o = _outcomes(folder)
    primary = o[o.primary]
    assert set(primary["PARAMCD"]) == {"SRI4_52"} and set(primary["visit"]) == {"W52"}
    assert set(primary["arm"]) == {"MSC low", "MSC high", "Placebo"}
    assert set(primary["comparison"].dropna()) == {"MSC low vs Placebo", "MSC high vs Placebo"}
    sflr = o[(o.PARAMCD == "TTSFLR") & o.comparison.notna()]
    hr = sflr[sflr.comparison.str.endswith("vs Placebo")]
    assert len(hr) == 2 and hr[["estimate", "lower", "upper", "p_value"]].notna().all().all()
    assert (sflr.comparison == "global").sum() == 1
    # an arm without events gets Firth's model (death: MSC high 1 event, the others none)
    dth = o[(o.PARAMCD == "TTDTH") & (o.comparison == "MSC high vs Placebo")].iloc[0]
    assert "Firth" in dth["method"] and np.isfinite(dth["estimate"])
    assert (folder / "figures" / "forest_hr.png").exists()
    assert survlupus.load_plan(folder / "plan.toml") == res.results.plan


def test_cs20at04_outcomes_in_protocol_order(reports):
    _, folder, _ = reports["cs20at04"]
    o = _outcomes(folder)
    assert list(dict.fromkeys(o["number"])) == list(range(1, 17))
    assert o.loc[o.primary, "PARAMCD"].unique().tolist() == ["STER4W12"]
    # outcome 14 (nephritis sub-group): death and rescue are counted among the 6 nephritis
    # subjects only, not all 10
    comp = o[o.number == 14].set_index("PARAMCD")
    assert comp.loc["TTDTH", "n"] == 6 and comp.loc["TTRESC", "n"] == 6


def test_nanjing_reports_its_own_measures(reports):
    _, folder, _ = reports["nanjing"]
    o = _outcomes(folder)
    sledai = o[(o.number == 1) & (o.PARAMCD == "sledai2k")]
    assert sledai["visit"].tolist() == [f"M{m}" for m in range(1, 25)]
    ne = o[~o.evaluable.astype(bool)].set_index("PARAMCD")
    # what the data do not record is not evaluable, with the reason, never 0 %
    assert "no column 'ana_titer'" in ne.loc["ana_titer", "reason"]
    assert "descriptors not recorded" in ne.loc["LLDAS12", "reason"]
    assert ne["estimate"].isna().all()


def _check_row(r, adtte, adrs, changes, arms_ref):
    """Recompute one outcome row with the public API, independently of the report."""
    if r.kind == "tte":
        data = adtte[adtte.PARAMCD == r.PARAMCD]
        if r.population != "all":
            data = data[data.SUBGROUP == r.population]
        if pd.isna(r.comparison):
            fit = survlupus.kaplan_meier(data[data.ARM == r.arm], r.PARAMCD)
            day = int(re.search(r"by day (\d+)", r.method).group(1))
            s = fit.at([day]).iloc[0]
            assert r.estimate == pytest.approx(1 - s["survival"], nan_ok=True)
            assert r.events_or_responders == int((data[data.ARM == r.arm].CNSR == 0).sum())
            return
        if r.comparison == "global":
            assert r.p_value == pytest.approx(survlupus.logrank(data, r.PARAMCD, "ARM").p)
            return
        ref = arms_ref
        two = data[data.ARM.isin([r.arm, ref])]
        firth = "Firth" in r.method
        fit = survlupus.cox(data, r.PARAMCD, ["ARM"], reference=ref, firth=firth)
        t = fit.table.set_index("term").loc[f"ARM[{r.arm}]"]
        assert (r.estimate, r.lower, r.upper) == pytest.approx((t.hr, t.lower, t.upper))
        assert r.p_value == pytest.approx(survlupus.logrank(two, r.PARAMCD, "ARM").p)
    elif r.kind == "responder":
        sub = adrs[(adrs.PARAMCD == r.PARAMCD) & (adrs.ELIGFL == "Y")]
        summ = survlupus.responder_summary(sub, by="ARM", reference=arms_ref).set_index("group")
        s = summ.loc[r.arm]
        if pd.isna(r.comparison):
            assert (r.events_or_responders, r.n) == (s.responders, s.N)
            assert (r.estimate, r.lower, r.upper) == pytest.approx((s.proportion, s.lower, s.upper))
        else:
            assert (r.estimate, r.lower, r.upper, r.p_value) == pytest.approx(
                (s.difference, s.diff_lower, s.diff_upper, s.p)
            )
    else:
        x = changes[(changes.PARAMCD == r.PARAMCD) & (changes.AVISIT == r.visit)]
        if r.population != "all":
            x = x[x.SUBGROUP == r.population]
        chg = x.loc[x.ARM == r.arm, "CHG"].dropna().to_numpy()
        assert r.n == len(chg) and r.estimate == pytest.approx(chg.mean())


@pytest.mark.parametrize("design", ["cs20at04", "musc", "nanjing"])
def test_every_outcome_number_equals_the_public_api(reports, design):
    res, folder, _ = reports[design]
    trial = survlupus.read_trial(SYNTHETIC / design)
    plan = survlupus.load_plan(SYNTHETIC / design / "plan.toml")
    adtte = survlupus.derive_adtte(
        trial, window_days=plan.window_days(), endpoints=survlupus.plan.library.plan_endpoints(plan)
    )
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "datasets" / "adtte.parquet"), adtte)
    adrs = pd.read_parquet(folder / "datasets" / "adrs.parquet")
    changes = pd.read_parquet(folder / "datasets" / "adchange.parquet")
    o = _outcomes(folder)
    ref = plan.study.reference_arm
    checked = 0
    for r in o[o.evaluable.astype(bool)].itertuples():
        _check_row(r, adtte, adrs, changes, ref)
        checked += 1
    assert checked > 20


def test_no_fit_runs_twice_in_one_report(reports):
    res, _, counter = reports["musc"]
    twice = {k: n for k, n in counter.calls.items() if n > 1}
    assert twice == {}
    kinds = Counter(k[0] for k in counter.calls)
    # one Kaplan-Meier, one log-rank and one Cox per (parameter, population): six of each
    fits = res.results.tte
    assert len(fits) == 6
    assert kinds["kaplan_meier"] == kinds["logrank"] == kinds["cox"] == len(fits)
    assert kinds["cumulative_incidence"] == 1


def test_folder_without_plan_gets_a_generic_plan_written(tmp_path):
    data = tmp_path / "trial"
    shutil.copytree(SYNTHETIC / "musc", data)
    (data / "plan.toml").unlink()
    out = tmp_path / "out"
    res = write_report(data, out, progress=lambda m: None)
    plan = res.results.plan
    assert plan.generic and plan.study.reference_arm == "Placebo"
    labels = [w.label for w in plan.schedule]
    assert labels == [f"W{w}" for w in range(4, 53, 4)]  # from visits.visit, in day order
    last = plan.schedule[-1]
    assert plan.window_days() == last.day + last.after and 360 <= last.day <= 370
    page = (out / "index.html").read_text()
    assert "Generic plan." in page and "no plan.toml" in page
    written = survlupus.load_plan(out / "plan.toml")
    assert written == plan
    # the written plan, put back in the folder, reproduces the same outcome table
    shutil.copy(out / "plan.toml", data / "plan.toml")
    again = write_report(data, tmp_path / "again", progress=lambda m: None)
    pd.testing.assert_frame_equal(again.results.outcomes, res.results.outcomes)


def test_cli_report_plan_and_old_config(tmp_path, capsys):
    from survlupus.cli import main

    old = tmp_path / "old.toml"
    old.write_text(
        '[derive]\nwindow_days = 379\n[report]\nreference_arm = "Placebo"\n'
        'visit = "W52"\nfigure_formats = ["png"]\n'
    )
    out = tmp_path / "o"
    assert main(["report", str(SYNTHETIC / "musc"), "--out", str(out), "--config", str(old)]) == 0
    err = capsys.readouterr().err
    assert "old-style config" in err
    plan = survlupus.load_plan(out / "plan.toml")
    assert plan.window_days() == 379 and plan.study.reference_arm == "Placebo"
    bad = tmp_path / "bad.toml"
    bad.write_text("[report]\ntitel = 'x'\n")
    assert main(["report", str(SYNTHETIC / "cs20at04"), "--out", str(out), "--plan", str(bad)]) == 1
    assert "report.titel: unknown key" in capsys.readouterr().err


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium not installed (Debian package chromium; .ci/run installs it)",
)
def test_index_html_renders_in_headless_chromium(reports):
    res, folder, _ = reports["musc"]
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            (folder / "index.html").resolve().as_uri(),
        ]
        dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    n_img = int(re.search(r'data-images="(\d+)"', dom).group(1))
    n_ok = int(re.search(r'data-images-ok="(\d+)"', dom).group(1))
    figures = len([p for p in res.written if p.suffix == ".png"])
    assert n_img == figures and n_ok == n_img  # every embedded figure decoded and drawn
    # the outcome table in the rendered page holds the primary outcome's numbers
    shown = survlupus.outcome_display(res.results.outcomes)
    primary = shown[shown.primary == "primary"]["result"].iloc[0]
    assert primary in dom
    # the time-to-event summary holds each arm's event count
    tte = res.results.table("tte_summary")
    tte = tte[(tte.PARAMCD == "TTSFLR") & (tte.population == "all")]
    table = re.search(r'<table id="tte-summary">(.*?)</table>', dom, re.S).group(1)
    for r in tte.itertuples():
        assert re.search(
            rf"<td>TTSFLR</td>.*?<td>{re.escape(str(r.group))}</td><td>{r.N}"
            rf"</td><td>{r.events}</td>",
            table,
        )
    assert Path(folder / "index.html").read_text().count("data:image/png;base64,") == figures
