"""Large synthetic cohorts for benchmarks: the ``nanjing`` design (26 visits a subject, plus 4
interim visits: about 30) replicated with new subject IDs, vectorised (no per-subject loop)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import survlupus
from survlupus.synthetic import simulate_design

CACHE = Path(__file__).resolve().parent / ".cache"


def cohort_folder(n_subjects: int, design: str = "nanjing") -> Path:
    """A Parquet trial folder of ``n_subjects`` (written once, then reused)."""
    folder = CACHE / f"{design}-{n_subjects}"
    if not (folder / "visits.parquet").exists():
        tables = replicate_tables(n_subjects, design)
        folder.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            df.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def replicate(n_subjects: int, design: str = "nanjing", seed: int | None = None) -> survlupus.Trial:
    return survlupus.read_trial(replicate_tables(n_subjects, design, seed))


def replicate_tables(
    n_subjects: int, design: str = "nanjing", seed: int | None = None
) -> dict[str, pd.DataFrame]:
    base = simulate_design(design, seed=seed)
    base = {k: v for k, v in base.items() if not k.startswith("truth")}  # the input tables
    if design == "nanjing":  # 26 visits a subject; 4 interim visits bring it to about 30
        v = base["visits"]
        extra = v[v["visit"].isin(["M1", "M2", "M3", "M4"])].copy()
        extra["visit_date"] = extra["visit_date"] + pd.Timedelta(days=14)
        extra["visit"] = "UNS"
        base["visits"] = (
            pd.concat([v, extra])
            .sort_values(["subject_id", "visit_date"], kind="stable")
            .reset_index(drop=True)
        )
    ids = base["subjects"]["subject_id"].to_numpy()
    reps = -(-n_subjects // len(ids))
    out = {}
    for name, df in base.items():
        k = len(df)
        big = df.iloc[np.tile(np.arange(k), reps)].reset_index(drop=True)
        rep = np.repeat(np.arange(reps), k)
        big["subject_id"] = (
            big["subject_id"].to_numpy(dtype=object) + "-" + rep.astype(str).astype(object)
        )
        out[name] = big
    keep = set(out["subjects"]["subject_id"].iloc[:n_subjects])
    order = {
        "subjects": ["subject_id"],
        "visits": ["subject_id", "visit_date"],
        "steroids": ["subject_id", "start_date"],
        "events": ["subject_id", "start_date"],
        "infusions": ["subject_id", "infusion_date"],
        "adverse_events": ["subject_id", "start_date"],
    }
    return {
        k: v[v["subject_id"].isin(keep)].sort_values(order[k], kind="stable").reset_index(drop=True)
        for k, v in out.items()
    }  # exported sorted, as trials are
