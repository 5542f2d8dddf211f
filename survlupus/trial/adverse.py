"""The ``adverse_events`` table: its columns completed, ``events`` rows of ``adverse_event`` read
into it, and its checks against the other tables.

* every optional column exists after reading (empty where not given);
* when the trial has no ``adverse_events`` table, ``events`` rows with ``event = adverse_event``
  (the contract before the table existed) become adverse events: ``term`` from ``detail`` (``Adverse event (term not given)`` when empty),
  ``grade`` from a numeric ``severity``, ``body_system`` ``Not coded``; a warning says how many;
* an ``end_date`` before the ``start_date`` is an error (with the other interval checks);
* a fatal adverse event (``outcome = fatal`` or grade 5) without a death in ``events``, and a
  death without a fatal adverse event when adverse events are recorded, are warnings naming the
  subject and the row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from survlupus.errors import Problem
from survlupus.trial.schema import TABLES

NOT_CODED = "Not coded"


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    dtypes = {"date": "datetime64[ns]", "number": "float64", "bool": "boolean"}
    for col, kind in TABLES["adverse_events"].columns.items():
        if col not in frame:
            frame[col] = pd.Series(dtype=dtypes.get(kind, "object"), index=frame.index)
    return frame


def events_as_adverse_events(tables: dict[str, pd.DataFrame], given: bool) -> list[Problem]:
    """Complete ``tables["adverse_events"]``; when the trial has no such table (``given``
    False), move ``adverse_event`` events into it."""
    ae = _complete(tables["adverse_events"])
    events = tables["events"]
    problems: list[Problem] = []
    if not given and "event" in events and (events["event"] == "adverse_event").any():
        old = events[events["event"] == "adverse_event"]
        detail = old["detail"] if "detail" in old else pd.Series(pd.NA, index=old.index)
        severity = old["severity"] if "severity" in old else pd.Series(pd.NA, index=old.index)
        moved = pd.DataFrame(
            {
                "subject_id": old["subject_id"].to_numpy(),
                "term": detail.fillna("Adverse event (term not given)").to_numpy(),
                "body_system": NOT_CODED,
                "start_date": old["start_date"].to_numpy(),
                "end_date": old["end_date"].to_numpy() if "end_date" in old else pd.NaT,
                "grade": pd.to_numeric(severity, errors="coerce").to_numpy(float),
            }
        )
        if "_row" in old:
            moved["_row"] = old["_row"].to_numpy()
        ae = _complete(pd.concat([ae, moved], ignore_index=True))
        problems.append(
            Problem(
                "events",
                f"{len(old)} adverse_event rows read into adverse_events (term from detail, "
                "grade from severity, system organ class not coded)",
                "give adverse events in an adverse_events table to record the system organ "
                "class, seriousness, relationship and outcome",
                severity="warning",
            )
        )
    tables["adverse_events"] = ae
    return problems


def check_fatal(tables: Mapping[str, pd.DataFrame], source: str, problems: list[Problem]) -> None:
    """Fatal adverse events and deaths that do not match (warnings)."""
    ae, events = tables["adverse_events"], tables["events"]
    if ae.empty or "subject_id" not in ae:
        return
    deaths = (
        set(events.loc[events["event"] == "death", "subject_id"]) if "event" in events else set()
    )
    fatal = (ae["outcome"] == "fatal").fillna(False).to_numpy(bool) | (ae["grade"] == 5).fillna(
        False
    ).to_numpy(bool)
    for pos in np.flatnonzero(fatal & ~ae["subject_id"].isin(deaths).to_numpy()):
        problems.append(
            Problem(
                "adverse_events",
                f"fatal adverse event {ae['term'].iloc[pos]!r} but no death in events",
                "add the death to events, or correct the outcome/grade",
                "outcome",
                str(ae["subject_id"].iloc[pos]),
                ae["_row"].iloc[pos] if "_row" in ae else None,
                "warning",
                source,
            )
        )
    with_fatal = set(ae.loc[fatal, "subject_id"])
    for sid in sorted(deaths - with_fatal):
        problems.append(
            Problem(
                "events",
                "death without a fatal adverse event (outcome fatal or grade 5)",
                "record the fatal adverse event in adverse_events",
                "event",
                str(sid),
                severity="warning",
            )
        )
