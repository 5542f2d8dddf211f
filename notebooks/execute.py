"""Run every notebook and save it with its outputs (figures as small PNGs):

    .venv/bin/python notebooks/execute.py

The committed notebooks are the output of this script; ``tests/test_notebooks.py`` re-runs them
and checks that every text output is the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def execute(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` run top to bottom in its own folder (kernel ``python3``)."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        record_timing=False,  # no timestamps: the same notebook gives the same file
        resources={"metadata": {"path": str(HERE)}},
    ).execute()
    return nb


def main(paths: list[str]) -> int:
    for path in [Path(p) for p in paths] or sorted(HERE.glob("*.ipynb")):
        nb = execute(path)
        nb.metadata.pop("widgets", None)
        nbformat.write(nb, path)
        print(f"executed {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
