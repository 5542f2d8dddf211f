"""Derivation out of core: ADTTE per partition of subjects, on Dask.

Every rule reads one subject's rows only, so a trial split by subject derives to the same ADTTE,
part by part. :func:`derive_partitioned`:

1. reads the subject IDs (one column), sorts them and cuts them into partitions of
   ``chunk_subjects``;
2. streams each Parquet table (a file, or a folder of Parquet files) in record batches and writes
   each batch's rows to its partition's folder (memory: one batch, not the table);
3. derives every partition as a Dask task — ``read_trial`` on the partition's tables, then
   ``derive_adtte`` (and, if asked, ``derive_episodes``) — and writes ``OUT/part-00000.parquet``,
   ``part-00001.parquet`` ... (the episodes in a folder of their own, the same way). Dask's
   local process scheduler runs them by default (one partition per core in memory at a time);
   pass a ``distributed.Client`` to run them on a cluster (each worker must see the folders).

:func:`read_partitioned` reads the parts back in the in-memory order (``PARAMCD``, then
``USUBJID``), equal to ``derive_adtte`` on the whole trial.

>>> derive_partitioned("registry/", "adtte/", chunk_subjects=50_000)       # doctest: +SKIP
>>> adtte = read_partitioned("adtte/")                                      # doctest: +SKIP
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from survlupus.trial.load import parquet_files, read_parquet_parts
from survlupus.trial.schema import TABLES

BATCH_ROWS = 500_000


def _table_path(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.parquet", folder / name):
        if candidate.exists():
            return candidate
    if any((folder / f"{name}.{ext}").exists() for ext in ("csv", "xpt", "sas7bdat")):
        raise ValueError(
            f"{folder}: {name} is not Parquet; partitioned derivation streams Parquet tables "
            f"(write {name}.parquet, a file or a folder of files)"
        )
    return None


def _split(folder: Path, tmp: Path, chunk_subjects: int) -> list[Path]:
    """Write each table's rows into its partition's folder; return the partition folders."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    subjects = _table_path(folder, "subjects")
    if subjects is None:
        raise ValueError(f"{folder}: no subjects.parquet (the subject IDs define the partitions)")
    ids = ds.dataset(subjects).to_table(columns=["subject_id"]).column(0).to_pandas()
    ids = np.sort(ids.astype(str).unique())
    if not len(ids):
        raise ValueError(f"{folder}: the subjects table has no subject")
    bounds = ids[::chunk_subjects]  # the first ID of each partition
    parts = [tmp / f"chunk-{i:05d}" for i in range(len(bounds))]
    for name in TABLES:
        path = _table_path(folder, name)
        if path is None:
            continue
        batches = (
            batch
            for f in parquet_files(path)
            for batch in pq.ParquetFile(f).iter_batches(batch_size=BATCH_ROWS)
        )
        for b, batch in enumerate(batches):
            frame = batch.to_pandas()
            if "subject_id" not in frame:
                raise ValueError(f"{path}: no subject_id column")
            where = np.searchsorted(bounds, frame["subject_id"].astype(str).to_numpy(), "right")
            for k in np.unique(where):
                rows = frame[where == k]
                out = parts[max(k - 1, 0)] / name
                out.mkdir(parents=True, exist_ok=True)
                table = pa.Table.from_pandas(rows, preserve_index=False)
                pq.write_table(table, out / f"batch-{b:05d}.parquet")
    return parts


def _derive_part(
    part: Path,
    out: Path,
    endpoints,
    window_days: int,
    all_subjects: bool,
    units=None,
    episodes: Path | None = None,
) -> int:
    """One partition: its tables, read and validated, derived, written as one Parquet part (and
    its flare episodes as one part of ``episodes``)."""
    from survlupus.derive.tte.adtte import derive_adtte
    from survlupus.derive.tte.episodes import derive_episodes
    from survlupus.trial.read import read_trial

    tables = {name: read_parquet_parts(part / name) for name in TABLES if (part / name).is_dir()}
    trial = read_trial(tables, units)
    adtte = derive_adtte(trial, endpoints, window_days=window_days, all_subjects=all_subjects)
    name = f"part-{part.name.removeprefix('chunk-')}.parquet"
    adtte.to_parquet(out / name, index=False)
    if episodes is not None:
        found = derive_episodes(trial, window_days=window_days, all_subjects=all_subjects)
        found.to_parquet(episodes / name, index=False)
    return len(adtte)


def derive_partitioned(
    source: str | Path,
    out: str | Path,
    endpoints: Sequence | None = None,
    *,
    window_days: int = 183,
    chunk_subjects: int = 50_000,
    all_subjects: bool = False,
    units: dict[str, str] | None = None,
    client=None,
    progress: Callable[[str], None] | None = None,
    episodes: str | Path | None = None,
) -> Path:
    """Derive ADTTE partition by partition (see the module docstring).

    Parameters
    ----------
    source : str or Path
        A trial folder of Parquet tables (``subjects.parquet`` ..., each a file or a folder).
    out : str or Path
        The output folder (created; earlier ``part-*.parquet`` there are replaced).
    endpoints : sequence, optional
        As :func:`survlupus.derive_adtte` (default: the ten default endpoints).
    window_days, all_subjects
        As :func:`survlupus.derive_adtte`.
    units : mapping, optional
        As :func:`survlupus.read_trial`.
    chunk_subjects : int
        Subjects per partition (memory grows with it: about 30 kB a subject of 30 visits).
    client : distributed.Client, optional
        Run the partitions on this cluster; default: Dask's local process scheduler.
    progress : callable, optional
        Called with a line of text at each step.
    episodes : str or Path, optional
        Also derive every flare episode (:func:`survlupus.derive_episodes`, same window and
        subjects) into this folder, one ``part-*.parquet`` per partition
        (``read_partitioned(episodes, "episodes")`` reads them back).

    Returns
    -------
    Path
        ``out``, holding ``part-00000.parquet`` ...

    Examples
    --------
    >>> derive_partitioned("registry/", "adtte/", chunk_subjects=50_000)    # doctest: +SKIP
    """
    import dask.bag as db

    say = progress or (lambda m: None)
    if chunk_subjects < 1:
        raise ValueError("chunk_subjects must be at least 1")
    source, out = Path(source), Path(out)
    episodes = None if episodes is None else Path(episodes)
    for folder in [out] if episodes is None else [out, episodes]:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("part-*.parquet"):
            old.unlink()
    tmp = Path(tempfile.mkdtemp(prefix="survlupus-parts-", dir=out))
    try:
        parts = _split(source, tmp, chunk_subjects)
        say(f"split {source} into {len(parts)} partitions of up to {chunk_subjects} subjects")
        bag = db.from_sequence(parts, npartitions=len(parts)).map(
            _derive_part,
            out,
            endpoints,
            window_days,
            all_subjects,
            units,
            episodes,
        )
        rows = client.compute(bag).result() if client is not None else bag.compute()
        say(f"derived {sum(rows)} ADTTE rows in {len(parts)} parts under {out}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


ORDER = {"adtte": ["PARAMCD", "USUBJID"], "episodes": ["USUBJID", "ONSETDT", "TYPE"]}
"""The in-memory order of each dataset the parts hold (``derive_adtte``, ``derive_episodes``)."""


def read_partitioned(folder: str | Path, dataset: str = "adtte") -> pd.DataFrame:
    """The parts of :func:`derive_partitioned` as one dataset, in the order the in-memory
    derivation gives: ``"adtte"`` by ``PARAMCD`` then ``USUBJID``; ``"episodes"`` (the folder
    given as ``episodes=``) by ``USUBJID``, onset date and type."""
    if dataset not in ORDER:
        raise ValueError(f"read_partitioned: dataset must be one of {', '.join(ORDER)}")
    paths = sorted(Path(folder).glob("part-*.parquet"))
    if not paths:
        raise ValueError(f"{folder}: no part-*.parquet; run derive_partitioned first")
    frames = [pd.read_parquet(p) for p in paths]
    if dataset == "episodes":  # a partition without any flare wrote the columns, no row
        frames = [f for f in frames if len(f)] or frames[:1]
    whole = pd.concat(frames, ignore_index=True)
    return whole.sort_values(ORDER[dataset], kind="stable").reset_index(drop=True)
