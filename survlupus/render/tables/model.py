"""One table of a report: title, column headers (arms with their N), cells, footnotes.

:func:`report_table` builds it from a tidy frame of :class:`survlupus.Results` (``results.table(
name)``); :mod:`survlupus.render.tables.write` renders the same object to HTML, LaTeX and RTF, so
the three always agree. The time-to-event and responder summaries are laid out as tern's tables
are — a block of statistics per parameter, one column per arm headed ``Arm (N=n)`` — and every
other table keeps its rows with ``N`` per arm in a footnote.

>>> table = report_table("tte_summary", results.table("tte_summary"), results)   # doctest: +SKIP
>>> table.to_rtf("tte_summary.rtf")                                               # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from survlupus.analyse.wording import outcome_display
from survlupus.render.tables.arms import responder_by_arm, tte_by_arm
from survlupus.render.tables.cells import DASH, NE, tidy

TITLES = {
    "outcome_measures": "Outcome measures of the analysis plan: results",
    "tte_summary": "Time-to-event endpoints: Kaplan-Meier summary and comparison with the reference",
    "responder_summary": "Responder endpoints: proportion of responders",
    "change_from_baseline": "Change from baseline by visit",
    "lsmeans": "MMRM: least-squares mean change from baseline by visit",
    "mmrm_contrasts": "MMRM: difference from the reference arm by visit",
    "validation": "Data validation: every problem found in the input",
    "definitions": "Definitions of the derived parameters",
}


@dataclass(frozen=True)
class ReportTable:
    """A table ready to render: ``frame`` holds strings only."""

    name: str
    title: str
    frame: pd.DataFrame
    footnotes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<ReportTable {self.name}: {len(self.frame)} rows x {len(self.frame.columns)}>"

    def _repr_html_(self) -> str:
        from survlupus.render.tables.write import to_html

        return to_html(self)

    def to_html(self, path: str | Path | None = None) -> str:
        from survlupus.render.tables.write import to_html

        return _save(to_html(self), path)

    def to_latex(self, path: str | Path | None = None) -> str:
        from survlupus.render.tables.write import to_latex

        return _save(to_latex(self), path)

    def to_rtf(self, path: str | Path) -> Path:
        from survlupus.render.tables.write import to_rtf

        return to_rtf(self, path)


def _save(text: str, path) -> str:
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def arm_counts(results) -> dict[str, int]:
    """Subjects per arm (ADSL), in the plan's arm order."""
    adsl = results.datasets["adsl"]
    counts = adsl["ARM"].value_counts()
    return {a: int(counts.get(a, 0)) for a in results.arms}


def _common_notes(results) -> list[str]:
    n = arm_counts(results)
    plan = results.plan
    return [
        "N per arm (all subjects): "
        + ", ".join(f"{a} {k}" for a, k in n.items())
        + f"; study {plan.study.id}.",
        f"{NE}: not estimable (e.g. a median not reached). {DASH}: no test or model was run "
        "for the cell (the footnotes say why).",
    ]


def _title(name: str, results) -> str:
    if name in TITLES:
        return TITLES[name]
    number, _, part = name.removeprefix("outcome_").partition("_")
    if number.isdigit():
        try:
            label = results.plan.outcome(int(number)).label
        except (KeyError, ValueError, IndexError):
            label = ""
        extra = f" ({part.replace('_', ' ')})" if part else ""
        return f"Outcome {number}: {label}{extra}".strip()
    return name.replace("_", " ").capitalize()


def _method_notes(df: pd.DataFrame) -> list[str]:
    notes = []
    for col, what in (
        ("ci_method", "95% CI of a proportion"),
        ("diff_method", "95% CI of a difference in proportions"),
        ("test", "test"),
        ("method", "method"),
        ("model", "model"),
    ):
        if col in df:
            values = sorted({str(v) for v in df[col].dropna() if str(v)})
            if 0 < len(values) <= 3:
                notes.append(f"{what.capitalize()}: {'; '.join(values)}.")
    return notes


def report_table(name: str, frame: pd.DataFrame, results) -> ReportTable:
    """The report's table ``name`` from its tidy frame (see the module docstring).

    Parameters
    ----------
    name : str
        A name of ``results.table_names``, ``validation`` or ``definitions``.
    frame : DataFrame
        The tidy table (numbers in numeric columns).
    results : Results
        For the plan (titles, arms, windows) and ADSL (N per arm).

    Returns
    -------
    ReportTable
    """
    notes = _common_notes(results)
    if name == "tte_summary" and len(frame):
        body, extra = tte_by_arm(frame, results)
        return ReportTable(name, _title(name, results), body, tuple(extra + notes))
    if name == "responder_summary" and len(frame):
        body, extra = responder_by_arm(frame, results)
        return ReportTable(name, _title(name, results), body, tuple(extra + notes))
    if name == "outcome_measures":
        shown = outcome_display(frame).drop(columns=["method"])
        extra = [
            "Each result's method is in outcome_measures.csv (column method); a result "
            "'not evaluable' gives the reason."
        ]
        return ReportTable(name, _title(name, results), tidy(shown), tuple(extra + notes))
    extra = _method_notes(frame)
    shown = frame.drop(
        columns=[c for c in ("ci_method", "diff_method", "test", "model") if c in frame]
    )
    if name == "validation" or name == "definitions":
        notes = notes[:1]
    return ReportTable(name, _title(name, results), tidy(shown), tuple(extra + notes))
