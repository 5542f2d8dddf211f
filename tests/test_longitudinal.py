"""The BDS and the longitudinal summaries: hand-built visits with the expected rows written out,
slopes equal to nlme::lme (committed output of validation/r/mmrm.R), geometric mean ratios,
normalisation and shift tables counted by hand, and the figures drawn from the tables."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import survlupus  # noqa: E402
from survlupus.clinical.windows import windows  # noqa: E402
from survlupus.stats import longitudinal as lg  # noqa: E402

from .builders import make_trial, subject, visit  # noqa: E402
from .conftest import ROOT  # noqa: E402


def test_bds_rows_flags_and_changes_by_hand():
    """S1: screening day -5 (C3 0.5), day 1 (0.6), day 27 and day 31 (W4 window 29 +- 7: day 31
    is 2 days off, day 27 is 2 days off too: the earlier wins), day 60 (unscheduled).
    S2: no day-1 C3, screening 0.8 is the baseline."""
    trial = make_trial(
        [subject("S1", arm="A"), subject("S2", arm="B")],
        [
            visit("S1", -5, c3_g_l=0.5),
            visit("S1", 1, c3_g_l=0.6),
            visit("S1", 27, c3_g_l=0.7),
            visit("S1", 31, c3_g_l=0.9),
            visit("S1", 60, c3_g_l=1.0),
            visit("S2", -3, c3_g_l=0.8),
            visit("S2", 1),
            visit("S2", 29, c3_g_l=1.0),
        ],
    )
    bds = survlupus.derive_bds(trial, ["c3_g_l"], windows([("W4", 29, 7)]), study_id="X")
    s1 = bds[bds.USUBJID == "S1"]
    assert s1["AVISIT"].tolist() == ["PRE-BASELINE", "BASELINE", "W4", "W4", "UNSCHEDULED"]
    assert s1["ABLFL"].tolist() == ["", "Y", "", "", ""]
    assert s1["ANL01FL"].tolist() == ["", "Y", "Y", "", ""]  # day 27: the earlier of two ties
    assert s1["BASE"].eq(0.6).all()
    assert s1["CHG"].tolist()[2:] == pytest.approx([0.1, 0.3, 0.4])
    assert s1["PCHG"].iloc[2] == pytest.approx(100 * 0.1 / 0.6)
    assert math.isnan(s1["CHG"].iloc[1])
    s2 = bds[bds.USUBJID == "S2"]
    assert s2["AVISIT"].tolist() == ["BASELINE", "W4"] and s2["BASE"].eq(0.8).all()
    assert (bds["PARAMCD"] == "C3").all() and (bds["STUDYID"] == "X").all()
    assert bds["PARAM"].iloc[0] == "Complement C3 (g/L)"
    with pytest.raises(ValueError, match="no column treg_pct"):
        survlupus.derive_bds(trial, ["treg_pct"], windows([("W4", 29, 7)]))


def _bds(rows):
    return pd.DataFrame(
        rows, columns=["USUBJID", "ARM", "PARAMCD", "AVISIT", "AVISITN", "AVAL", "BASE"]
    ).assign(ANL01FL="Y", CHG=lambda d: d.AVAL - d.BASE)


def test_geometric_mean_ratio_by_hand():
    d = _bds(
        [
            ("a", "T", "DS", "W4", 29, 50.0, 100.0),
            ("b", "T", "DS", "W4", 29, 200.0, 100.0),
            ("c", "P", "DS", "W4", 29, 100.0, 100.0),
            ("d", "P", "DS", "W4", 29, 80.0, 100.0),
            ("e", "P", "DS", "W4", 29, 0.0, 100.0),
        ]
    )
    g = lg.geometric_mean_ratio(d, "DS", reference="P").set_index(["arm", "comparison"])
    t = g.loc[("T", "")]
    # T: log ratios log(0.5), log(2): mean 0 -> GMR 1; t(0.975, 1) = 12.706 x sd(0.9803)/sqrt(2)
    assert t.estimate == pytest.approx(1.0)
    half = 12.7062047 * np.std(np.log([0.5, 2.0]), ddof=1) / np.sqrt(2)
    assert (t.lower, t.upper) == pytest.approx((np.exp(-half), np.exp(half)), rel=1e-6)
    p = g.loc[("P", "")]
    assert p.n == 2 and p.excluded == 1  # a value of 0 has no log ratio: counted, left out
    assert p.estimate == pytest.approx(np.sqrt(0.8))


def test_normalisation_and_shift_by_hand():
    d = _bds(
        [
            ("a", "T", "C3", "W4", 29, 0.95, 0.7),
            ("b", "T", "C3", "W4", 29, 0.85, 0.6),
            ("c", "T", "C3", "W4", 29, 1.2, 1.0),  # normal at baseline: not counted
            ("a", "T", "C3", "W8", 57, 1.0, 0.7),
        ]
    )
    n = lg.normalisation(d, "C3", lower=0.9).set_index("visit")
    assert (n.loc["W4", "n"], n.loc["W4", "N"]) == (1, 2)
    assert (n.loc["W8", "n"], n.loc["W8", "N"]) == (1, 1)
    s = lg.shift_table(d, "C3", [0.9], ["low", "normal"]).set_index(["visit", "baseline"])
    assert s.loc[("W4", "low")].tolist()[-2:] == [1, 1]  # one stays low, one normalises
    assert s.loc[("W4", "normal")].tolist()[-2:] == [0, 1]


SLOPE_REF = pd.read_csv(ROOT / "validation" / "r" / "output" / "slope_reference.csv")


@pytest.mark.parametrize("case", ["musc", "nanjing"])
def test_slopes_equal_nlme_lme(case):
    d = pd.read_csv(ROOT / "validation" / "data" / f"slope_{case}_egfr.csv")
    d = d.assign(PARAMCD="EGFR", ADY=d["TIME"] * 365.25 + 1)
    ref = "Placebo" if case == "musc" else None
    got = lg.slopes(d, "EGFR", by="ARM" if ref else None, reference=ref)
    r = SLOPE_REF[SLOPE_REF.case == case].fillna({"comparison": ""})
    if ref is None:
        r = r.assign(arm="all")
    m = r.merge(got, on=["arm", "comparison"], suffixes=("_r", ""), validate="1:1")
    assert len(m) == len(r)
    assert m["estimate"].to_numpy() == pytest.approx(m["estimate_r"].to_numpy(), rel=1e-4)
    assert m["se"].to_numpy() == pytest.approx(m["se_r"].to_numpy(), rel=1e-4)


def test_lsmeans_figure_draws_the_table():
    from survlupus.plots import plot_lsmeans

    table = pd.DataFrame(
        {
            "arm": ["P", "P", "T", "T"],
            "visit": ["W4", "W8", "W4", "W8"],
            "estimate": [1.0, 2.0, 1.5, 3.0],
            "lower": [0.5, 1.0, 1.0, 2.0],
            "upper": [1.5, 3.0, 2.0, 4.0],
        }
    )
    fig, ax = plot_lsmeans(table)
    lines = {ln.get_gid(): ln for ln in ax.lines if (ln.get_gid() or "").startswith("lsmeans|")}
    assert set(lines) == {"lsmeans|P", "lsmeans|T"}
    assert lines["lsmeans|T"].get_ydata().tolist() == [1.5, 3.0]
    xp, xt = lines["lsmeans|P"].get_xdata(), lines["lsmeans|T"].get_xdata()
    assert (xp < xt).all()  # dodged: arms side by side, never on top of each other
    assert [t.get_text() for t in ax.get_xticklabels()] == ["W4", "W8"]
