"""Keys of every table: one row per key, identical repeats dropped with a warning, disagreeing
repeats an error; identifiers and arm labels that differ only in case are an error.

Keys (from :data:`survlupus.trial.schema.TABLES`): subjects ``subject_id``; visits
``subject_id, visit_date``; steroids ``subject_id, drug, start_date``; events
``subject_id, event, start_date``; adverse events ``subject_id, term, start_date``; infusions
``subject_id, infusion_date``.

* Two rows with the same key and the same values (empty = empty): the repeat is dropped and a
  warning says how many (an exported row twice would otherwise double a steroid dose or a flare).
* Two rows with the same key that differ in any value, *including one empty and one filled cell*
  (a partial repeat): an error naming the key and the columns; which row is right is for the
  data manager to say.
* Subjects: a repeated ``subject_id`` is always an error (one row per subject).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survlupus.trial.parse import TableContext
from survlupus.trial.schema import SFI_SEVERITIES, TABLES


def subject_positions(ids: pd.Series, subjects: pd.Index) -> np.ndarray:
    """Each row's position in ``subjects`` (``-1``: not there), hashing each run of equal IDs
    once: rows of a subject are usually together, so a visits table costs its subjects.

    >>> subject_positions(pd.Series(["S1", "S1", "S2", "S9"]), pd.Index(["S2", "S1"])).tolist()
    [1, 1, 0, -1]
    """
    a = ids.to_numpy(dtype=object)
    starts, lengths = runs(a)
    return np.repeat(subjects.get_indexer(a[starts]), lengths)


def runs(ids) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values begins, and its length.

    >>> [x.tolist() for x in runs(np.array(["a", "a", "b", "c", "c"]))]
    [[0, 2, 3], [2, 1, 2]]
    """
    a = np.asarray(ids)
    if not len(a):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    return starts, np.diff(np.r_[starts, len(a)])


def seq_in_runs(ids) -> np.ndarray:
    """1, 2, ... within each run of equal values (rows grouped by subject: the record number).

    >>> seq_in_runs(np.array(["a", "a", "b", "b", "b"])).tolist()
    [1, 2, 1, 2, 3]
    """
    starts, lengths = runs(ids)
    return np.arange(lengths.sum()) - np.repeat(starts, lengths) + 1


def run_numbers(ids) -> np.ndarray:
    """0, 1, 2 ... for each value in order of first appearance (``pd.factorize``'s codes), from
    the runs of equal values when the rows are grouped by it.

    >>> run_numbers(np.array(["b", "b", "a", "c"])).tolist()
    [0, 0, 1, 2]
    """
    a = np.asarray(ids)
    starts, lengths = runs(a)
    if len(pd.unique(a[starts])) == len(starts):  # each value in one run
        return np.repeat(np.arange(len(starts)), lengths)
    return pd.factorize(a)[0]


def is_sorted_by(df: pd.DataFrame, keys: list[str]) -> bool:
    """True when the rows are in ``keys`` order already and no key is missing (then a sort
    would change nothing)."""
    if len(df) < 2:
        return True
    tied = np.ones(len(df) - 1, dtype=bool)
    for key in keys:
        col = df[key]
        if col.isna().any():
            return False
        a = col.to_numpy()
        later, earlier = a[1:], a[:-1]
        if (tied & (later < earlier)).any():
            return False
        tied &= later == earlier
        if not tied.any():
            return True
    return True


DAY_BITS = 22
"""Bits of a (subject, day) key given to the day: 2**22 days (about 11,000 years around 1970)."""


def subject_day_key(positions, dates) -> np.ndarray:
    """(subject position, calendar day) as one int64 that sorts as the pair does: rows sorted by
    subject and date have increasing keys, and a subject's dates are a range of keys.

    >>> d = np.array(["1970-01-01", "1970-01-03"], dtype="datetime64[ns]")
    >>> (subject_day_key(np.array([0, 2]), d) - subject_day_key(np.array([0, 0]), d)).tolist()
    [0, 8388608]
    """
    return (np.asarray(positions, dtype=np.int64) << DAY_BITS) + day_number(dates)


def day_number(dates) -> np.ndarray:
    """Calendar days as the day part of :func:`subject_day_key` (``0 .. 2**22 - 1``)."""
    ns = np.asarray(dates, dtype="datetime64[ns]").view(np.int64)
    days = ns // 86_400_000_000_000  # floor, as datetime64[D] (NaT falls below 0: clipped)
    return np.clip(days + 2 ** (DAY_BITS - 1), 0, 2**DAY_BITS - 1)


def take_by_subject(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """``values`` (one per subject) at ``positions`` (from :func:`subject_positions`);
    missing where the position is -1."""
    if len(values) == 0:
        return pd.Series(pd.array([None] * len(positions), dtype=values.dtype))
    out = values.iloc[np.maximum(positions, 0)].reset_index(drop=True)
    return out.where(pd.Series(positions >= 0))


def check_keys(ctx: TableContext, out: pd.DataFrame) -> pd.DataFrame:
    """Check the table's key; returns ``out`` without identical repeats."""
    key = [k for k in TABLES[ctx.name].key if k in out.columns]
    if ctx.name == "subjects":
        _check_subjects(ctx, out)
    elif len(key) == len(TABLES[ctx.name].key):
        out = _check_repeats(ctx, out, key)
    if ctx.name == "events" and "severity" in out and "event" in out:
        sev = out["severity"]
        sfi = (out["event"] == "sfi_flare").to_numpy()
        bad = sfi & sev.notna().to_numpy() & ~sev.isin(SFI_SEVERITIES).to_numpy()
        ctx.flag(
            bad,
            "severity",
            lambda p: f"sfi_flare severity {sev.iloc[p]!r} is unknown",
            "use mild_moderate or severe",
        )
    return out


def _check_subjects(ctx: TableContext, out: pd.DataFrame) -> None:
    if "subject_id" not in out:
        return
    ids = out["subject_id"]
    dup = ids.notna() & ids.duplicated(keep=False)
    ctx.flag(
        dup.to_numpy(),
        "subject_id",
        lambda p: "subject appears more than once",
        "keep one row per subject in subjects",
    )
    for col, what in (("subject_id", "subject IDs"), ("arm", "arm labels")):
        if col in out:
            _case_variants(
                ctx, out[col], col, what, skip=dup.to_numpy() if col == "subject_id" else None
            )


def _case_variants(ctx, values: pd.Series, col: str, what: str, skip=None) -> None:
    """Values equal but for case or inner spacing (``S001``/``s001``, ``MSC high``/``MSC  High``)."""
    distinct = pd.Series(values.dropna().astype(str).unique(), dtype=object)
    folded = distinct.str.casefold().str.split().str.join(" ")
    n = folded.value_counts()
    clash = n[n > 1].index
    if not len(clash):
        return
    first = {f: sorted(distinct[folded == f]) for f in clash}
    mask = values.astype(str).str.casefold().str.split().str.join(" ").isin(first).to_numpy()
    mask &= values.notna().to_numpy()
    if skip is not None:
        mask &= ~skip
    seen: set[str] = set()
    for pos in np.flatnonzero(mask):
        f = " ".join(str(values.iloc[pos]).casefold().split())
        if f in seen:
            continue
        seen.add(f)
        ctx.add(
            f"{what} differ only in case or spacing: "
            + ", ".join(repr(v) for v in first[f])
            + " would be counted as different",
            f"spell {col} the same way in every row",
            col,
            pos=int(pos),
        )


def _check_repeats(ctx: TableContext, out: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    keyed = out[key].notna().all(axis=1)
    dup = (keyed & out.duplicated(key, keep=False)).to_numpy()
    if not dup.any():
        return out
    sub = out[dup]
    values = [c for c in out.columns if c not in (*key, "_row")]
    # a column disagrees within a key when it holds two values, or a value and an empty cell
    groups = sub.groupby(key, sort=False, observed=True)
    n_values = groups[values].nunique(dropna=True)
    n_filled = groups[values].count()
    partial = n_filled.gt(0) & n_filled.lt(groups.size(), axis=0)
    disagree = n_values.gt(1) | partial
    identical = sub.drop(columns="_row").duplicated(keep="first").to_numpy()
    what = _KEY_WORDS[ctx.name]
    first_seen: set[tuple] = set()
    bad_keys = disagree.any(axis=1)
    for pos in np.flatnonzero(dup):
        k = tuple(out[c].iloc[pos] for c in key)
        if not bad_keys.get(k, False) or k in first_seen:
            continue
        first_seen.add(k)
        cols = [c for c in values if disagree.loc[k, c]]
        label = ", ".join(
            v.date().isoformat() if isinstance(v, pd.Timestamp) else str(v) for v in k[1:]
        )
        ctx.add(
            f"two rows for {what} {label} disagree on "
            + ", ".join(cols)
            + (" (one of them empty)" if partial.loc[k, cols].any() else ""),
            f"keep one row per {' and '.join(key)}, or correct the key of the other",
            cols[0],
            pos=int(pos),
        )
    identical &= ~sub.set_index(key).index.isin(bad_keys[bad_keys].index)
    n_identical = int(identical.sum())
    if n_identical:
        ctx.add(
            f"{n_identical} exact duplicate row(s) dropped (same {', '.join(key)} and values)",
            "remove the repeated rows",
            severity="warning",
        )
        out = out.drop(index=sub.index[identical])
    return out


_KEY_WORDS = {
    "visits": "visit date",
    "steroids": "drug and start date",
    "events": "event and start date",
    "adverse_events": "term and start date",
    "infusions": "infusion date",
}
