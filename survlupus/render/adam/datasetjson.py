"""CDISC Dataset-JSON v1.1: writing a conformed dataset, and checking a file against the standard.

The file holds the dataset's metadata (``itemGroupOID`` ``IG.<NAME>``, ``name``, ``label``,
``records``, ``columns`` with ``itemOID`` ``IT.<NAME>.<VAR>``, label, ``dataType``, ``length``
for text and ``keySequence`` for the keys) and the ``rows`` as arrays in column order: text as
strings, integers as integers, decimals as numbers, dates as ISO 8601 strings (``dataType``
``date``), missing values as ``null``.

``datasetJSONCreationDateTime`` is the data cut (the latest date of the trial) at midnight, not
the clock, so the same data give the same bytes; ``SOURCE_DATE_EPOCH`` overrides it.

:func:`check_dataset_json` checks a document against :data:`SCHEMA` — the requirements of the
Dataset-JSON v1.1 specification (required attributes, their patterns, the column attributes and
the data types), written out here — and then the rules a schema cannot say: one value per
column in every row, ``records`` equal to the rows, each value of its column's type.
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from survlupus.render.adam.specs import DatasetSpec
from survlupus.render.adam.variables import VARIABLES

VERSION = "1.1.0"
_DATETIME = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
    r"([+-]([01]\d|2[0-3]):[0-5]\d|Z)?$"
)
_ISO_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
TYPES = ("string", "integer", "decimal", "float", "double", "boolean", "datetime", "date", "time")

SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "title": "CDISC Dataset-JSON v1.1 (requirements of the specification)",
    "type": "object",
    "required": [
        "datasetJSONCreationDateTime",
        "datasetJSONVersion",
        "itemGroupOID",
        "records",
        "name",
        "label",
        "columns",
    ],
    "properties": {
        "datasetJSONCreationDateTime": {"type": "string", "pattern": _DATETIME},
        "datasetJSONVersion": {"type": "string", "pattern": r"^1\.1(\.(0|[1-9]\d*))?$"},
        "fileOID": {"type": "string"},
        "dbLastModifiedDateTime": {"type": "string", "pattern": _DATETIME},
        "originator": {"type": "string"},
        "sourceSystem": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
            "additionalProperties": False,
        },
        "studyOID": {"type": "string"},
        "metaDataVersionOID": {"type": "string"},
        "metaDataRef": {"type": "string"},
        "itemGroupOID": {"type": "string"},
        "isReferenceData": {"type": "boolean"},
        "records": {"type": "integer", "minimum": 0},
        "name": {"type": "string"},
        "label": {"type": "string"},
        "columns": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["itemOID", "name", "label", "dataType"],
                "properties": {
                    "itemOID": {"type": "string"},
                    "name": {"type": "string"},
                    "label": {"type": "string"},
                    "dataType": {"enum": [*TYPES, "URI"]},
                    "targetDataType": {"enum": ["integer", "decimal"]},
                    "length": {"type": "integer", "minimum": 1},
                    "displayFormat": {"type": "string"},
                    "keySequence": {"type": "integer", "minimum": 1},
                },
                "additionalProperties": False,
            },
        },
        "rows": {"type": "array", "items": {"type": "array"}},
    },
}


def creation_stamp(dates: pd.Series | None = None) -> str:
    """``SOURCE_DATE_EPOCH`` if set, else the latest of ``dates`` at midnight (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%S")
    latest = pd.to_datetime(dates).max() if dates is not None and len(dates) else pd.NaT
    day = latest if pd.notna(latest) else pd.Timestamp("1960-01-01")
    return day.strftime("%Y-%m-%dT00:00:00")


def _value(x, kind: str):
    if x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x)):
        return None
    if kind == "date":
        return pd.Timestamp(x).strftime("%Y-%m-%d")
    if kind == "integer":
        return int(x)
    if kind == "double":
        return float(x)
    return str(x)


def _column_values(col: pd.Series, kind: str) -> list:
    """A column's JSON values (``_value`` of each cell), converted a column at a time."""
    missing = col.isna().to_numpy()
    if kind == "date" and pd.api.types.is_datetime64_any_dtype(col):
        text = col.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    elif kind == "double" and pd.api.types.is_numeric_dtype(col):
        text = col.to_numpy(dtype=float, na_value=np.nan).tolist()
    elif kind == "integer" and pd.api.types.is_numeric_dtype(col):
        text = col.fillna(0).to_numpy(dtype="int64").tolist()
    elif kind == "string" and pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
        codes, uniques = pd.factorize(col)  # text repeats: each distinct value once
        table = np.array([*map(str, uniques), None], dtype=object)
        return table[codes].tolist()  # code -1 (missing) picks None
    else:
        return [_value(v, kind) for v in col.astype(object).tolist()]
    out = list(text)
    for i in np.flatnonzero(missing):
        out[i] = None
    return out


def to_dataset_json(
    df: pd.DataFrame, spec: DatasetSpec, study: str, created: str, version: str = ""
) -> dict:
    """The Dataset-JSON document of a conformed dataset (see the module docstring)."""
    head = _header(df, spec, study, created, version)
    return {**head, "rows": _rows(df, _kinds(head), 0, len(df))}


def _header(df: pd.DataFrame, spec: DatasetSpec, study: str, created: str, version: str) -> dict:
    """The document without its rows (string lengths over every row of ``df``)."""
    columns = []
    for c in df.columns:
        kind = VARIABLES[c].type if c in VARIABLES else "string"
        col = {
            "itemOID": f"IT.{spec.name}.{c}",
            "name": c,
            "label": spec.label_of(c),
            "dataType": kind,
        }
        if kind == "string":
            col["length"] = max(1, int(df[c].astype(str).str.len().max()) if len(df) else 1)
        if c in spec.keys:
            col["keySequence"] = spec.keys.index(c) + 1
        columns.append(col)
    return {
        "datasetJSONCreationDateTime": created,
        "datasetJSONVersion": VERSION,
        "fileOID": f"{study}.{spec.name}",
        "originator": "survlupus",
        "sourceSystem": {"name": "survlupus", "version": version or "unknown"},
        "studyOID": study,
        "metaDataVersionOID": "MDV.SURVLUPUS.1",
        "metaDataRef": "define.json",
        "itemGroupOID": f"IG.{spec.name}",
        "isReferenceData": False,
        "records": len(df),
        "name": spec.name,
        "label": spec.label,
        "columns": columns,
    }


def _kinds(head: dict) -> list[str]:
    return [c["dataType"] for c in head["columns"]]


def _rows(df: pd.DataFrame, kinds: list[str], start: int, stop: int) -> list[list]:
    part = df.iloc[start:stop]
    values = [_column_values(part[c], k) for c, k in zip(df.columns, kinds, strict=True)]
    return list(map(list, zip(*values, strict=True))) if len(df.columns) else []


CHUNK_ROWS = 50_000
"""Rows converted, checked and written at a time by :func:`write_frame_json`."""


def write_frame_json(
    df: pd.DataFrame, spec: DatasetSpec, study: str, created: str, path: str | Path, version=""
) -> Path:
    """:func:`to_dataset_json` and :func:`write_dataset_json` in one, a chunk of rows at a
    time (the same bytes; memory bounded by the chunk, not by the dataset)."""
    head = _header(df, spec, study, created, version)
    kinds = _kinds(head)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")  # never a half-written document
    with partial.open("w", encoding="utf-8") as out:
        out.write(_dumps({**head, "rows": []})[: -len("]}")])
        for start in range(0, max(len(df), 1), CHUNK_ROWS):
            rows = _rows(df, kinds, start, start + CHUNK_ROWS)
            problems = check_dataset_json({**head, "rows": rows, "records": len(rows)})
            if problems:
                out.close()
                partial.unlink()
                where = f" (rows from {start + 1})" if start else ""
                raise ValueError(
                    f"{path}: not valid Dataset-JSON v1.1{where}: " + "; ".join(problems[:5])
                )
            out.write(("," if start else "") + _dumps(rows)[1:-1])
        out.write("]}\n")
    partial.replace(path)
    return path


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def write_dataset_json(doc: dict, path: str | Path) -> Path:
    """Write a document (checked first: a ``ValueError`` lists what is wrong)."""
    problems = check_dataset_json(doc)
    if problems:
        raise ValueError(f"{path}: not valid Dataset-JSON v1.1: " + "; ".join(problems[:5]))
    path = Path(path)
    path.write_text(_dumps(doc) + "\n", encoding="utf-8")
    return path


def check_dataset_json(doc: dict) -> list[str]:
    """What makes ``doc`` invalid Dataset-JSON v1.1 (an empty list when nothing does).

    Examples
    --------
    >>> check_dataset_json({"datasetJSONVersion": "1.1.0"})[0]
    "'datasetJSONCreationDateTime' is a required property"
    """
    import jsonschema

    validator = jsonschema.Draft201909Validator(SCHEMA)
    # the schema says only that rows are arrays: checked below with every value's type, a
    # column at a time (validating each row with jsonschema costs seconds per 100,000 rows)
    rows = doc.get("rows", [])
    head = {**doc, "rows": rows[:1]} if isinstance(rows, list) else doc
    problems = [e.message for e in sorted(validator.iter_errors(head), key=lambda e: e.path)]
    if problems:
        return problems
    cols = doc["columns"]
    names = [c["name"] for c in cols]
    if len(set(names)) != len(names):
        problems.append("column names repeat")
    not_list = next((i for i, row in enumerate(rows) if not isinstance(row, list)), None)
    if not_list is not None:
        return [f"row {not_list + 1} is not an array"]
    if doc["records"] != len(rows):
        problems.append(f"records is {doc['records']} but there are {len(rows)} rows")
    check = {"string": (str,), "integer": (int,), "double": (int, float), "date": (str,)}
    short = next((i for i, row in enumerate(rows) if len(row) != len(cols)), None)
    if short is not None:
        problems.append(f"row {short + 1} has {len(rows[short])} values for {len(cols)} columns")
        return problems
    for j, c in enumerate(cols):  # column by column: each value of the column's type
        kinds = check.get(c["dataType"])
        if kinds is None:
            continue
        column = [row[j] for row in rows]
        types = set(map(type, column)) - {type(None)}
        if types - set(kinds):  # a rare bad value: find the first one
            i, v = next(
                (i, v)
                for i, v in enumerate(column)
                if v is not None and (isinstance(v, bool) or not isinstance(v, kinds))
            )
            problems.append(f"row {i + 1}, {c['name']}: {v!r} is not a {c['dataType']}")
        elif c["dataType"] == "date":
            bad = next(
                (i for i, v in enumerate(column) if v is not None and not _ISO_DATE.match(v)), None
            )
            if bad is not None:
                v = column[bad]
                problems.append(f"row {bad + 1}, {c['name']}: {v!r} is not an ISO 8601 date")
    return problems
