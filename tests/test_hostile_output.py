"""What survlupus writes is safe: no spreadsheet formula from a CSV cell, LaTeX fully escaped,
file names that cannot leave the output folder, "$" drawn literally, and a report written whole
or not at all."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import survlupus  # noqa: E402
from survlupus.stats.tables import SummaryTable  # noqa: E402
from survlupus.textsafe import slug  # noqa: E402

from .conftest import SYNTHETIC  # noqa: E402


def test_csv_cells_cannot_run_as_formulas_but_parquet_keeps_them(tmp_path):
    df = pd.DataFrame(
        {"USUBJID": ["=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "S4"], "AVAL": [-1.5, 2.0, 3.0, 4.0]}
    )
    survlupus.write_dataset(df, tmp_path / "x.csv")
    text = (tmp_path / "x.csv").read_text()
    assert "'=cmd" in text and "\n'+1," in text and "'@SUM" in text and "\nS4," in text
    assert ",-1.5\n" in text  # numbers are numbers
    survlupus.write_dataset(df, tmp_path / "x.parquet")
    assert pd.read_parquet(tmp_path / "x.parquet")["USUBJID"].iloc[0].startswith("=cmd")
    SummaryTable(df).to_csv(tmp_path / "t.csv")
    assert "'=cmd" in (tmp_path / "t.csv").read_text()


def test_latex_tables_escape_every_special_character():
    df = pd.DataFrame({"a_b": ["50% & $5 #1 {x} ~ ^ \\input{evil}"]})
    tex = SummaryTable(df).to_latex()
    row = tex.splitlines()[4]
    assert row.startswith(r"50\% \& \$5 \#1 \{x\} \textasciitilde{} \textasciicircum{} ")
    assert r"\textbackslash{}input\{evil\}" in row and r"a\_b" in tex


def test_figure_file_names_stay_inside_the_output_folder():
    assert slug("../../etc/passwd") == "_.._etc_passwd"
    assert "/" not in slug("TTRFLR@sub/group") and not slug(".hidden").startswith(".")


def test_a_dollar_in_an_arm_label_is_drawn_as_it_is(tmp_path):
    from survlupus.plots import figure_style, plot_km, save_figure

    d = pd.DataFrame(
        {
            "USUBJID": list("abcd"),
            "PARAMCD": "X",
            "ARM": ["$5 MSC$"] * 2 + ["P"] * 2,
            "AVAL": [5, 9, 4, 8],
            "CNSR": [0, 1, 0, 0],
        }
    )
    km = survlupus.kaplan_meier(d, "X", by="ARM")
    with figure_style("publication"):
        fig, axes = plot_km(km, title="Cost in $ (US$)")
        save_figure(fig, tmp_path / "km", formats=("png",))  # mathtext would fail on "$5 MSC$"
    labels = [t.get_text() for t in axes["plot"].get_legend().get_texts()]
    assert "$5 MSC$" in labels


def test_a_report_replaces_the_previous_one_whole(tmp_path):
    from survlupus.jobs.report import write_report

    out = tmp_path / "r"
    write_report(SYNTHETIC / "cs20at04", out, progress=lambda m: None)
    (out / "figures" / "stale.png").write_bytes(b"old")
    res = write_report(SYNTHETIC / "cs20at04", out, progress=lambda m: None)
    assert not (out / "figures" / "stale.png").exists()
    assert not (tmp_path / ".r.partial").exists()
    assert all(p.exists() and out in p.parents or p.parent == out for p in res.written)
    # a failing run leaves the previous report untouched and no partial folder
    with pytest.raises(survlupus.PlanError):
        write_report(
            SYNTHETIC / "cs20at04", out, plan=tmp_path / "missing.toml", progress=lambda m: None
        )
    assert (out / "index.html").exists() and not (tmp_path / ".r.partial").exists()


def test_report_out_is_checked_before_any_work(tmp_path, capsys):
    from survlupus.cli import main

    afile = tmp_path / "f.txt"
    afile.write_text("x")
    assert main(["report", str(SYNTHETIC / "cs20at04"), "--out", str(afile)]) == 2
    assert "is a file; give a folder" in capsys.readouterr().err
    other = tmp_path / "docs"
    other.mkdir()
    (other / "thesis.docx").write_text("mine")
    assert main(["report", str(SYNTHETIC / "cs20at04"), "--out", str(other)]) == 2
    assert "holds something other than a survlupus report" in capsys.readouterr().err
    assert (other / "thesis.docx").read_text() == "mine"


def test_xpt_splits_any_length_of_text_into_eight_character_names(tmp_path):
    import pyreadstat

    value = "".join(chr(65 + i % 26) for i in range(2500))  # 13 parts of at most 200 bytes
    df = pd.DataFrame({"USUBJID": ["A", "B"], "EVIDENCE": [value, "short"]})
    survlupus.write_dataset(df, tmp_path / "x.xpt")
    back, _ = pyreadstat.read_xport(tmp_path / "x.xpt")
    parts = (  # the SDTM convention: EVIDENCE, then EVIDENC1 ... EVIDENC9, EVIDEN10 ...
        ["EVIDENCE"] + [f"EVIDENC{k}" for k in range(1, 10)] + [f"EVIDEN{k}" for k in (10, 11, 12)]
    )
    assert back.columns.tolist() == ["USUBJID", *parts]
    assert "".join(back.loc[0, parts]) == value and back.loc[1, "EVIDENCE"] == "short"
    with pytest.raises(ValueError, match="at most 8 characters: TOOLONGNAME"):
        survlupus.write_dataset(pd.DataFrame({"TOOLONGNAME": [1]}), tmp_path / "y.xpt")
    assert not list(tmp_path.glob("y.xpt*"))  # nothing half-written


def test_a_trial_without_any_flare_or_neutrophil_count_reports(tmp_path, capsys):
    """The tiny trial has no flare and no neutrophils column: episodes are an empty table with
    its columns, haematologic improvement is read from the counts it has, and the report runs."""
    from survlupus.cli import main

    from .conftest import tiny_tables, write_csvs

    folder = write_csvs(tiny_tables(), tmp_path / "trial")
    trial = survlupus.read_trial(folder)
    episodes = survlupus.derive_episodes(trial)
    assert episodes.empty and "ONSETDT" in episodes and episodes["ONSETDT"].dtype.kind == "M"
    assert (
        main(
            [
                "derive",
                str(folder),
                "--out",
                str(tmp_path / "ad.xpt"),
                "--episodes",
                str(tmp_path / "ep.xpt"),
            ]
        )
        == 0
    )
    assert main(["report", str(folder), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "index.html").exists()
    assert "Traceback" not in capsys.readouterr().err
