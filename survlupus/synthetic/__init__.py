"""Synthetic seed trials modelled on the seed documents, with the truth of what was planted.

>>> from survlupus.synthetic import simulate_design
>>> tables = simulate_design("cs20at04")
>>> sorted(tables)
['events', 'infusions', 'steroids', 'subjects', 'truth', 'visits']
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pandas as pd

from survlupus.synthetic.designs import DESIGNS, Design
from survlupus.synthetic.frames import IMPLIES
from survlupus.synthetic.generate import simulate
from survlupus.synthetic.write import write_tables

__all__ = [
    "DESIGNS",
    "IMPLIES",
    "Design",
    "design_plan_text",
    "simulate",
    "simulate_design",
    "write_design",
]


def simulate_design(
    name: str, seed: int | None = None, n: int | None = None
) -> dict[str, pd.DataFrame]:
    """Tables of the named design (``cs20at04``, ``musc``, ``nanjing``)."""
    if name not in DESIGNS:
        raise ValueError(f"unknown design {name!r}; choose one of {', '.join(DESIGNS)}")
    return simulate(DESIGNS[name], seed=seed, n=n)


def design_plan_text(name: str) -> str:
    """The design's analysis plan (``plan.toml``), as shipped in ``survlupus/synthetic/plans``."""
    if name not in DESIGNS:
        raise ValueError(f"unknown design {name!r}; choose one of {', '.join(DESIGNS)}")
    return (files("survlupus.synthetic") / "plans" / f"{name}.toml").read_text(encoding="utf-8")


def write_design(
    name: str, out: str | Path, seed: int | None = None, n: int | None = None
) -> list[Path]:
    """Simulate the design and write it in the data-contract layout, with ``truth.csv`` and the
    design's ``plan.toml``."""
    paths = write_tables(simulate_design(name, seed, n), out)
    plan = Path(out) / "plan.toml"
    plan.write_text(design_plan_text(name), encoding="utf-8")
    return [*paths, plan]
