"""Out-of-core derivation at registry size: ``python benchmarks/outofcore.py [--subjects N]``.

Writes a synthetic trial of N subjects (default 1,000,000; the ``nanjing`` design with interim
visits, about 26 visit rows a subject) as folders of Parquet files, part by part (never the whole
trial in memory), then derives the ten default endpoints with ``derive_partitioned`` (10,000
subjects a partition, Dask's local process scheduler on every core) and prints the time, the rows
and the peak memory of the whole run (this process and its workers together, sampled).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PART = 50_000


def write_registry(n: int, folder: Path) -> int:
    """The registry as ``<table>/p00000.parquet`` ...: one replicated block of PART subjects,
    copied with new IDs for each part."""
    from cohort import replicate_tables

    if (folder / "done").exists():
        return int((folder / "done").read_text())
    block = replicate_tables(min(n, PART), "nanjing")
    rows = 0
    for j in range(-(-n // PART)):
        for name, df in block.items():
            out = folder / name
            out.mkdir(parents=True, exist_ok=True)
            part = df.assign(subject_id=df["subject_id"].astype(str) + f"-P{j:03d}")
            part.to_parquet(out / f"p{j:05d}.parquet", index=False)
            rows += len(part) if name == "visits" else 0
    (folder / "done").write_text(str(rows))
    return rows


class PeakMemory:
    """The peak of this process's and its children's resident memory together (sampled every
    0.2 s in a thread): the whole run's footprint, workers included."""

    def __init__(self):
        import threading

        import psutil

        self.peak, self._stop = 0, threading.Event()
        self._me = psutil.Process()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        import psutil

        while not self._stop.is_set():
            total = 0
            for proc in [self._me, *self._me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=10_000)
    args = ap.parse_args()
    from survlupus.jobs.partitioned import derive_partitioned

    folder = HERE / ".cache" / f"registry-{args.subjects}"
    t0 = time.perf_counter()
    visit_rows = write_registry(args.subjects, folder)
    t_write = time.perf_counter() - t0
    out = HERE / ".cache" / f"registry-{args.subjects}-adtte"
    t0, c0 = time.perf_counter(), os.times()
    with PeakMemory() as memory:
        derive_partitioned(folder, out, window_days=745, chunk_subjects=args.chunk)
    wall = time.perf_counter() - t0
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.children_user - c0.children_user)
    n_rows = sum(len(pd.read_parquet(p, columns=["CNSR"])) for p in out.glob("part-*.parquet"))
    cores = os.cpu_count() or 1
    print(
        f"{args.subjects:,} subjects, {visit_rows:,} visit rows (written in {t_write:.0f} s)\n"
        f"derived {n_rows:,} ADTTE rows in {wall:.0f} s wall ({cpu:.0f} s CPU incl. workers), "
        f"{args.chunk:,} subjects a partition on {cores} cores\n"
        f"peak memory of the run (this process and its workers together): "
        f"{memory.peak / 2**20:.0f} MB"
    )


if __name__ == "__main__":
    main()
