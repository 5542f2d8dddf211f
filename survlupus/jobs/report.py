"""The main job: from a trial folder and its plan to every dataset, table and figure, and one
HTML page.

    survlupus report DIR --out OUT [--plan plan.toml]

Steps (each announced on stderr): read and validate; resolve the plan (``--plan``, else
``DIR/plan.toml``, else a generic plan inferred from the data, said so on the page); analyse
(:func:`survlupus.analyse`: every dataset derived and every model fitted once); write
``OUT/datasets/`` (ADaM: CSV, Parquet, XPT v5, Dataset-JSON v1.1, and ``define.json``),
``OUT/tables/`` (CSV with the numbers; HTML, LaTeX and RTF as a report prints them;
``outcome_measures`` is ``Results.outcomes``), ``OUT/figures/`` (each figure drawn once, saved as PDF, SVG, PNG),
``OUT/plan.toml`` (the plan it ran) and ``OUT/index.html``. Same data and plan, same bytes.
The report is written into ``.OUT.partial`` beside ``OUT`` and moved into place only when
complete: a failed run leaves the previous report as it was, and no stale file survives.

>>> result = write_report("data/synthetic/musc", "out/musc")    # doctest: +SKIP
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt

from survlupus.analyse import Results, analyse, resolve_plan
from survlupus.errors import raise_if_errors
from survlupus.plan.model import AnalysisPlan
from survlupus.plan.write import plan_to_toml
from survlupus.render.adam.write import write_adam
from survlupus.render.figures.catalogue import draw, figure_specs
from survlupus.render.figures.save import save_figure
from survlupus.render.figures.style import figure_style
from survlupus.render.page import audit_pages, report_page
from survlupus.render.tables.model import report_table
from survlupus.textsafe import csv_safe
from survlupus.trial.read import ValidationReport, validate_trial

STEPS = 6
MAX_FIGURE_WORKERS = 4


@dataclass
class ReportResult:
    """What a report wrote, and the :class:`Results` it was drawn from."""

    out: Path
    results: Results | None = None
    written: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        kinds: dict[str, list[Path]] = {}
        for p in self.written:
            kinds.setdefault(p.parent.name if p.parent != self.out else "page", []).append(p)
        parts = [f"{len(v)} {k}" for k, v in sorted(kinds.items())]
        return f"wrote {len(self.written)} files to {self.out}: " + ", ".join(parts)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def write_report(
    source,
    out: str | Path,
    plan: AnalysisPlan | str | Path | None = None,
    units: Mapping[str, str] | None = None,
    progress: Callable[[str], None] = _stderr,
) -> ReportResult:
    """Run the whole analysis and write it under ``out`` (see the module docstring).

    ``source``: a trial folder (or what :func:`survlupus.read_trial` takes), or a
    :class:`ValidationReport` already made; ``plan``: a plan, a path to one, or None (the
    folder's ``plan.toml``, else the generic plan).
    """
    final = check_out(out)
    out = final.parent / f".{final.name}.partial"
    if out.exists():
        shutil.rmtree(out)
    try:
        res = _write(source, out, plan, units, progress)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # the previous report, if any, stays as it was
        raise
    if final.exists():
        shutil.rmtree(final)  # no stale file of an earlier run survives
    out.rename(final)
    res.out = final
    res.written = [final / p.relative_to(out) for p in res.written]
    progress(res.summary())
    return res


def check_out(out: str | Path) -> Path:
    """The report folder ``out``, checked before any work: it must be new, empty, or a
    previous survlupus report (which the new one replaces as a whole)."""
    final = Path(out)
    if final.exists() and not final.is_dir():
        raise ValueError(f"--out {final} is a file; give a folder for the report")
    if final.is_dir() and any(final.iterdir()) and not (final / "index.html").exists():
        raise ValueError(
            f"--out {final} is a folder that holds something other than a survlupus report; "
            "give a new or empty folder (a previous report there is replaced)"
        )
    return final


_SHARED: dict = {}  # what forked figure workers read: set before the pool starts


def _draw_one(spec) -> list[Path]:
    """Draw one figure (fitted to its width) and save it in every format: drawn once."""
    results, out = _SHARED["results"], _SHARED["out"]
    fmt = results.plan.figures
    with figure_style(fmt.style):
        fig = draw(results, spec.kind, spec.key)
        written = save_figure(
            fig, out / "figures" / spec.name, formats=fmt.formats, dpi=fmt.dpi, fit=False
        )
        plt.close(fig)
    return written


@contextmanager
def _drawing(results, specs, out: Path):
    """Every figure, in order: yields an iterator of ``(spec, files)``. On a machine with
    several cores (and ``fork``) a pool of worker processes starts drawing whole figures at
    once, so the caller can write other files meanwhile; else each is drawn when the iterator
    reaches it (the files are the same either way).

    The workers only draw with matplotlib. The RTF tables are written by the calling process:
    rtflite computes with polars, whose thread pool does not survive a fork — a worker forked
    from a process that had used it (a Jupyter session that wrote an RTF table) would wait for
    threads that do not exist."""
    _SHARED.update(results=results, out=out)
    workers = min(len(specs), os.cpu_count() or 1, MAX_FIGURE_WORKERS)
    try:
        if workers > 1 and "fork" in mp.get_all_start_methods() and len(specs) > 3:
            with mp.get_context("fork").Pool(workers) as pool:
                yield zip(specs, pool.imap(_draw_one, specs), strict=True)
        else:
            yield ((spec, _draw_one(spec)) for spec in specs)
    finally:
        _SHARED.clear()


def _write(source, out: Path, plan, units, progress) -> ReportResult:
    res = ReportResult(out)
    step = iter(range(1, STEPS + 1))

    def say(msg: str) -> None:
        progress(f"[{next(step)}/{STEPS}] {msg}")

    if isinstance(source, ValidationReport):
        say(f"read and validated {source.trial.source}")
        report = source
    else:
        say(f"reading and validating {source}")
        report = validate_trial(source, units)
    raise_if_errors(report.problems)
    trial = report.trial
    plan = resolve_plan(trial, plan)
    origin = "generic plan inferred from the data" if plan.generic else f"plan {plan.study.id}"
    say(f"analysing by the {origin} ({len(plan.outcomes)} outcome measures)")
    results = analyse(trial, plan, progress=lambda m: progress(f"      {m}"))
    res.results = results

    frames = {name: results.table(name) for name in results.table_names if name != "forest"}
    frames["validation"] = report.to_frame()
    tables = {name: report_table(name, df, results) for name, df in frames.items()}
    specs = figure_specs(results)  # (a subgroup forest is fitted by the worker that draws it)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    # the figure workers start now and draw while this process writes the datasets and tables
    with _drawing(results, specs, out) as drawn:
        say("writing datasets (CSV, Parquet, XPT v5, Dataset-JSON) and their metadata")
        res.written += write_adam(results, out / "datasets")

        say("writing tables (CSV, HTML, LaTeX, RTF) and the plan")
        for name, table in tables.items():
            base = out / "tables" / name
            csv_safe(frames[name].reset_index(drop=True)).to_csv(
                base.with_suffix(".csv"), index=False, lineterminator="\n"
            )
            table.to_html(base.with_suffix(".html"))
            table.to_latex(base.with_suffix(".tex"))
            res.written += [base.with_suffix(f".{ext}") for ext in ("csv", "html", "tex")]
        (out / "plan.toml").write_text(
            plan_to_toml(plan, "The analysis plan this report ran (survlupus report)."),
            encoding="utf-8",
        )
        res.written.append(out / "plan.toml")
        res.written += [t.to_rtf(out / "tables" / f"{n}.rtf") for n, t in tables.items()]

        say(f"drawing {len(specs)} figures")
        figs = []
        for spec, written in drawn:
            res.written += written
            figs.append((spec, out / "figures" / f"{spec.name}.png"))
            progress(f"      figure {len(figs)}/{len(specs)}: {spec.name}")

    say("writing index.html")
    ds = results.datasets
    audit, pages = audit_pages(ds["adtte"], ds["adrs"], ds["adepisodes"])
    for name, html in pages.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(html, encoding="utf-8")
        res.written.append(out / name)
    page = report_page(results, report, tables, figs, audit)
    (out / "index.html").write_text(page, encoding="utf-8")
    res.written.append(out / "index.html")
    return res
