"""Endpoints read from the events table alone: death and rescue therapy.

Censoring is at the last contact (``end_date``), capped at the end of observation.
"""

from __future__ import annotations

from dataclasses import dataclass

from survlupus.derive.tte.base import Endpoint, date_text, event_records, last_contact
from survlupus.derive.tte.engine import EventSource


def _record_source(trial, event: str, description: str, rule: str) -> EventSource:
    rec = event_records(trial, [event])
    rec["rule"] = rule
    rec["evidence"] = (
        event
        + " on "
        + date_text(rec["date"])
        + ": "
        + rec["detail"].fillna("").astype(str).to_numpy(dtype=object)
    )
    return EventSource(rec, description, "EVENTS", "START_DATE", on_start=True)


@dataclass(frozen=True)
class Death(Endpoint):
    """Death from any cause (``events.death``)."""

    paramcd: str = "TTDTH"
    param: str = "Time to death (days)"
    scope: str | None = None
    citation: str = "Dooley MA et al. N Engl J Med 2011;365:1886-95 (ALMS treatment failure)"
    death_is_event = True

    def sources(self, trial, panel):
        return [_record_source(trial, "death", "death", "death")], [last_contact(trial)]


@dataclass(frozen=True)
class RescueTherapy(Endpoint):
    """Rescue therapy (``events.rescue_therapy``)."""

    paramcd: str = "TTRESC"
    param: str = "Time to rescue therapy (days)"
    scope: str | None = None
    citation: str = "Dooley MA et al. N Engl J Med 2011;365:1886-95 (ALMS treatment failure)"

    def sources(self, trial, panel):
        return (
            [_record_source(trial, "rescue_therapy", "rescue therapy", "rescue therapy")],
            [last_contact(trial)],
        )
