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
from survlupus.render.adam.conform import conform

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
            model = repr([a for a in args if not isinstance(a, pd.DataFrame)]) + repr(
                sorted((k, v) for k, v in kwargs.items() if not isinstance(v, pd.DataFrame))
            )  # the same model on the same subjects is the same fit
            self.calls[(name, paramcd, subjects, model)] += 1
            return original(adtte, paramcd, *args, **kwargs)

        return counted


@pytest.fixture(scope="session")
def reports(tmp_path_factory):
    """Each design's report with no option (the folder's plan.toml), written once; the musc
    report is run with every fitting function counted."""
    out = {}
    mp = pytest.MonkeyPatch()
    try:
        for design in ("cs20at04", "musc", "nanjing", "ltfu"):
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
    for ds in ("adtte", "adepisodes", "adrs", "adbds"):
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


def _diffs(c: filecmp.dircmp) -> list[str]:
    out = list(c.diff_files) + list(c.left_only) + list(c.right_only)
    for sub in c.subdirs.values():
        out += _diffs(sub)
    return out


def test_report_twice_gives_identical_files(reports, tmp_path):
    _, first, _ = reports["cs20at04"]
    write_report(SYNTHETIC / "cs20at04", tmp_path, progress=lambda m: None)
    assert _diffs(filecmp.dircmp(first, tmp_path)) == []


def test_report_on_one_core_writes_the_same_files_in_the_same_order(reports, tmp_path, monkeypatch):
    """With several cores the figures are drawn by worker processes while this process writes
    the datasets; on one core each is drawn here after them. Same files, same list."""
    import survlupus.jobs.report as job

    res, first, _ = reports["cs20at04"]
    monkeypatch.setattr(job.os, "cpu_count", lambda: 1)
    serial = write_report(SYNTHETIC / "cs20at04", tmp_path, progress=lambda m: None)
    assert _diffs(filecmp.dircmp(first, tmp_path)) == []
    assert [p.relative_to(tmp_path) for p in serial.written] == [
        p.relative_to(first) for p in res.written
    ]


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
    assert list(dict.fromkeys(o["number"])) == list(range(1, 20))  # 16 + 3 safety outcomes
    assert o.loc[o.primary, "PARAMCD"].unique().tolist() == ["STER4W12"]
    # outcome 14 (nephritis sub-group): death and rescue are counted among the 6 nephritis
    # subjects only, not all 10
    comp = o[o.number == 14].set_index("PARAMCD")
    assert comp.loc["TTDTH", "n"] == 6 and comp.loc["TTRESC", "n"] == 6


def test_nanjing_reports_its_own_measures(reports):
    res, folder, _ = reports["nanjing"]
    o = _outcomes(folder)
    months = [f"M{m}" for m in range(1, 25)]
    sledai = o[(o.number == 1) & (o.PARAMCD == "SLEDAI")]
    assert sledai["visit"].tolist() == months and (sledai["kind"] == "mmrm").all()
    # every primary measure is reported, over the 24 months
    primary = o[o.primary.astype(bool)]
    assert {"SLEDAI", "C3", "C4", "DSDNA", "ANA", "EGFR", "CREAT", "BUN", "UPCR", "URBC"} <= set(
        primary["PARAMCD"]
    )
    for code in ("SLEDAI", "C3", "C4", "DSDNA", "EGFR", "BUN", "UPCR"):
        assert "M24" in set(primary.loc[primary.PARAMCD == code, "visit"]), code
    assert (folder / "tables" / "outcome_4.csv").exists()  # the ANA shift table
    assert (folder / "figures" / "lsmeans_panel.png").exists()
    # what the data cannot assess is not evaluable, with the reason, never 0 %
    ne = o[~o.evaluable.astype(bool)].set_index("PARAMCD")
    assert "descriptors (not recorded in the trial)" in ne.loc["LLDAS12", "reason"]
    assert ne["estimate"].isna().all()


def test_musc_reports_ls_mean_change_at_week_52(reports):
    _, folder, _ = reports["musc"]
    o = _outcomes(folder)
    w52 = o[(o.kind == "mmrm") & (o.visit == "W52") & o.comparison.notna()]
    assert set(w52["PARAMCD"]) == {"SLEDAI", "PGA", "DSDNA", "C3", "C4"}
    assert set(w52["comparison"]) == {"MSC low vs Placebo", "MSC high vs Placebo"}
    assert w52[["estimate", "lower", "upper", "p_value"]].notna().all().all()
    # the planted effect on C3 (MSC high above placebo) is found
    c3 = w52[(w52.PARAMCD == "C3") & (w52.arm == "MSC high")].iloc[0]
    assert c3.lower > 0
    assert (folder / "figures" / "lsmeans_c3.png").exists()


def test_ltfu_report_shows_five_years_of_safety(reports):
    res, folder, _ = reports["ltfu"]
    tables = {p.name for p in (folder / "tables").glob("*.csv")}
    assert {
        "outcome_1_overview.csv",
        "outcome_1_terms.csv",
        "outcome_2_rates.csv",
        "outcome_3_by_year.csv",
        "outcome_5_toxicity.csv",
    } <= tables
    rates = pd.read_csv(folder / "tables" / "outcome_2_rates.csv")
    assert {"any", "serious", "infections", "malignancy"} <= set(rates["category"])
    assert (rates["lower"] <= rates["rate_per_100py"]).all()
    by_year = pd.read_csv(folder / "tables" / "outcome_3_by_year.csv")
    assert set(range(1, 6)) <= set(by_year["year"])
    for name in ("km_ttae", "km_ttaes", "km_ttaei", "ae_dots_1"):
        assert (folder / "figures" / f"{name}.png").exists(), name
    assert res.results.fit("TTAE", "all", "safety").events["CS20AT04"] == 9
    # follow-up for time to the first serious AE runs over the five years
    ttaes = res.results.datasets["adaette"].query("PARAMCD == 'TTAES'")
    assert ttaes["AVAL"].max() > 1500
    adae = pd.read_parquet(folder / "datasets" / "adae.parquet")
    trial = survlupus.read_trial(SYNTHETIC / "ltfu")
    assert len(adae) == len(trial.adverse_events)


@pytest.mark.parametrize("design", ["cs20at04", "musc", "nanjing"])
def test_every_report_has_a_safety_section(reports, design):
    res, folder, _ = reports[design]
    page = (folder / "index.html").read_text()
    assert '<section id="safety"><h2>Safety</h2>' in page
    overview = [n for n in res.results.table_names if n.endswith("_overview")]
    assert overview and (folder / "datasets" / "adae.csv").exists()
    t = res.results.table(overview[0])
    assert (t.loc[t.arm == "Total", "N"] == res.results.trial.n_subjects).all()


def _check_safety(r, trial, plan, folder):
    """Safety rows recomputed from the written ADAE with the public safety functions."""
    adae = pd.read_parquet(folder / "datasets" / "adae.parquet")
    exposure = survlupus.follow_up(trial)
    if r.kind == "ae_time":
        frame = pd.read_parquet(folder / "datasets" / "adaette.parquet")
        if pd.isna(r.comparison):
            fit = survlupus.kaplan_meier(frame[frame.ARM == r.arm], r.PARAMCD)
            day = int(re.search(r"by day (\d+)", r.method).group(1))
            assert r.estimate == pytest.approx(
                1 - fit.at([day], extend=True).iloc[0]["survival"], nan_ok=True
            )
        return
    if "per 100 patient-years" in r.method:
        t = survlupus.ae_rates(adae, exposure).set_index(["category", "arm"])
        if r.PARAMCD in t.index.get_level_values(0):
            g = t.loc[(r.PARAMCD, r.arm)]
            assert (r.estimate, r.lower, r.upper) == pytest.approx(
                (g.rate_per_100py, g.lower, g.upper)
            )
        return
    t = survlupus.ae_overview(adae, exposure).set_index(["category", "arm"])
    g = t.loc[(r.PARAMCD, r.arm)]
    assert (r.events_or_responders, r.n) == (g.n, g.N)


def _check_tte(r, adtte, ref):
    data = adtte[adtte.PARAMCD == r.PARAMCD]
    if r.population != "all":
        data = data[data.SUBGROUP == r.population]
    if pd.isna(r.comparison):
        fit = survlupus.kaplan_meier(data[data.ARM == r.arm], r.PARAMCD)
        day = int(re.search(r"by day (\d+)", r.method).group(1))
        s = fit.at([day], extend=True).iloc[0]
        assert r.estimate == pytest.approx(1 - s["survival"], nan_ok=True)
        assert r.events_or_responders == int((data[data.ARM == r.arm].CNSR == 0).sum())
    elif r.comparison == "global":
        assert r.p_value == pytest.approx(survlupus.logrank(data, r.PARAMCD, "ARM").p)
    elif "RMST" in r.comparison:
        day = int(re.search(r"to day (\d+)", r.comparison).group(1))
        t = survlupus.rmst(data, r.PARAMCD, tau=day, by="ARM", reference=ref)
        t = t[t.comparison == "difference"].set_index("group").loc[r.arm]
        assert (r.estimate, r.lower, r.upper, r.p_value) == pytest.approx(
            (t.estimate, t.lower, t.upper, t.p), nan_ok=True
        )
    elif "subdistribution" in r.comparison:
        competing = re.search(r"Fine-Gray model, (\w+) competing", r.method).group(1)
        both = adtte[adtte.PARAMCD.isin([r.PARAMCD, competing])]
        if r.population != "all":
            both = both[both.SUBGROUP == r.population]
        fg = survlupus.fine_gray(both, r.PARAMCD, competing, ["ARM"], reference=ref)
        t = fg.table.set_index("term").loc[f"ARM[{r.arm}]"]
        assert (r.estimate, r.lower, r.upper, r.p_value) == pytest.approx(
            (t.shr, t.lower, t.upper, t.p)
        )
    else:
        two = data[data.ARM.isin([r.arm, ref])]
        fit = survlupus.cox(data, r.PARAMCD, ["ARM"], reference=ref, firth="Firth" in r.method)
        t = fit.table.set_index("term").loc[f"ARM[{r.arm}]"]
        assert (r.estimate, r.lower, r.upper) == pytest.approx((t.hr, t.lower, t.upper))
        assert r.p_value == pytest.approx(survlupus.logrank(two, r.PARAMCD, "ARM").p)


def _check_responder(r, adrs, ref):
    sub = adrs[(adrs.PARAMCD == r.PARAMCD) & (adrs.ELIGFL == "Y")]
    if r.population != "all":
        sub = sub[sub.SUBGROUP == r.population]
    s = survlupus.responder_summary(sub, by="ARM", reference=ref).set_index("group").loc[r.arm]
    if pd.isna(r.comparison):
        assert (r.events_or_responders, r.n) == (s.responders, s.N)
        assert (r.estimate, r.lower, r.upper) == pytest.approx((s.proportion, s.lower, s.upper))
    else:
        assert (r.estimate, r.lower, r.upper, r.p_value) == pytest.approx(
            (s.difference, s.diff_lower, s.diff_upper, s.p)
        )


def _check_visit_measure(r, bds, plan, cache):
    """Rows on the BDS: recomputed with survlupus.mmrm, slopes, geometric_mean_ratio,
    normalisation, or the plain mean of the change."""
    from survlupus.stats import longitudinal as lg

    o = plan.outcome(r.number)
    ref = plan.study.reference_arm if plan.controlled else None
    d = bds[bds.PARAMCD == r.PARAMCD]
    if r.population != "all":
        d = d[d.SUBGROUP == r.population]
    visits = list(o.visits) or list(plan.visit_labels())
    key = (r.kind, r.number, r.PARAMCD)
    arm = r.arm if len(plan.study.arms) > 1 else "all"
    comparison = "" if pd.isna(r.comparison) else r.comparison
    if r.kind == "change":
        x = d[(d.AVISIT == r.visit) & (d.ANL01FL == "Y") & (d.ARM == r.arm)]["CHG"].dropna()
        assert r.n == len(x) and r.estimate == pytest.approx(x.mean())
        return
    if key not in cache:
        by = "ARM" if ref else None
        if r.kind == "mmrm":
            fit = survlupus.mmrm(
                d,
                r.PARAMCD,
                by=by,
                reference=ref,
                covariance_structure=o.covariance or "us",
                visits=[v for v in visits if v in set(d.AVISIT)],
            )
            table = fit.lsmeans.assign(comparison="")
            if len(fit.contrasts):
                ct = fit.contrasts.assign(comparison=fit.contrasts.arm + f" vs {ref}")
                table = pd.concat([table, ct])
        elif r.kind == "slope":
            table = lg.slopes(d, r.PARAMCD, by=by, reference=ref).assign(visit="")
        elif r.kind == "gmr":
            table = lg.geometric_mean_ratio(
                d[d.AVISIT.isin(visits)], r.PARAMCD, by=by, reference=ref
            )
        else:
            limit = dict(o.definition).get("lower", {"C3": 0.9, "C4": 0.1}.get(r.PARAMCD))
            table = lg.normalisation(d[d.AVISIT.isin(visits)], r.PARAMCD, limit, by=by).rename(
                columns={"proportion": "estimate"}
            )
            table["comparison"] = ""
        cache[key] = table.fillna({"visit": ""})
    t = cache[key]
    got = t[
        (t.arm == arm)
        & (t.visit == (r.visit if isinstance(r.visit, str) else ""))
        & (t.comparison == comparison)
    ]
    assert len(got) == 1, (r.number, r.PARAMCD, r.visit, r.arm, comparison)
    g = got.iloc[0]
    assert (r.estimate, r.lower, r.upper) == pytest.approx((g.estimate, g.lower, g.upper), rel=1e-6)


@pytest.mark.parametrize("design", ["cs20at04", "musc", "nanjing"])
def test_every_outcome_number_equals_the_public_api(reports, design):
    res, folder, _ = reports[design]
    trial = survlupus.read_trial(SYNTHETIC / design)
    plan = survlupus.load_plan(SYNTHETIC / design / "plan.toml")
    adtte = survlupus.derive_adtte(
        trial,
        window_days=plan.window_days(),
        endpoints=survlupus.plan.library.plan_endpoints(plan),
    )
    adsl = survlupus.derive_adsl(trial, plan)
    written = pd.read_parquet(folder / "datasets" / "adtte.parquet")
    pd.testing.assert_frame_equal(written, conform("adtte", adtte, adsl))
    adrs, bds = res.results.datasets["adrs"], res.results.datasets["adbds"]
    for name, derived in (("adrs", adrs), ("adbds", bds)):
        written = pd.read_parquet(folder / "datasets" / f"{name}.parquet")
        pd.testing.assert_frame_equal(written, conform(name, derived, adsl))
    variables = [
        v
        for o in plan.outcomes
        if o.kind not in ("tte", "responder", "responder_by_visit")
        for v in o.endpoints
        if v in trial.visits
    ]
    pd.testing.assert_frame_equal(
        bds, survlupus.derive_bds(trial, list(dict.fromkeys(variables)), plan)
    )
    o = _outcomes(folder)
    ref = plan.study.reference_arm
    checked, cache = Counter(), {}
    for r in o[o.evaluable.astype(bool)].itertuples():
        if r.kind == "tte":
            _check_tte(r, adtte, ref)
        elif r.kind in ("responder", "responder_by_visit"):
            _check_responder(r, adrs, ref)
        elif r.kind in ("shift", "lab_toxicity") or (
            r.kind == "safety" and r.method.startswith("table ")
        ):
            continue
        elif r.kind in ("safety", "ae_time"):
            _check_safety(r, trial, plan, folder)
        else:
            _check_visit_measure(r, bds, plan, cache)
        checked[r.kind] += 1
    assert sum(checked.values()) > 20
    expected = {o.kind for o in plan.outcomes} - {"shift", "lab_toxicity"}
    assert set(checked) == expected


def test_no_fit_runs_twice_in_one_report(reports, monkeypatch):
    res, _, counter = reports["musc"]
    # the subgroup forest is fitted by the figure worker that draws it (several cores: not
    # counted in this process, so fitted again here under a second counter) or in the
    # report's process (one core: kept, nothing is fitted here)
    later = FitCounter(monkeypatch)
    subgroup = res.results.subgroup_forest("TTSFLR")
    calls = counter.calls + later.calls
    twice = {k: n for k, n in calls.items() if n > 1}
    assert twice == {}
    kinds = Counter(k[0] for k in calls)
    # one Kaplan-Meier, one log-rank and one Cox per (parameter, population): six efficacy
    # parameters and two times to a first adverse event (any, serious)
    fits = res.results.tte
    assert len(fits) == 8
    within = int((~subgroup["header"]).sum())
    levels = within // 2 - 1  # two arms vs placebo per level; minus the all-subjects rows
    assert kinds["kaplan_meier"] == kinds["logrank"] == len(fits) + levels
    # and per subgroup variable the two interaction models (ARM + VAR, ARM * VAR)
    assert kinds["cox"] == len(fits) + levels + 2 * int(subgroup["header"].sum())
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
    assert main(["report", str(SYNTHETIC / "cs20at04"), "--out", str(out), "--plan", str(bad)]) == 2
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
    table = re.search(r'<table class="survlupus" id="table-tte_summary">(.*?)</table>', dom, re.S)
    events = re.search(r"<td>Events, n \(%\)</td>(.*?)</tr>", table.group(1), re.S).group(1)
    for r in tte.itertuples():  # arms as columns, each cell "events (percent%)"
        assert f"<td>{r.events} ({100 * r.events / r.N:.1f}%)</td>" in events
    assert Path(folder / "index.html").read_text().count("data:image/png;base64,") == figures


def test_report_after_polars_was_used_in_the_process_does_not_hang(tmp_path):
    """rtflite (the RTF tables) computes with polars, whose thread pool does not survive a
    fork: figure workers forked from a process that had used it (a Jupyter session that wrote
    an RTF table first) waited forever when they wrote RTF. The workers now only draw."""
    script = (
        "import polars as pl, survlupus\n"
        "from survlupus.jobs.report import write_report\n"
        "pl.DataFrame({'a': list(range(200000))[::-1]}).select(pl.col('a').sort().unique())\n"
        f"write_report({str(SYNTHETIC / 'cs20at04')!r}, {str(tmp_path / 'out')!r},"
        " progress=lambda m: None)\n"
        "print('done')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("done")
