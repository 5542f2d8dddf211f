"""The main job: the report's files are reproducible, its numbers equal the API's, its config is
strict, and its page renders in a real browser with the expected numbers."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import survlupus
from survlupus.config import ConfigError, load_toml, report_config
from survlupus.report import write_report

from .conftest import ROOT, SYNTHETIC

CONFIGS = ROOT / "configs"


@pytest.fixture(scope="session")
def reports(tmp_path_factory):
    """Each design's report, written once for the session."""
    out = {}
    for design in ("cs20at04", "musc", "nanjing"):
        cfg = report_config(load_toml(CONFIGS / f"{design}.toml"))
        folder = tmp_path_factory.mktemp(design)
        out[design] = (
            write_report(SYNTHETIC / design, folder, cfg, progress=lambda m: None),
            cfg,
            folder,
        )
    return out


def test_report_writes_every_kind_of_file(reports):
    res, _, folder = reports["cs20at04"]
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
        "figures/cif_ttrflr.png",
    } <= names
    assert (folder / "index.html").exists()
    assert all(p.exists() for p in res.written)


def test_report_twice_gives_identical_files(reports, tmp_path):
    _, cfg, first = reports["cs20at04"]
    write_report(SYNTHETIC / "cs20at04", tmp_path, cfg, progress=lambda m: None)
    cmp = filecmp.dircmp(first, tmp_path)

    def diffs(c):
        out = list(c.diff_files) + list(c.left_only) + list(c.right_only)
        for sub in c.subdirs.values():
            out += diffs(sub)
        return out

    assert diffs(cmp) == []


@pytest.mark.parametrize("design", ["cs20at04", "musc", "nanjing"])
def test_report_numbers_equal_the_api(reports, design):
    res, cfg, folder = reports[design]
    trial = survlupus.read_trial(SYNTHETIC / design)
    adtte = survlupus.derive_adtte(
        trial, window_days=cfg.derive.window_days, endpoints=cfg.derive.endpoints
    )
    written = pd.read_parquet(folder / "datasets" / "adtte.parquet")
    pd.testing.assert_frame_equal(written.reset_index(drop=True), adtte.reset_index(drop=True))
    ref = cfg.report.reference_arm
    km = survlupus.kaplan_meier(adtte, "TTSFLR", by="ARM")
    table = pd.read_csv(folder / "tables" / "tte_summary.csv")
    rows = table[table.PARAMCD == "TTSFLR"].set_index("group")
    for g, sub in adtte[adtte.PARAMCD == "TTSFLR"].groupby("ARM"):
        assert rows.loc[g, "events"] == int((sub.CNSR == 0).sum())
        assert rows.loc[g, "N"] == len(sub)
        s = km.at([cfg.report.landmark_days[0]]).set_index("group").loc[g, "survival"]
        assert rows.loc[g, f"_S{cfg.report.landmark_days[0]}"] == pytest.approx(s)
    if ref:
        fit = survlupus.cox(adtte, "TTSFLR", ["ARM"], reference=ref)
        other = [g for g in rows.index if g != ref][0]
        assert rows.loc[other, "_hr"] == pytest.approx(
            fit.table.set_index("term").loc[f"ARM[{other}]", "hr"]
        )
    from survlupus.clinical.windows import SCHEDULES

    resp = survlupus.derive_responders(
        trial,
        survlupus.default_responders(cfg.report.visit),
        schedule=SCHEDULES[cfg.report.schedule],
    )
    got = pd.read_parquet(folder / "datasets" / "adrs.parquet")
    assert got["AVALC"].tolist() == resp["AVALC"].tolist()
    summ = pd.read_csv(folder / "tables" / "responder_summary.csv")
    api = survlupus.responder_summary(resp, by="ARM", reference=ref)
    assert summ["responders"].tolist() == api["responders"].tolist()
    assert summ["lower"].to_numpy() == pytest.approx(api["lower"].to_numpy())


def test_report_config_is_strict(tmp_path):
    with pytest.raises(ConfigError, match=r"report\.landmark: unknown key"):
        report_config({"report": {"landmark": [1]}})
    with pytest.raises(ConfigError, match=r"report\.schedule: 'weekly' is not one of"):
        report_config({"report": {"schedule": "weekly"}})
    with pytest.raises(ConfigError, match="plots: unknown section"):
        report_config({"plots": {}})
    from survlupus.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text("[report]\ntitel = 'x'\n")
    assert (
        main(
            [
                "report",
                str(SYNTHETIC / "cs20at04"),
                "--out",
                str(tmp_path / "o"),
                "--config",
                str(bad),
            ]
        )
        == 1
    )


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium not installed (Debian package chromium; .ci/run installs it)",
)
def test_index_html_renders_in_headless_chromium(reports):
    res, _, folder = reports["musc"]
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
    # the outcome table in the rendered page holds the primary endpoint's numbers
    primary = res.outcomes[res.outcomes.PARAMCD == "STER4W12"]["result"].iloc[0]
    assert primary.split(";")[0] in dom
    # the time-to-event summary holds each arm's event count
    tte = res.tte_summary[res.tte_summary.PARAMCD == "TTSFLR"]
    table = re.search(r'<table id="tte-summary">(.*?)</table>', dom, re.S).group(1)
    for r in tte.itertuples():
        assert re.search(
            rf"<td>TTSFLR</td>.*?<td>{re.escape(str(r.group))}</td><td>{r.N}"
            rf"</td><td>{r.events}</td>",
            table,
        )
    assert Path(folder / "index.html").read_text().count("data:image/png;base64,") == figures
