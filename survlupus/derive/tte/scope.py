"""Who is in scope for an endpoint and how long each subject is observed.

* **Scope**: renal endpoints and treatment failure are derived for ``nephritis`` subjects,
  haematologic ones for ``cytopenia`` subjects, the others for everybody
  (``docs/derivation.md``). ``all_subjects=True`` derives every endpoint for everybody.
  Out-of-scope subjects are absent from that parameter, by this rule only.
* **Last contact**: ``end_date``; if it is missing, the last visit; if there is none, ``start_date``.
  A recorded death later than ``end_date`` extends the last contact to the death.
* **Observation end** (``obs_end``): the earliest of the end of the analysis window
  (``start_date + window_days - 1``), the last contact and death.
* **Status** at ``obs_end``: ``died`` if the subject died within the window; ``withdrew`` if the
  subject discontinued and the last contact is before the end of the window; else ``complete``.
"""

from __future__ import annotations

import pandas as pd

from survlupus.trial.keys import is_sorted_by
from survlupus.trial.model import Trial

ONE_DAY = pd.Timedelta(days=1)
UNLIMITED_WINDOW_DAYS = 36525
"""A window of 100 years: observation limited by follow-up only."""


def death_dates(trial: Trial) -> pd.Series:
    ev = trial.events
    if ev.empty or "event" not in ev:
        return pd.Series(dtype="datetime64[ns]")
    return ev.loc[ev["event"] == "death"].groupby("subject_id")["start_date"].min()


def observation(trial: Trial, window_days: int, subgroup: str | None = None) -> pd.DataFrame:
    """``subject_id, arm, subgroup, start_date, window_end, last_contact, death_date, obs_end,
    status`` for every subject in scope, sorted by subject."""
    cache = trial.__dict__.setdefault("_observation_cache", {})
    key = (window_days, subgroup)
    if key not in cache:
        if subgroup:  # a subgroup's rows of everybody's observation (same order, same values)
            full = observation(trial, window_days)
            cache[key] = full[(full["subgroup"] == subgroup).to_numpy()].reset_index(drop=True)
        else:
            cache[key] = _observation(trial, window_days, subgroup)
    return cache[key]


def _observation(trial: Trial, window_days: int, subgroup: str | None) -> pd.DataFrame:
    s = trial.subjects.copy()
    if subgroup is not None:
        s = s[s.get("subgroup", pd.Series("", index=s.index)) == subgroup]
    if not is_sorted_by(s, ["subject_id"]):
        s = s.sort_values("subject_id", kind="stable")
    # end_date, else the last visit: the trial's data cut (computed once, shared with the
    # steroid intervals)
    last_contact = s["subject_id"].map(trial.data_cut).fillna(s["start_date"])
    death = s["subject_id"].map(death_dates(trial))
    last_contact = last_contact.where(~(death > last_contact), death)
    window_end = s["start_date"] + (window_days - 1) * ONE_DAY
    obs_end = pd.concat([window_end, last_contact, death], axis=1).min(axis=1)
    died = death.notna() & (death <= window_end)
    disc = s["discontinued"].fillna(False).astype(bool) if "discontinued" in s else False
    withdrew = ~died & disc & (last_contact < window_end)
    status = pd.Series("complete", index=s.index).mask(withdrew, "withdrew").mask(died, "died")
    return pd.DataFrame(
        {
            "subject_id": s["subject_id"].to_numpy(),
            "_spos": pd.Index(trial.subjects["subject_id"]).get_indexer(s["subject_id"]),
            "arm": s["arm"].to_numpy(),
            "subgroup": (s["subgroup"] if "subgroup" in s else pd.Series("", index=s.index))
            .fillna("")
            .to_numpy(),
            "start_date": s["start_date"].to_numpy(),
            "window_end": window_end.to_numpy(),
            "last_contact": last_contact.to_numpy(),
            "death_date": death.to_numpy(),
            "obs_end": obs_end.to_numpy(),
            "status": status.to_numpy(),
        }
    ).reset_index(drop=True)


def follow_up(trial: Trial, window_days: int | None = None) -> pd.DataFrame:
    """Every subject's follow-up from day 1 to last contact or death (within ``window_days`` if
    given): the exposure of rates and the denominators of the safety tables.

    Parameters
    ----------
    trial : Trial
    window_days : int, optional

    Returns
    -------
    DataFrame
        ``USUBJID, ARM, SUBGROUP, STARTDT, days``, one row per subject.

    Examples
    --------
    >>> fu = survlupus.follow_up(survlupus.read_trial("data/synthetic/musc"))
    >>> len(fu), int(fu["days"].sum())
    (81, 27366)
    """
    obs = observation(trial, window_days or UNLIMITED_WINDOW_DAYS)
    return pd.DataFrame(
        {
            "USUBJID": obs["subject_id"].to_numpy(),
            "ARM": obs["arm"].to_numpy(),
            "SUBGROUP": obs["subgroup"].to_numpy(),
            "STARTDT": obs["start_date"].to_numpy(),
            "days": ((obs["obs_end"] - obs["start_date"]).dt.days + 1).to_numpy(),
        }
    )
