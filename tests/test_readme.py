"""The README's tour runs top to bottom as written (in a scratch folder that sees the data)."""

from __future__ import annotations

import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .conftest import ROOT  # noqa: E402


def test_the_readme_tour_runs_as_written(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = text.split("## A short tour", 1)[1]
    code = re.search(r"```python\n(.*?)```", tour, re.S).group(1)
    os.symlink(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md (tour)", "exec"), namespace)  # noqa: S102
    plt.close("all")
    assert (tmp_path / "tte.tex").exists() and (tmp_path / "out" / "km_ttsflr.pdf").exists()
    assert len(namespace["madtte"]["ARM"].unique()) == 3
