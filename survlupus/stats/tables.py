"""Report-ready summary of time-to-event parameters: one row per parameter and arm.

Columns: ``PARAMCD, PARAM, group, N, events, censored, median (CI)``, the landmark estimates
``S(day d) (CI)``, ``HR vs reference (CI)`` from a Cox model (Efron ties; Firth's penalised model
where an arm has no event, and then named so), and the between-group p-value with its test named
(log-rank). Numbers are kept in numeric columns too, so the table can be checked or re-formatted.

>>> table = summary_table(adtte, by="ARM", reference="Placebo")   # doctest: +SKIP
>>> table.to_latex("tte.tex"); table.to_html("tte.html"); table.to_csv("tte.csv")   # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from survlupus.stats.compare import logrank
from survlupus.stats.cox import cox
from survlupus.stats.data import check_reference
from survlupus.stats.display import fmt_p
from survlupus.stats.km import kaplan_meier
from survlupus.textsafe import csv_safe, latex_escape


def _num(x: float, digits: int = 1) -> str:
    return "NE" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _ci(est: float, lo: float, hi: float, digits: int = 1) -> str:
    return f"{_num(est, digits)} ({_num(lo, digits)}, {_num(hi, digits)})"


@dataclass(frozen=True)
class SummaryTable:
    frame: pd.DataFrame

    def __repr__(self) -> str:
        n = self.frame["PARAMCD"].nunique() if "PARAMCD" in self.frame else len(self.frame)
        return f"<SummaryTable: {len(self.frame)} rows, {n} parameters; .display, .to_latex()>"

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.to_html()

    @property
    def display(self) -> pd.DataFrame:
        """The formatted columns only (what goes into a report)."""
        return self.frame[[c for c in self.frame.columns if not c.startswith("_")]]

    def to_csv(self, path: str | Path) -> None:
        csv_safe(self.frame).to_csv(path, index=False, lineterminator="\n")

    def to_html(self, path: str | Path | None = None) -> str:
        html = self.display.to_html(index=False, na_rep="", border=0, classes="survlupus")
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def to_latex(self, path: str | Path | None = None) -> str:
        body = self.display.copy()
        for col in body.columns:
            body[col] = body[col].astype(str).map(latex_escape)
        cols = "l" * len(body.columns)
        lines = [
            rf"\begin{{tabular}}{{{cols}}}",
            r"\hline",
            " & ".join(latex_escape(c) for c in body.columns) + r" \\",
            r"\hline",
        ]
        lines += [" & ".join(row) + r" \\" for row in body.astype(str).to_numpy().tolist()]
        lines += [r"\hline", r"\end{tabular}"]
        tex = "\n".join(lines) + "\n"
        if path is not None:
            Path(path).write_text(tex, encoding="utf-8")
        return tex


def summary_rows(
    sub: pd.DataFrame,
    km,
    landmarks: Sequence[float],
    by: str = "ARM",
    reference=None,
    test: tuple[float, str] | None = None,
    hr: tuple[pd.DataFrame, str] | None = None,
) -> list[dict]:
    """The rows of one parameter from fits already made: ``sub`` (its ADTTE rows), ``km`` (its
    :class:`KaplanMeier` by ``by``), ``test`` (p, test name) and ``hr`` (Cox table indexed by
    term, model name); used by :func:`summary_table` and by ``analyse``."""
    code = sub["PARAMCD"].iloc[0]
    med = km.median().set_index("group")
    lm = km.at(list(landmarks), extend=True)  # the plan's landmarks lie within its window
    groups = km.groups
    ref = reference if reference in groups else groups[0]
    rows = []
    ref_events = int((sub.loc[sub[by] == ref, "CNSR"] == 0).sum())
    for g in groups:
        gs = sub[sub[by] == g]
        m = med.loc[g]
        row = {
            "PARAMCD": code,
            "PARAM": gs["PARAM"].iloc[0],
            "group": g,
            "N": len(gs),
            "events": int((gs["CNSR"] == 0).sum()),
            "censored": int((gs["CNSR"] != 0).sum()),
            "median (95% CI)": _ci(m["estimate"], m["lower"], m["upper"], 0),
            "_median": m["estimate"],
            "_median_lower": m["lower"],
            "_median_upper": m["upper"],
        }
        for d in landmarks:
            r = lm[(lm["group"] == g) & (lm["time"] == d)].iloc[0]
            row[f"S(day {d:g}) (95% CI)"] = _ci(r["survival"], r["lower"], r["upper"], 2)
            row[f"_S{d:g}"] = r["survival"]
            row[f"_S{d:g}_lower"], row[f"_S{d:g}_upper"] = r["lower"], r["upper"]
        if hr is not None and g != ref and row["events"] == 0 and ref_events == 0:
            row[f"HR vs {ref} (95% CI)"] = "—"  # no event in either arm: nothing to estimate
            row["_hr"], row["_hr_model"] = np.nan, "none: no event in either arm"
        elif hr is not None and g != ref:
            t = hr[0].loc[f"{by}[{g}]"]
            row[f"HR vs {ref} (95% CI)"] = _ci(t["hr"], t["lower"], t["upper"], 2)
            row["_hr"], row["_hr_model"] = t["hr"], hr[1]
        if test is not None and g == groups[0]:
            row["p"] = fmt_p(test[0])
            row["test"] = test[1]
            row["_p"] = test[0]
        rows.append(row)
    return rows


def summary_frame(rows: list[dict]) -> SummaryTable:
    """Formatted columns first, the numeric ``_`` columns after."""
    frame = pd.DataFrame(rows)
    front = [c for c in frame.columns if not c.startswith("_")]
    return SummaryTable(frame[front + [c for c in frame.columns if c.startswith("_")]])


def summary_table(
    adtte: pd.DataFrame,
    paramcds: Sequence[str] | None = None,
    by: str = "ARM",
    reference=None,
    landmarks: Sequence[float] = (85, 169),
    conf_type: str = "log-log",
) -> SummaryTable:
    """The time-to-event summary table: per parameter and group N, events, censored, median
    (95% CI), S(t) at the landmarks and, against ``reference``, the HR (Cox; Firth where an arm
    has no event) and the log-rank p.

    Parameters
    ----------
    adtte : DataFrame
    paramcds : sequence of str, optional
        Default: every PARAMCD of ``adtte``.
    by : str
        The grouping column (default ``"ARM"``).
    reference : optional
        The reference group; a ``ValueError`` names the groups when it is absent.
    landmarks : sequence of float
        Study days of the S(t) columns (default 85 and 169: weeks 12 and 24).
    conf_type : str
        As :func:`kaplan_meier`.

    Returns
    -------
    SummaryTable
        ``.display`` (formatted columns), ``.frame`` (with the numbers), ``to_csv/to_html/
        to_latex``.

    Examples
    --------
    >>> adtte = survlupus.derive_adtte(survlupus.read_trial("data/synthetic/musc"),
    ...                                ["TTSFLR", "TTRFLR", "TTDTH"], window_days=379)
    >>> t = survlupus.summary_table(adtte, ["TTSFLR"], by="ARM", reference="Placebo")
    >>> t.display[["group", "N", "events"]].values.tolist()
    [['MSC high', 27, 3], ['MSC low', 27, 6], ['Placebo', 27, 5]]
    """
    paramcds = list(paramcds) if paramcds else sorted(adtte["PARAMCD"].unique())
    check_reference(adtte, by, reference, "summary_table")
    rows = []
    for code in paramcds:
        sub = adtte[adtte["PARAMCD"] == code]
        km = kaplan_meier(adtte, code, by=by, conf_type=conf_type)
        groups = km.groups
        ref = reference if reference in groups else groups[0]
        test, hr = None, None
        if len(groups) > 1:
            lr = logrank(adtte, code, by=by)
            test = (lr.p, lr.test)
            events = sub.groupby(by)["CNSR"].apply(lambda c: int((c == 0).sum()))
            use_firth = bool((events == 0).any()) and events.sum() > 0
            if events.sum() > 0:
                fit = cox(adtte, code, [by], reference=ref, firth=use_firth)
                hr = (fit.table.set_index("term"), "Firth Cox" if use_firth else "Cox (Efron)")
        rows += summary_rows(sub, km, landmarks, by, ref, test, hr)
    return summary_frame(rows)
