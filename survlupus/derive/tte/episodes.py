"""Every flare episode, not only the first: the event-level table for recurrent-event analyses
and swimmer plots.

An episode of a visit-based rule starts at a post-baseline visit where the rule is met after at
least one adequate assessment (baseline included) where it was not; it continues while the rule is
met at the following adequate assessments. A record-based hit (a steroid rise, an events-table
row) is an episode of its own on its date, unless it falls on the same date as another episode of
the same type. Investigator-recorded mild/moderate SFI flares are listed as their own type.

Columns: ``USUBJID, ARM, SUBGROUP, TYPE, PARAMCD, SEVERITY, EPISODE, ONSETDT, ONSETDY, RULE,
SRCDOM, EVIDENCE``; sorted by subject, onset date and type. Observation is limited by the analysis
window (``window_days``; ``None`` = the whole follow-up).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survlupus.derive.tte.base import Endpoint, date_text, event_records
from survlupus.derive.tte.engine import _evidence, _in_observation, subject_position
from survlupus.derive.tte.flares import ExtrarenalFlare, SevereFlare
from survlupus.derive.tte.haematologic import HaematologicFlare
from survlupus.derive.tte.panel import VisitPanel
from survlupus.derive.tte.renal import RenalFlare
from survlupus.derive.tte.scope import UNLIMITED_WINDOW_DAYS, observation
from survlupus.trial.model import Trial

EPISODE_COLUMNS = [
    "USUBJID",
    "ARM",
    "SUBGROUP",
    "TYPE",
    "PARAMCD",
    "SEVERITY",
    "EPISODE",
    "ONSETDT",
    "ONSETDY",
    "RULE",
    "SRCDOM",
    "EVIDENCE",
]

FLARE_TYPES: tuple[tuple[str, Endpoint, str], ...] = (
    ("severe flare", SevereFlare(), "severe"),
    ("renal flare", RenalFlare(), "severe"),
    ("haematologic flare", HaematologicFlare(), "severe"),
    ("extrarenal flare", ExtrarenalFlare(), "severe"),
)


def _episode_starts(panel: VisitPanel, source, adequate_rows: np.ndarray) -> np.ndarray:
    """Positions (in ``source.candidates``) of visit hits that start an episode."""
    cand = source.candidates
    n = len(panel.frame)
    met = np.zeros(n, bool)
    met[cand["_i"].to_numpy()] = True
    assessed = np.zeros(n, bool)
    assessed[adequate_rows] = True
    assessed |= met | ~panel.post.to_numpy()  # baseline rows count as "not met"
    prev_met = (
        pd.Series(np.where(assessed, met.astype(float), np.nan))
        .groupby(panel.subject.to_numpy())
        .ffill()
        .groupby(panel.subject.to_numpy())
        .shift(1)
    )
    starts = met & ~(prev_met.to_numpy() == 1.0)
    return np.flatnonzero(starts[cand["_i"].to_numpy()])


def derive_episodes(
    trial: Trial,
    types: Sequence[tuple[str, Endpoint, str]] | None = None,
    *,
    window_days: int | None = None,
    all_subjects: bool = False,
) -> pd.DataFrame:
    """Every flare episode of every subject, not only the first (the rules: module docstring).

    Parameters
    ----------
    trial : Trial
    types : sequence of (type name, definition, severity), optional
        Default :data:`FLARE_TYPES`: severe (modified SFI), renal, haematologic and extrarenal
        flares, plus the investigator's mild/moderate SFI flares.
    window_days : int, optional
        Only episodes within this many days of day 1 (default: all follow-up).
    all_subjects : bool
        Look for subgroup flares (renal, haematologic) in every subject.

    Returns
    -------
    DataFrame
        ``USUBJID, ARM, SUBGROUP, TYPE, PARAMCD, SEVERITY, EPISODE, ONSETDT, ONSETDY, RULE,
        SRCDOM, EVIDENCE``; a trial without any flare gives the columns and no row.

    Examples
    --------
    >>> episodes = survlupus.derive_episodes(survlupus.read_trial("data/synthetic/musc"),
    ...                                      window_days=379)
    >>> episodes["TYPE"].value_counts().to_dict()["severe flare"]
    14
    """
    types = FLARE_TYPES if types is None else types
    from survlupus.derive.tte.adtte import sources_of_uncached as sources_of

    panel = VisitPanel.from_trial(trial)
    ids = trial.subjects["subject_id"].to_numpy()
    window = UNLIMITED_WINDOW_DAYS if window_days is None else window_days
    parts = []
    for type_name, definition, severity in types:
        scope = observation(trial, window, None if all_subjects else definition.scope)
        events, censors = sources_of(definition, trial, panel)
        adequate = np.concatenate(
            [c.candidates["_i"].to_numpy() for c in censors if "_i" in c.candidates]
            or [np.array([], int)]
        )
        for src in events:
            cand = src.candidates
            if cand.empty:
                continue
            rows = np.arange(len(cand))
            if "_i" in cand:
                rows = _episode_starts(panel, src, adequate)
            sub = cand.iloc[rows]
            scope_pos, _, inside = _in_observation(sub, scope, getattr(src, "on_start", False))
            if not len(inside):
                continue
            chosen = sub.iloc[inside]
            spos = subject_position(chosen)
            parts.append(
                pd.DataFrame(
                    {
                        "_scope_pos": scope_pos,
                        "USUBJID": chosen["subject_id"].to_numpy() if spos is None else ids[spos],
                        "TYPE": type_name,
                        "PARAMCD": definition.paramcd,
                        "SEVERITY": severity,
                        "ONSETDT": chosen["date"].to_numpy(),
                        "RULE": chosen["rule"].to_numpy(dtype=object) if "rule" in chosen else "",
                        "SRCDOM": src.srcdom,
                        "EVIDENCE": _evidence(src, chosen),
                    }
                )
            )
    parts.append(_investigator_mild(trial, window, all_subjects))
    parts = [p for p in parts if len(p)]
    if not parts:  # no flare of any kind: the table with its columns and types, no row
        return _no_episodes()
    out = pd.concat(parts, ignore_index=True)
    out = out.drop(columns=["_scope_pos"], errors="ignore")
    out = out.drop_duplicates(["USUBJID", "TYPE", "ONSETDT"], keep="first")
    subj = trial.subjects.set_index("subject_id")
    out["ARM"] = out["USUBJID"].map(subj["arm"])
    out["SUBGROUP"] = out["USUBJID"].map(subj["subgroup"]).fillna("") if "subgroup" in subj else ""
    start = out["USUBJID"].map(subj["start_date"])
    out["ONSETDY"] = ((out["ONSETDT"] - start).dt.days + 1).astype("int64")
    out = out.sort_values(["USUBJID", "ONSETDT", "TYPE"], kind="stable")
    out["EPISODE"] = out.groupby(["USUBJID", "TYPE"]).cumcount() + 1
    return out[EPISODE_COLUMNS].reset_index(drop=True)


def _no_episodes() -> pd.DataFrame:
    types = {"EPISODE": "int64", "ONSETDT": "datetime64[ns]", "ONSETDY": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "object")) for c in EPISODE_COLUMNS})


def _investigator_mild(trial: Trial, window: int, all_subjects: bool) -> pd.DataFrame:
    rec = event_records(trial, ["sfi_flare"], severity="mild_moderate")
    if rec.empty:
        return pd.DataFrame()
    scope = observation(trial, window, None)
    chosen = rec.iloc[_in_observation(rec, scope, on_start=False)[2]]
    return pd.DataFrame(
        {
            "USUBJID": chosen["subject_id"].to_numpy(),
            "TYPE": "mild/moderate flare",
            "PARAMCD": "MMFLR",  # no time-to-event parameter: its own code
            "SEVERITY": "mild_moderate",
            "ONSETDT": chosen["date"].to_numpy(),
            "RULE": "investigator-recorded mild/moderate SFI flare",
            "SRCDOM": "EVENTS",
            "EVIDENCE": "sfi_flare on "
            + date_text(chosen["date"])
            + ": "
            + chosen["detail"].fillna("").astype(str).to_numpy(dtype=object),
        }
    )
