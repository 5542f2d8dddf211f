"""Reading a trial: files or DataFrames in, a validated :class:`Trial` out.

The steps, in order (each collects problems instead of stopping at the first):

1. load each table (``NAME.csv`` or ``NAME.parquet`` in the folder, or ``frames[NAME]``);
2. tidy column names and convert units once (:mod:`survlupus.trial.units`);
3. check required and unknown columns; parse every known column by its kind;
4. check values (ranges, probable unit errors, vocabularies) and keys (duplicates);
5. cross-table checks and derived-quantity checks (:mod:`survlupus.trial.validate`);
6. fill derived columns: ``sledai2k`` from descriptors and ``egfr_ml_min`` by CKD-EPI 2021.

:func:`read_trial` raises one :class:`~survlupus.errors.DataError` listing every error;
:func:`validate_trial` returns all problems without raising (the ``survlupus validate`` command).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survlupus.errors import DataError, Problem, raise_if_errors
from survlupus.trial import parse
from survlupus.trial.adverse import events_as_adverse_events
from survlupus.trial.keys import check_keys, is_sorted_by
from survlupus.trial.load import MAX_FILE_BYTES, Source, _load
from survlupus.trial.model import Trial
from survlupus.trial.parse import TableContext
from survlupus.trial.schema import (
    AE_OUTCOMES,
    AE_RELATED,
    BILAG_GRADES,
    EVENT_NAMES,
    OPTIONAL_TABLES,
    RANGES,
    REQUIRED_TABLES,
    STEROID_DRUGS,
    SUBGROUPS,
    TABLES,
)
from survlupus.trial.units import QUANTITIES, column_unit, expand_unit_map, factor
from survlupus.trial.validate import cross_table_checks, fill_derived


@dataclass(frozen=True)
class ValidationReport:
    """All problems found in a trial; ``ok`` when there is no error (warnings allowed)."""

    source: str
    problems: tuple[Problem, ...]
    trial: Trial | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        cols = ["severity", "table", "row", "column", "subject", "message", "fix"]
        return pd.DataFrame([{c: getattr(p, c) for c in cols} for p in self.problems], columns=cols)

    def __repr__(self) -> str:
        state = "ok" if self.ok else "NOT ok"
        return (
            f"<ValidationReport {self.source}: {state}, {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s)>"
        )

    def _repr_html_(self) -> str:
        """The counts over every problem, errors first, one row each."""
        import html

        head = f"<p>{html.escape(repr(self))}</p>"
        if self.problems:
            return head + self.to_frame().to_html(index=False, border=0)
        counts = pd.DataFrame({"severity": ["error", "warning"], "problems": [0, 0]})
        return head + counts.to_html(index=False, border=0)

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(f"{self.source}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)


def read_trial(
    source: Source,
    units: Mapping[str, str] | None = None,
    *,
    rename: Mapping[str, Mapping[str, str]] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> Trial:
    """Read and validate a trial; raise one error listing every problem.

    Parameters
    ----------
    source : str, Path or mapping of DataFrames
        A folder with one file per table (``subjects``, ``visits`` and optionally ``steroids``,
        ``events``, ``infusions``, ``adverse_events``; CSV, Parquet, SAS XPT or SAS7BDAT), or a
        dict of DataFrames (e.g. from :func:`survlupus.tables_from_sdtm`).
    units : mapping, optional
        Units of the input other than the contract's, e.g. ``{"creatinine": "mg/dL"}``;
        converted once, on reading (``docs/data-contract.md``).
    rename : mapping, optional
        Per table, input column name to contract name.
    max_file_bytes : int
        Files above this size are refused (default 2 GB).

    Returns
    -------
    Trial
        The typed tables, sorted by subject and date, with derived ``sledai2k`` and
        ``egfr_ml_min`` filled where missing; ``trial.warnings`` keeps the warnings.

    Raises
    ------
    DataError
        Every error at once, each naming the table, row (file line), column and subject, and
        saying what to do (``docs/data-preparation.md``).

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> trial.n_subjects, sorted(trial.subjects["arm"].unique())
    (81, ['MSC high', 'MSC low', 'Placebo'])
    """
    report = validate_trial(source, units, rename=rename, max_file_bytes=max_file_bytes)
    raise_if_errors(report.problems)
    assert report.trial is not None
    return report.trial


def validate_trial(
    source: Source,
    units: Mapping[str, str] | None = None,
    *,
    rename: Mapping[str, Mapping[str, str]] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> ValidationReport:
    """Check everything and return every problem found, without raising (``survlupus validate``).

    Parameters
    ----------
    source, units, rename, max_file_bytes
        As :func:`read_trial`.

    Returns
    -------
    ValidationReport
        ``problems`` (errors first), ``ok`` (no error), ``trial`` (None when there are errors).

    Examples
    --------
    >>> report = survlupus.validate_trial("data/synthetic/musc")
    >>> report.ok, len(report.errors)
    (True, 0)
    """
    problems: list[Problem] = []
    label = str(source) if not isinstance(source, Mapping) else "<frames>"
    try:
        unit_map = expand_unit_map(units)
    except KeyError as exc:
        raise DataError(
            [Problem(table="units", message=str(exc.args[0]), fix="correct the units= argument")]
        ) from None
    contexts = _load(source, problems, max_file_bytes)
    for name, mapping in (rename or {}).items():
        if name in contexts:
            lower = {str(k).strip().lower(): v for k, v in mapping.items()}
            ctx = contexts[name]
            ctx.frame = ctx.frame.rename(
                columns=lambda c, m=lower: m.get(str(c).strip().lower(), c)
            )
    if any(t not in contexts for t in REQUIRED_TABLES):
        return ValidationReport(label, _sorted(problems))
    conversions: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    for name, ctx in contexts.items():
        if name == "visits":
            conversions += _convert_units(ctx, unit_map)
        tables[name] = _parse_table(ctx)
        problems += ctx.problems
        ctx.frame = ctx.frame.iloc[:0]  # release the raw table; only its columns are needed now
    for name in OPTIONAL_TABLES:
        if name not in tables:
            spec = TABLES[name]
            cols = spec.columns if name == "adverse_events" else spec.required
            tables[name] = pd.DataFrame(
                {c: pd.Series(dtype=_empty_dtype(k)) for c, k in cols.items()}
            )
    problems += events_as_adverse_events(tables, given="adverse_events" in contexts)
    if any(p.severity == "error" and "required" in p.message for p in problems):
        # tables without their key columns cannot be cross-checked; fix these first
        return ValidationReport(label, _sorted(problems))
    problems += cross_table_checks(
        tables,
        {n: c.source for n, c in contexts.items()},
        {n: c.is_file for n, c in contexts.items()},
    )
    tables, derived_problems = fill_derived(tables, contexts["visits"].source)
    problems += derived_problems
    problems = _sorted(problems)
    trial = None
    if not any(p.severity == "error" for p in problems):
        trial = Trial(
            subjects=_finalise(tables["subjects"], ["subject_id"]),
            visits=_finalise(tables["visits"], ["subject_id", "visit_date"]),
            steroids=_finalise(tables["steroids"], ["subject_id", "start_date", "drug"]),
            events=_finalise(tables["events"], ["subject_id", "start_date", "event"]),
            infusions=_finalise(tables["infusions"], ["subject_id", "infusion_date"]),
            adverse_events=_finalise(
                tables["adverse_events"], ["subject_id", "start_date", "term"]
            ),
            source=label,
            conversions=tuple(conversions),
            warnings=tuple(p for p in problems if p.severity == "warning"),
        )
    return ValidationReport(label, tuple(problems), trial)


def _sorted(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: (p.severity != "error", p.sort_key())))


def _empty_dtype(kind: str) -> str:
    return {"date": "datetime64[ns]", "number": "float64", "bool": "boolean"}.get(kind, "object")


def _finalise(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    keys = [k for k in keys if k in df.columns]
    if not is_sorted_by(df, keys):
        df = df.sort_values(keys, kind="stable")
    df.index = pd.RangeIndex(len(df))  # in place: no copy of the columns
    return df


# --- 1. loading ---------------------------------------------------------------------------


def _tidy_columns(ctx: TableContext) -> None:
    ctx.frame.columns = [str(c).strip().lower() for c in ctx.frame.columns]


def _convert_units(ctx: TableContext, unit_map: Mapping[str, str]) -> list[str]:
    """Rename unit-suffixed columns to canonical ones and record the factors to apply."""
    _tidy_columns(ctx)
    frame = ctx.frame
    conversions: list[str] = []
    scale: dict[str, float] = {}
    for col in list(frame.columns):
        found = column_unit(col)
        if found is None:
            continue
        quantity, unit = found
        canonical = QUANTITIES[quantity].column
        if canonical in frame.columns:
            ctx.add(f"both {col} and {canonical} are present", "keep one column per quantity", col)
            continue
        frame = frame.rename(columns={col: canonical})
        scale[canonical] = factor(quantity, unit)
        conversions.append(f"{col} -> {canonical} (x {scale[canonical]:g})")
    for quantity, unit in unit_map.items():
        canonical = QUANTITIES[quantity].column
        if quantity in frame.columns and canonical not in frame.columns:
            frame = frame.rename(columns={quantity: canonical})
        if canonical in scale or canonical not in frame.columns:
            continue
        scale[canonical] = factor(quantity, unit)
        conversions.append(f"{canonical} given in {unit} (x {scale[canonical]:g})")
    frame.attrs["unit_scale"] = scale
    ctx.frame = frame
    return conversions


# --- 3-4. columns, parsing, values, keys ---------------------------------------------------


def _parse_table(ctx: TableContext) -> pd.DataFrame:
    _tidy_columns(ctx)
    spec = TABLES[ctx.name]
    frame = ctx.frame
    dupes = frame.columns[frame.columns.duplicated()].unique()
    for col in dupes:
        ctx.add("column appears more than once", "keep one copy of the column", col)
    if len(dupes):
        ctx.frame = frame = frame.loc[:, ~frame.columns.duplicated()]
    for col in spec.required:
        if col not in frame.columns:
            ctx.add(
                "required column is missing",
                f"add the column {col} (see the data contract for {ctx.name})",
                col,
            )
    for col in frame.columns:
        if col not in spec.columns:
            ctx.add(
                "unknown column, kept but not used",
                "rename it if it is meant to be a known column (see the data contract)",
                col,
                severity="warning",
            )
    if frame.empty:
        ctx.add(
            "table has no rows",
            f"add the {ctx.name} records",
            severity="error" if ctx.name in REQUIRED_TABLES else "warning",
        )
    scale = ctx.frame.attrs.get("unit_scale", {})
    parsed = {}
    for col in frame.columns:
        parsed[col] = _parse_column(ctx, col, spec.columns.get(col))
        if col in scale:
            parsed[col] = parsed[col] * scale[col]
    # one column per block, no consolidated copy of the whole table
    out = pd.DataFrame(parsed, index=frame.index, copy=False)
    for col, rng in RANGES.items():
        if col in out and spec.columns.get(col) == "number":
            parse.check_range(
                ctx, col, out[col], rng.low, rng.high, rng.plausible, rng.hint_low, rng.hint_high
            )
    for col, kind in spec.required.items():
        if col in out and kind in ("text", "date"):
            miss = parse.missing_mask(frame[col])
            ctx.flag(miss, col, lambda p: "value is missing", f"fill in {col}; it is required")
    parse.forget_factorized()  # the table's columns are parsed: no reference kept
    out["_row"] = (np.arange(len(frame)) + 2) if ctx.is_file else frame.index.to_numpy()
    out = check_keys(ctx, out)
    out.index = pd.RangeIndex(len(out))  # in place: no copy of the columns
    out.attrs["source"] = ctx.source
    return out


def _parse_column(ctx: TableContext, col: str, kind: str | None) -> pd.Series:
    if kind is None or kind == "text":
        if col == "drug":
            return parse.parse_choice(ctx, col, STEROID_DRUGS, what="steroid drug")
        if col == "event":
            return parse.parse_choice(ctx, col, EVENT_NAMES, what="event name")
        if col == "subgroup":
            return parse.parse_choice(ctx, col, SUBGROUPS, what="subgroup")
        if col == "severity" and ctx.name == "events":
            return parse.parse_text(ctx, col)
        if ctx.name == "adverse_events" and col in ("related", "outcome"):
            choices = AE_RELATED if col == "related" else AE_OUTCOMES
            return parse.parse_choice(ctx, col, choices, what=f"adverse-event {col}")
        return parse.parse_text(ctx, col) if kind == "text" else ctx.frame[col]
    if kind == "number":
        return parse.parse_number(ctx, col)
    if kind == "date":
        return parse.parse_date(ctx, col)
    if kind == "bool":
        return parse.parse_bool(ctx, col)
    if kind == "grade":
        return parse.parse_grade(ctx, col, BILAG_GRADES, what="BILAG-2004 grade")
    if kind == "sex":
        return parse.parse_choice(ctx, col, ("F", "M"), upper=True, what="sex")
    raise AssertionError(kind)
