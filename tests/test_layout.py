"""The layout shows the flow trial → derive → analyse (plan → Results) → render, and imports
only point down it: statistics never import the trial or the derivations, figures and tables
never import a fitting function, no module is longer than about 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "survlupus"
MODULES = sorted(PACKAGE.rglob("*.py"))
FITTING = {
    "kaplan_meier",
    "cox",
    "logrank",
    "cumulative_incidence",
    "gray_test",
    "flare_rates",
    "mean_cumulative_function",
    "summary_table",
    "fit_tte",
    "forest_table",
    "analyse",
}


def _imports(path: Path) -> list[tuple[str, set[str], int]]:
    """(module, names, line) of every import in the file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.module, {a.name for a in node.names}, node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, set(), node.lineno) for a in node.names]
    return out


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_the_folders_show_the_flow():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert {"trial", "clinical", "derive", "plan", "stats", "analyse", "render", "jobs"} <= folders
    assert not (PACKAGE / "endpoints").exists() and not (PACKAGE / "config.py").exists()


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


def test_stats_never_import_the_trial_or_the_derivations():
    bad = [
        (_rel(p), mod, line)
        for p in (PACKAGE / "stats").glob("*.py")
        for mod, _, line in _imports(p)
        if mod.startswith(
            (
                "survlupus.trial",
                "survlupus.derive",
                "survlupus.plan",
                "survlupus.analyse",
                "survlupus.render",
            )
        )
    ]
    assert bad == []


def test_render_never_imports_a_fitting_function():
    bad = [
        (_rel(p), mod, sorted(names & FITTING), line)
        for p in (PACKAGE / "render").rglob("*.py")
        for mod, names, line in _imports(p)
        if mod.startswith("survlupus") and names & FITTING
    ]
    assert bad == []


def test_analysis_and_plan_never_reach_into_rendering():
    """Only ``Results.figure`` hands a figure request over to ``render`` (a lazy import)."""
    found = [
        (_rel(p), mod, line)
        for folder in ("analyse", "plan", "derive", "trial", "clinical")
        for p in (PACKAGE / folder).rglob("*.py")
        for mod, _, line in _imports(p)
        if mod.startswith(("survlupus.render", "survlupus.jobs"))
    ]
    assert [(f, m) for f, m, _ in found] == [
        ("survlupus/analyse/results.py", "survlupus.render.figures.catalogue")
    ]


def test_no_seed_outcome_list_in_python():
    for p in MODULES:
        assert "SEED_OUTCOMES" not in p.read_text(), _rel(p)
