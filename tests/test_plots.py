"""Figures: their content equals the analysis layer's tables, they save byte for byte, styles do
not leak, and they still look like the gallery (image regression)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.testing.compare import compare_images  # noqa: E402

import survlupus  # noqa: E402
from survlupus.jobs.gallery import GALLERY  # noqa: E402
from survlupus.plots import (  # noqa: E402
    arm_colors,
    figure_style,
    plot_cif,
    plot_forest,
    plot_km,
    plot_swimmer,
    plot_trajectory,
    save_figure,
    swimmer_events,
    trajectory_summary,
)
from survlupus.render.figures.km import to_aval  # noqa: E402

from .conftest import ROOT, SYNTHETIC  # noqa: E402


@pytest.fixture(scope="module")
def musc():
    trial = survlupus.read_trial(SYNTHETIC / "musc")
    return trial, survlupus.derive_adtte(trial, window_days=379)


@pytest.fixture(scope="module")
def cs():
    trial = survlupus.read_trial(SYNTHETIC / "cs20at04")
    return (trial, survlupus.derive_adtte(trial), survlupus.derive_episodes(trial, window_days=183))


def by_gid(ax, prefix):
    return {a.get_gid(): a for a in ax.get_children() if (a.get_gid() or "").startswith(prefix)}


def test_km_curves_and_risk_table_equal_the_analysis_tables(musc):
    _, adtte = musc
    km = survlupus.kaplan_meier(adtte, "TTSFLR", by="ARM")
    ticks = [0, 8, 16, 24, 32, 40, 48]
    fig, axes = plot_km(km, ticks=ticks, risk_rows=("n_risk", "cum_events", "cum_censored"))
    for g in km.groups:
        line = by_gid(axes["plot"], f"curve|{g}")[f"curve|{g}"]
        tab = km.table[km.table.group == g]
        # the step heights after day 1 are the KM estimates, in order
        assert np.allclose(line.get_ydata()[1:], tab["survival"].to_numpy())
        assert np.allclose(line.get_xdata()[1:], (tab["time"].to_numpy() - 1) / 7)
        cens = by_gid(axes["plot"], f"censor|{g}")[f"censor|{g}"]
        assert len(cens.get_xdata()) == int((tab["n_censor"] > 0).sum())
    expected = km.risk_table(list(to_aval(ticks, "weeks")), counts="before")
    texts = {t.get_gid(): t.get_text() for t in axes["risk"].texts}
    for r in expected.itertuples():
        for row in ("n_risk", "cum_events", "cum_censored"):
            assert texts[f"risk|{row}|{r.group}|{r.time:g}"] == str(getattr(r, row))
        # the counts add up: at risk just before t + events and censored before t = N
        n = int((adtte[(adtte.PARAMCD == "TTSFLR")].ARM == r.group).sum())
        assert r.n_risk + r.cum_events + r.cum_censored == n
    # and #{T >= t} really is the definition: at week 8 (day 57) by hand from the data
    placebo = adtte[(adtte.PARAMCD == "TTSFLR") & (adtte.ARM == "Placebo")]
    assert texts["risk|n_risk|Placebo|57"] == str(int((placebo.AVAL >= 57).sum()))
    plt.close(fig)


def test_km_cumulative_and_user_axes(musc):
    _, adtte = musc
    km = survlupus.kaplan_meier(adtte, "TTSFLR", by="ARM")
    fig, ax = plt.subplots()
    out_fig, axes = plot_km(km, ax=ax, cumulative=True, risk_rows=())
    assert out_fig is fig and axes["plot"] is ax and axes["risk"] is None
    line = by_gid(ax, "curve|Placebo")["curve|Placebo"]
    tab = km.table[km.table.group == "Placebo"]
    assert np.allclose(line.get_ydata()[1:], 1 - tab["survival"].to_numpy())
    assert (
        line.get_ydata()[0] == 0.0 and line.get_xdata()[0] == 0.0
    )  # a cumulative view starts at 0
    assert np.all(np.diff(line.get_ydata()) >= 0)  # and only rises
    plt.close(fig)


def test_cif_plot_equals_cif_table(musc):
    _, adtte = musc
    cif = survlupus.cumulative_incidence(adtte, "TTRESC", competing="TTDTH", by="ARM")
    fig, axes = plot_cif(cif, ticks=[0, 16, 32, 48])
    for g in ("MSC high", "MSC low", "Placebo"):
        line = by_gid(axes["plot"], f"curve|{g}")[f"curve|{g}"]
        assert np.allclose(line.get_ydata()[1:], cif.table[cif.table.group == g]["estimate"])
    texts = {t.get_gid(): t.get_text() for t in axes["risk"].texts}
    for r in cif.risk_table([1, 113, 225, 337], counts="before").itertuples():
        assert texts[f"risk|cum_competing|{r.group}|{r.time:g}"] == str(r.cum_competing)
        n = int((cif.data["ARM"] == r.group).sum())
        assert r.n_risk + r.cum_events + r.cum_competing + r.cum_censored == n
    for g in ("MSC high", "MSC low", "Placebo"):
        line = by_gid(axes["plot"], f"curve|{g}")[f"curve|{g}"]
        assert line.get_ydata()[0] == 0.0
        tab = cif.table[cif.table.group == g]
        marks = by_gid(axes["plot"], f"censor|{g}")[f"censor|{g}"]  # CIF censor marks too
        assert len(marks.get_xdata()) == int((tab["n_censor"] > 0).sum())
    plt.close(fig)


def test_swimmer_markers_match_derived_events(cs):
    trial, adtte, episodes = cs
    fig, ax = plot_swimmer(trial, episodes, adtte)
    events = swimmer_events(trial, episodes, adtte)
    lanes = {t.get_text(): y for y, t in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)}
    for kind, pts in ((g.split("|", 1)[1], a) for g, a in by_gid(ax, "marker|").items()):
        want = events[events.kind == kind]
        got = sorted(map(tuple, np.round(pts.get_offsets(), 6).tolist()))
        exp = sorted(
            (round((d - 1) / 7, 6), float(lanes[s]))
            for s, d in zip(want.USUBJID, want.day, strict=True)
        )
        assert got == exp, kind
    # the derived remissions and severe-flare episodes are among the markers
    cr = adtte[(adtte.PARAMCD == "TTCR") & (adtte.CNSR == 0)]
    assert len(events[events.kind == "complete remission"]) == len(cr)
    assert len(events[events.kind == "severe flare"]) == int(
        (episodes.TYPE == "severe flare").sum()
    )
    plt.close(fig)


def test_forest_numbers_equal_cox(musc):
    _, adtte = musc
    tab = survlupus.forest_table(adtte, ["TTSFLR"], by="ARM", reference="Placebo")
    fit = survlupus.cox(adtte, "TTSFLR", ["ARM"], reference="Placebo")
    assert np.allclose(tab["estimate"], fit.table["hr"])
    fig, ax = plot_forest(tab, favours=("MSC", "placebo"))
    shown = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("forest-text")]
    assert shown == [f"{r.hr:.2f} ({r.lower:.2f}-{r.upper:.2f})" for r in fit.table.itertuples()]
    assert ax.get_xscale() == "log"
    plt.close(fig)


def test_trajectory_summary_points(musc):
    trial, _ = musc
    s = trajectory_summary(trial, "hemoglobin_g_dl", change_from_baseline=True)
    assert (s["statistic"] == "mean").all()  # not a skewed measure
    fig, ax = plot_trajectory(
        trial, "hemoglobin_g_dl", kind="summary", change_from_baseline=True, by_subgroup=False
    )
    line = by_gid(ax, "summary|Placebo")["summary|Placebo"]
    assert np.allclose(line.get_ydata(), s[s.arm == "Placebo"]["estimate"])
    d1 = s[(s.visit == "D1")]
    assert np.allclose(d1["estimate"], 0)  # change from baseline is 0 on day 1
    plt.close(fig)
    fig, ax = plot_trajectory(trial, "creatinine_umol_l", by_subgroup=False)
    assert len(by_gid(ax, "subject|")) == trial.n_subjects
    plt.close(fig)


def test_trajectories_split_subgroups_and_summarise_skewed_labs_by_median(musc):
    """UPCR of nephritis (~2 g/g) and cytopenia (~0.1 g/g) are never pooled; a skewed lab is a
    median with its quartiles (checked by hand with numpy on the raw values)."""
    trial, _ = musc
    s = trajectory_summary(trial, "upcr_g_g", by_subgroup=True)
    assert (
        set(s["subgroup"]) == {"nephritis", "cytopenia", ""} and (s.statistic == "median_iqr").all()
    )
    from survlupus.render.figures.trajectories import trajectory_data

    raw = trajectory_data(trial, "upcr_g_g")
    w4 = raw[(raw.subgroup == "nephritis") & (raw.arm == "Placebo") & (raw.visit == "W4")]["value"]
    row = s[(s.subgroup == "nephritis") & (s.arm == "Placebo") & (s.visit == "W4")].iloc[0]
    assert (row.estimate, row.lower, row.upper) == pytest.approx(
        (np.median(w4), np.percentile(w4, 25), np.percentile(w4, 75))
    )
    fig, axes = plot_trajectory(trial, "upcr_g_g", kind="summary")
    assert [a.get_title(loc="left") for a in axes] == ["Cytopenia", "Nephritis", "Neither subgroup"]
    nephritis = by_gid(axes[1], "summary|Placebo")["summary|Placebo"]
    part = s[(s.subgroup == "nephritis") & (s.arm == "Placebo")]
    assert np.allclose(nephritis.get_ydata(), part["estimate"])
    plt.close(fig)


def test_styles_do_not_leak_and_colours_are_stable():
    before = dict(matplotlib.rcParams)
    with figure_style("publication"):
        assert matplotlib.rcParams["font.size"] == 7.5
    with figure_style("presentation"):
        assert matplotlib.rcParams["font.size"] == 14
    assert matplotlib.rcParams["font.size"] == before["font.size"]
    a = arm_colors(["Placebo", "MSC low", "MSC high"])
    b = arm_colors(["MSC high", "Placebo", "MSC low", "MSC high"])
    assert a == b and a["Placebo"] == "#7F7F7F"


def test_save_is_byte_for_byte_reproducible(musc, tmp_path):
    _, adtte = musc
    km = survlupus.kaplan_meier(adtte, "TTSFLR", by="ARM")
    outs = []
    for k in range(2):
        with figure_style("publication"):
            fig, _ = plot_km(km)
            outs.append(save_figure(fig, tmp_path / f"km{k}", dpi=120))
            plt.close(fig)
    for p0, p1 in zip(*outs, strict=True):
        assert p0.read_bytes() == p1.read_bytes(), p0.suffix
    assert b"CreationDate" not in outs[0][0].read_bytes()


@pytest.mark.parametrize("name", list(GALLERY))
def test_figures_look_like_the_gallery(name, tmp_path):
    from survlupus.jobs.gallery import figures

    _, make = figures()[name]
    with figure_style("publication"):
        fig = make()
        save_figure(fig, tmp_path / name, formats=("png",), dpi=150)
        plt.close(fig)
    result = compare_images(
        str(ROOT / "docs" / "gallery" / f"{name}.png"), str(tmp_path / f"{name}.png"), tol=2
    )
    assert result is None, result


def _pdf_width_mm(path) -> float:
    import re

    box = re.search(rb"/MediaBox \[ *[\d.]+ [\d.]+ ([\d.]+) [\d.]+", path.read_bytes())
    return float(box.group(1)) / 72 * 25.4


@pytest.mark.parametrize(
    "name",
    [
        "km_musc_ttsflr",
        "forest_subgroups_musc",
        "trajectory_creatinine",
        "trajectory_sledai_nanjing",
        "swimmer_cs20at04",
    ],
)
def test_figures_are_the_column_width_they_promise_with_no_text_under_6pt(name, tmp_path):
    from survlupus.jobs.gallery import figures

    _, make = figures()[name]
    with figure_style("publication"):
        fig = make()
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        (pdf,) = save_figure(fig, tmp_path / name, formats=("pdf",))
        want = 89.0 if fig.get_size_inches()[0] * 25.4 < 100 else 183.0
        plt.close(fig)
    assert abs(_pdf_width_mm(pdf) - want) <= 0.5
    assert min(sizes) >= 6.0, min(sizes)
    assert b"/FontFile2" in pdf.read_bytes()  # TrueType fonts embedded


def test_km_legend_and_annotation_never_cover_the_curves():
    from survlupus.jobs.gallery import figures

    _, make = figures()["km_musc_ttsflr"]
    with figure_style("publication"):
        fig = make()
        renderer = fig.canvas.get_renderer()
        ax = next(a for a in fig.axes if a.get_lines())
        plot = ax.get_window_extent(renderer)
        legend = ax.get_legend().get_window_extent(renderer)
        note = next(t for t in ax.texts if t.get_gid() == "annotation").get_window_extent(renderer)
        plt.close(fig)
    for box in (legend, note):
        assert not box.overlaps(plot)
    assert not legend.overlaps(note)


def test_time_units_are_checked_and_the_primary_time_point_is_a_tick(musc):
    _, adtte = musc
    km = survlupus.kaplan_meier(adtte, "TTSFLR", by="ARM")
    with pytest.raises(ValueError, match="time_unit 'fortnights' is not one of days, weeks"):
        plot_km(km, time_unit="fortnights")
    fig, axes = plot_km(km, time_unit="months", required_days=(365, 379))
    ticks = list(axes["plot"].get_xticks())
    assert min(abs(t - (365 - 1) / (365.25 / 12)) for t in ticks) < 1e-5  # day 365: 11.96 months
    line = by_gid(axes["plot"], "curve|Placebo")["curve|Placebo"]
    tab = km.table[km.table.group == "Placebo"]
    assert np.allclose(line.get_xdata()[1:], (tab["time"] - 1) / (365.25 / 12))
    assert not by_gid(axes["plot"], "ci|")  # three arms: no bands unless asked
    plt.close(fig)


def _embedded_truetype_tables(pdf_bytes: bytes) -> list[set[str]]:
    """The table tags of each TrueType font program embedded in a PDF (its FontFile2
    streams, Flate-compressed as matplotlib writes them)."""
    import re
    import struct
    import zlib

    fonts = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf_bytes, re.S):
        try:
            data = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        if data[:4] != b"\x00\x01\x00\x00":  # sfnt version 1.0: a TrueType font
            continue
        (n,) = struct.unpack(">H", data[4:6])
        fonts.append({data[12 + 16 * i : 16 + 16 * i].decode("latin-1") for i in range(n)})
    return fonts


def test_pdf_fonts_are_embedded_without_layout_tables_and_the_subsetter_is_restored(tmp_path):
    from fontTools import subset

    before = list(subset.Options._drop_tables_default)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title("Kaplan-Meier: AV WA fi", fontweight="bold")
    ax.plot([0, 1], [1, 0.5], label="Placebo")
    ax.legend()
    (pdf,) = save_figure(fig, tmp_path / "f", formats=("pdf",))
    plt.close(fig)
    fonts = _embedded_truetype_tables(pdf.read_bytes())
    assert len(fonts) >= 2  # regular and bold
    for tables in fonts:
        assert {"glyf", "loca", "cmap", "hmtx"} <= tables  # what a PDF reader draws from
        assert not tables & {"GSUB", "GPOS", "GDEF", "kern"}
    assert subset.Options._drop_tables_default == before


def test_pdf_font_subsets_are_made_once_per_set_of_glyphs_and_restored(tmp_path):
    """A subset kept for one figure's glyphs is never given to another figure's: a figure saved
    after one with other text embeds the bytes it embeds when saved first, and matplotlib's
    subsetting function is back afterwards."""
    from matplotlib.backends import _backend_pdf_ps

    from survlupus.render.figures import pdffonts

    original = _backend_pdf_ps.get_glyphs_subset

    def pdf_of(text: str, name: str) -> bytes:
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.set_title(text)
        (pdf,) = save_figure(fig, tmp_path / name, formats=("pdf",))
        plt.close(fig)
        return pdf.read_bytes()

    pdffonts._SUBSETS.clear()
    alone = pdf_of("xyz 123", "alone")
    assert len(pdffonts._SUBSETS) == 1
    pdffonts._SUBSETS.clear()
    pdf_of("abc 789", "other")  # another set of glyphs, made first
    after = pdf_of("xyz 123", "after")
    again = pdf_of("xyz 123", "again")  # its own subset, kept
    assert after == alone == again
    assert len(pdffonts._SUBSETS) == 2
    assert _backend_pdf_ps.get_glyphs_subset is original
