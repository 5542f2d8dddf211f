"""Tables a report is built from: every table of three trials in HTML, LaTeX and RTF, with no
``nan``, ``None`` or raw float; LaTeX escaped (compiled where pdfLaTeX is installed); arms as
columns with their N; no hazard ratio or p-value where no model or test ran; definitions read as
sentences with their numbers."""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings

import pandas as pd
import pytest

import survlupus
from survlupus.render.tables.cells import DASH, fmt_ci, fmt_p, tidy
from survlupus.render.tables.model import report_table
from survlupus.render.tables.write import tex

TRIALS = ("cs20at04", "musc", "nanjing")
RAW_FLOAT = re.compile(r"\d\.\d{5,}")  # an unformatted float: 0.26237807...
BAD = re.compile(r"\b(nan|NaN|None|NaT|<NA>)\b")


@pytest.fixture(scope="module")
def tables(analysed):
    warnings.simplefilter("ignore")
    out = {}
    for trial in TRIALS:
        results = analysed(trial)
        names = [n for n in results.table_names if n != "forest"]
        out[trial] = (results, {n: report_table(n, results.table(n), results) for n in names})
    return out


@pytest.mark.parametrize("trial", TRIALS)
def test_no_nan_none_or_raw_float_reaches_a_table(tables, trial, tmp_path):
    _, made = tables[trial]
    for name, table in made.items():
        cells = table.frame.astype(str).to_numpy().ravel().tolist() + list(table.frame.columns)
        assert not [c for c in cells if BAD.search(c) or RAW_FLOAT.search(c)], name
        for text in (table.to_html(), table.to_latex()):
            assert not BAD.search(text), name
        rtf = table.to_rtf(tmp_path / f"{name}.rtf").read_text(encoding="utf-8", errors="replace")
        assert rtf.startswith("{\\rtf1") and table.title.split(":")[0] in rtf
        assert not BAD.search(rtf.replace("\\fnil", "")), name
        assert table.title and table.footnotes, name


def test_rtf_is_the_same_bytes_for_the_same_table(tables, tmp_path):
    _, made = tables["musc"]
    a = made["tte_summary"].to_rtf(tmp_path / "a.rtf").read_bytes()
    b = made["tte_summary"].to_rtf(tmp_path / "b.rtf").read_bytes()
    assert a == b


def test_latex_escapes_every_special_character():
    assert tex("50% & $5 #1 ^2 ~x_y {z} \\") == (
        r"50\% \& \$5 \#1 \textasciicircum{}2 \textasciitilde{}x\_y \{z\} \textbackslash{}"
    )
    assert tex("— † ≥ µmol") == r"--- \dag{} $\geq$ $\mu$mol"
    table = report_table(
        "validation",
        pd.DataFrame({"table": ["visits & more"], "message": ["100% of $ rows #1"]}),
        _Results(),
    )
    latex = table.to_latex()
    body = latex.split(r"\endlastfoot")[1]
    assert r"visits \& more" in body and r"100\% of \$ rows \#1" in body
    assert not re.search(r"(?<!\\)[&%$#](?![^{]*\})", body.replace(" & ", " ").replace(r"\\", ""))


class _Results:
    """The least a table needs: a plan with arms and ADSL."""

    class plan:  # noqa: N801
        class study:  # noqa: N801
            id = "S"
            reference_arm = None

        controlled = False
        missing = "non-responder"

    arms = ("A",)
    datasets = {"adsl": pd.DataFrame({"ARM": ["A", "A"]})}


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdfLaTeX is not installed")
@pytest.mark.parametrize("trial", TRIALS)
def test_every_latex_table_compiles(tables, trial, tmp_path):
    _, made = tables[trial]
    body = "\n".join(t.to_latex() for t in made.values())
    doc = (
        "\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{booktabs,longtable}"
        "\\usepackage[margin=1cm,landscape]{geometry}\\begin{document}\n"
        + body
        + "\\end{document}\n"
    )
    (tmp_path / "t.tex").write_text(doc, encoding="ascii")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000


def test_arms_are_columns_with_their_n_and_no_hr_without_events(tables):
    results, made = tables["musc"]
    tte = made["tte_summary"].frame
    assert list(tte.columns) == [
        "Parameter",
        "Statistic",
        "MSC low (N=27)",
        "MSC high (N=27)",
        "Placebo (N=27)",
    ]
    raw = results.table("tte_summary")
    death = raw[(raw.PARAMCD == "TTDTH") & (raw.population == "all")].set_index("group")
    assert death.loc["MSC low", "events"] == 0 and death.loc["Placebo", "events"] == 0
    start = tte.index[tte["Parameter"].str.startswith(death["PARAM"].iloc[0])][0]
    block = tte.iloc[start : start + 8].set_index("Statistic")
    # MSC low vs Placebo: no event in either, so no hazard ratio (1.00 (0.01, 184) before)
    assert block.loc["Hazard ratio vs Placebo (95% CI)", "MSC low (N=27)"] == DASH
    hr = death.loc["MSC high", "HR vs Placebo (95% CI)"]
    assert block.loc["Hazard ratio vs Placebo (95% CI)", "MSC high (N=27)"] == hr + " †"
    assert any("no event in either arm" in f for f in made["tte_summary"].footnotes)
    assert any(f.startswith("† Firth") for f in made["tte_summary"].footnotes)
    # events, n (%): 1/27 = 3.7 %
    assert block.loc["Events, n (%)", "MSC high (N=27)"] == "1 (3.7%)"
    resp = made["responder_summary"].frame
    assert resp.loc[0, "Statistic"] == "Responders, n/N (%)"


def test_a_test_that_never_ran_prints_a_dash_not_a_p_value():
    assert fmt_p(float("nan")) == DASH and fmt_p(0.0004) == "<0.001" and fmt_p(0.5) == "0.500"
    assert fmt_ci(float("nan"), float("nan"), float("nan")) == DASH
    assert fmt_ci(12.0, 3.0, float("inf"), 0) == "12 (3, NE)"
    adtte = pd.DataFrame(
        {
            "USUBJID": list("abcd"),
            "PARAMCD": "TTX",
            "PARAM": "Time to x",
            "ARM": ["A", "A", "B", "B"],
            "AVAL": [10, 20, 15, 25],
            "CNSR": [1, 1, 1, 1],  # no event at all: the log-rank test is not run
        }
    )
    table = survlupus.summary_table(adtte, by="ARM", reference="A", landmarks=[12])
    assert table.frame["p"].iloc[0] == DASH
    shown = tidy(pd.DataFrame({"sd": [float("nan"), 1.234], "n": [3.0, 4.0]}))
    assert shown["sd"].tolist() == ["NE", "1.23"] and shown["n"].tolist() == ["3", "4"]


def test_definitions_read_as_sentences_with_their_numbers(tables):
    results, made = tables["cs20at04"]
    defs = results.table("definitions")
    assert {"TTSFLR", "TTRFLR", "TTCR", "STER4W12"} <= set(defs["PARAMCD"])
    for text in defs["definition"]:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text  # no field names
        assert "{" not in text and "=" not in text
    for source in defs["source"]:
        assert "docs/" not in source and ".md" not in source and "seed" not in source
        assert re.search(r"(19|20)\d\d", source), source  # a dated reference
    renal = survlupus.RenalFlare(creatinine_factor=1.25, confirm_days=28).describe()
    assert "at least 1.25 times the lowest value" in renal and "within 28 days" in renal
    taper = survlupus.derive.responders.SteroidTaper(max_mg=5.0, from_day=43).describe()
    assert "at most 5 mg/day on every day from study day 43 to day 85" in taper
    page = made["definitions"].to_html()
    assert "lowest value so far" in page
