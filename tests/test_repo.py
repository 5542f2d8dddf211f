"""The README's two commands and CI stay in step."""

import re

from .conftest import ROOT


def _commands():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)[:2]


def test_readme_starts_with_install_main_job_and_test_commands():
    main_job, tests = _commands()
    assert "pip install" in main_job and "data/synthetic/cs20at04" in main_job
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _commands()[1] in ci


def test_no_module_of_the_package_forces_a_matplotlib_backend():
    """Only the CLI's own process picks Agg; importing survlupus never changes a notebook's."""
    for path in sorted((ROOT / "survlupus").rglob("*.py")):
        if path.name == "cli.py":
            continue
        assert "matplotlib.use(" not in path.read_text(encoding="utf-8"), path
