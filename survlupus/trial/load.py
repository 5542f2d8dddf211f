"""Loading a trial's tables: from a folder of CSV/Parquet/XPT/SAS files or from DataFrames,
as text, with every problem collected (unreadable, too large, repeated headers)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from survlupus.errors import Problem
from survlupus.trial.parse import TableContext
from survlupus.trial.schema import (
    REQUIRED_TABLES,
    TABLES,
)

READABLE = ("csv", "parquet", "xpt", "sas7bdat")
"""File types a trial folder may hold, one file per table (``visits.csv``, ``visits.xpt``...)."""

MAX_FILE_BYTES = 2 * 1024**3
"""Files larger than this are refused (override with ``max_file_bytes``)."""

Source = str | os.PathLike | Mapping[str, pd.DataFrame]


def _load(source: Source, problems: list[Problem], max_bytes: int) -> dict[str, TableContext]:
    contexts: dict[str, TableContext] = {}
    if isinstance(source, Mapping):
        for name, frame in source.items():
            if name not in TABLES:
                problems.append(
                    Problem(
                        table=name,
                        severity="warning",
                        message="unknown table, ignored",
                        fix="tables are: " + ", ".join(TABLES),
                    )
                )
                continue
            if not isinstance(frame, pd.DataFrame):
                problems.append(
                    Problem(
                        table=name,
                        message=f"is a {type(frame).__name__}, not a DataFrame",
                        fix="pass pandas DataFrames",
                    )
                )
                continue
            contexts[name] = TableContext(name, frame.copy(), f"{name} (DataFrame)", False)
    else:
        folder = Path(source)
        if not folder.is_dir():
            problems.append(
                Problem(
                    table="input",
                    message=f"{folder} is not a folder",
                    fix="give the folder that holds subjects.csv, visits.csv, ...",
                )
            )
            return contexts
        for name in TABLES:
            ctx = _load_file(folder, name, problems, max_bytes)
            if ctx is not None:
                contexts[name] = ctx
        known = {f"{t}.{ext}" for t in TABLES for ext in READABLE}
        for path in sorted(folder.iterdir()):
            if (
                path.is_file()
                and path.suffix[1:] in READABLE
                and path.name not in known
                and not path.name.startswith("truth")
            ):
                problems.append(
                    Problem(
                        table=path.stem,
                        source=path.name,
                        severity="warning",
                        message="unknown table file, ignored",
                        fix="tables are: " + ", ".join(TABLES),
                    )
                )
    for name in REQUIRED_TABLES:
        if name not in contexts and not any(
            p.table == name and p.severity == "error" for p in problems
        ):
            problems.append(
                Problem(
                    table=name,
                    message="required table is missing",
                    fix=f"provide {name}.csv (or {name}.parquet) as described in the data contract",
                )
            )
    return contexts


def parquet_files(path: Path) -> list[Path]:
    """A Parquet table's files: the file itself, or a folder's ``*.parquet`` in name order."""
    return sorted(path.glob("*.parquet")) if path.is_dir() else [path]


def _read_parquet_file(path: Path):
    """One Parquet file as an Arrow table, text columns dictionary-encoded (they arrive in
    pandas as categoricals: parsing then looks at each distinct value once)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [
        f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    return pq.read_table(path, read_dictionary=text)


def read_parquet_parts(path: Path) -> pd.DataFrame:
    """A Parquet file, or a folder of them read file by file (a column that is all empty in one
    file has no type there, which a dataset read refuses to combine; the files' types are
    promoted to a common one)."""
    import pyarrow as pa

    tables = [_read_parquet_file(f) for f in parquet_files(path)]
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")
    if len(tables) > 1:
        table = table.unify_dictionaries()
    del tables
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _load_file(
    folder: Path, name: str, problems: list[Problem], max_bytes: int
) -> TableContext | None:
    candidates = [folder / f"{name}.{ext}" for ext in READABLE]
    found = [p for p in candidates if p.is_file()]
    # a partitioned Parquet table: a folder of Parquet files (name.parquet/ or name/)
    found += [
        p
        for p in (folder / f"{name}.parquet", folder / name)
        if p.is_dir() and any(p.glob("*.parquet"))
    ]
    if not found:
        return None
    if len(found) > 1:
        problems.append(
            Problem(
                table=name,
                message="more than one file: " + ", ".join(p.name for p in found),
                fix="keep one of them",
            )
        )
        return None
    path = found[0]
    if path.resolve().parent != folder.resolve():
        problems.append(
            Problem(
                table=name,
                source=path.name,
                message="is a link that points outside the trial folder",
                fix="copy the file into the folder",
            )
        )
        return None
    size = (
        sum(f.stat().st_size for f in path.glob("*.parquet"))
        if path.is_dir()
        else path.stat().st_size
    )
    if size > max_bytes:
        problems.append(
            Problem(
                table=name,
                source=path.name,
                message=f"file is {size} bytes, above the limit of {max_bytes}",
                fix="raise max_file_bytes if the file is genuine",
            )
        )
        return None
    if size == 0:
        problems.append(
            Problem(
                table=name,
                source=path.name,
                message="file is empty",
                fix="export the table again with its header line",
            )
        )
        return None
    try:
        if path.suffix == ".csv":
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=False
            )
        elif path.suffix == ".parquet" or path.is_dir():
            frame = read_parquet_parts(path)
            _release_arrow_memory()
        else:  # SAS transport or SAS7BDAT, through pyreadstat (never pickle or eval)
            import pyreadstat

            reader = pyreadstat.read_xport if path.suffix == ".xpt" else pyreadstat.read_sas7bdat
            frame, _ = reader(str(path))
            frame.columns = [str(c).lower() for c in frame.columns]
    except Exception as exc:  # parser errors from pandas/pyarrow: report, never a traceback
        problems.append(
            Problem(
                table=name,
                source=path.name,
                message=f"cannot be read: {exc}".strip(),
                fix="export it again as a comma-separated file with one header line",
            )
        )
        return None
    if path.suffix == ".csv":
        frame = _drop_mangled_duplicates(path, frame, name, problems)
    return TableContext(name, frame, path.name, True)


def _drop_mangled_duplicates(
    path: Path, frame: pd.DataFrame, name: str, problems: list[Problem]
) -> pd.DataFrame:
    """pandas renames a repeated header ``x`` to ``x.1``: report it and keep the first copy."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    seen, dupes = set(), []
    for col in header:
        key = col.strip().lower()
        if key in seen:
            dupes.append(key)
        seen.add(key)
    if not dupes:
        return frame
    for col in sorted(set(dupes)):
        problems.append(
            Problem(
                table=name,
                source=path.name,
                column=col,
                message="column appears more than once",
                fix="keep one copy of the column",
            )
        )
    keep = [
        c
        for c in frame.columns
        if not any(
            str(c).strip().lower().startswith(d + ".") and str(c)[len(d) + 1 :].isdigit()
            for d in dupes
        )
    ]
    return frame[keep]


def _release_arrow_memory() -> None:
    """Hand Arrow's cached buffers back to the system after a Parquet read."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # an older pyarrow without release_unused: nothing to do
        pass


# --- 2. column names and units -----------------------------------------------------------
