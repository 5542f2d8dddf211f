"""From a trial to ADTTE: the endpoint library, ``derive_adtte`` and one function per endpoint.

>>> import survlupus
>>> trial = survlupus.read_trial("data/synthetic/cs20at04")          # doctest: +SKIP
>>> adtte = survlupus.derive_adtte(trial)                             # doctest: +SKIP
>>> survlupus.derive_renal_flare(trial, RenalFlare(confirm_days=28))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

import pandas as pd

from survlupus.derive.tte.base import Endpoint
from survlupus.derive.tte.engine import ADTTE_COLUMNS, derive_tte
from survlupus.derive.tte.failure import TreatmentFailure
from survlupus.derive.tte.flares import ExtrarenalFlare, SevereFlare
from survlupus.derive.tte.haematologic import HaematologicFlare
from survlupus.derive.tte.panel import VisitPanel
from survlupus.derive.tte.records import Death, RescueTherapy
from survlupus.derive.tte.renal import (
    CompleteRenalRemission,
    CreatinineDoubling,
    EndStageRenalDisease,
    RenalFlare,
)
from survlupus.derive.tte.scope import observation
from survlupus.trial.model import Trial

DEFAULT_WINDOW_DAYS = 183
"""Week 24 (day 169) plus 14 days' visit tolerance."""


def default_endpoints() -> tuple[Endpoint, ...]:
    """The ten default time-to-event definitions, with their default settings.

    Parameters
    ----------
    None

    Returns
    -------
    tuple of Endpoint

    Examples
    --------
    >>> [e.paramcd for e in survlupus.default_endpoints()][:4]
    ['TTSFLR', 'TTRFLR', 'TTHFLR', 'TTCR']
    """
    return (
        SevereFlare(),
        RenalFlare(),
        HaematologicFlare(),
        CompleteRenalRemission(),
        Death(),
        EndStageRenalDisease(),
        CreatinineDoubling(),
        ExtrarenalFlare(),
        RescueTherapy(),
        TreatmentFailure(),
    )


VARIANTS: dict[str, Endpoint] = {
    "classic_sfi": SevereFlare.classic(),
    "renal_flare_confirmed_28d": RenalFlare(
        paramcd="TTRFLRC", confirm_days=28, param="Time to first confirmed renal flare (days)"
    ),
    "renal_flare_creatinine_25pct": RenalFlare(
        paramcd="TTRFLR25",
        creatinine_factor=1.25,
        param="Time to first renal flare, creatinine +25 % (days)",
    ),
    "remission_upcr_0_5": CompleteRenalRemission(
        paramcd="TTCR05",
        proteinuria_below_g=0.5,
        param="Time to complete renal remission, proteinuria < 0.5 (days)",
    ),
}
"""Published variants (their sources: ``docs/endpoints.md``), ready for sensitivity analyses."""


def sources_of(definition: Endpoint, trial: Trial, panel: VisitPanel):
    """The definition's event and censoring sources."""
    return sources_of_uncached(definition, trial, panel)


def panel_for(definition: Endpoint, panel: VisitPanel) -> VisitPanel:
    """The panel a definition reads: with ``missing="carry_forward"``, its variables carried."""
    if getattr(definition, "missing", "skip") == "carry_forward":
        return panel.carried_forward(definition.variables)
    return panel


def sources_of_uncached(definition: Endpoint, trial: Trial, panel: VisitPanel):
    """Compute the sources; keep the *event* sources on the panel for the composite (censoring
    sources hold nearly every visit row and are not kept)."""
    events, censors = definition.sources(trial, panel_for(definition, panel))
    panel._cache[("events", definition)] = events
    return events, censors


def event_sources_of(definition: Endpoint, trial: Trial, panel: VisitPanel):
    """The definition's event sources, computed once per trial."""
    key = ("events", definition)
    if key not in panel._cache:
        sources_of_uncached(definition, trial, panel)
    return panel._cache[key]


def derive_endpoint(
    trial: Trial,
    definition: Endpoint,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    all_subjects: bool = False,
    aval_offset: int = 1,
) -> pd.DataFrame:
    """ADTTE rows of one endpoint definition: the definition gives its event and censoring sources,
    the one engine (:func:`derive_tte`) picks the first event or the last adequate assessment.

    Parameters
    ----------
    trial : Trial
    definition : Endpoint
        E.g. ``RenalFlare(confirm_days=28)``.
    window_days : int
        Analysis window in days (default 183).
    all_subjects : bool
        Derive it for every subject, not only the definition's scope.
    aval_offset : int
        ``AVAL = ADT - STARTDT + aval_offset``.

    Returns
    -------
    DataFrame
        One ADTTE row per subject in scope (:func:`derive_adtte` lists the columns).

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/cs20at04")
    >>> rows = survlupus.derive_endpoint(trial, survlupus.RenalFlare(confirm_days=28))
    >>> rows["PARAMCD"].unique().tolist(), len(rows)
    (['TTRFLR'], 6)
    """
    panel = VisitPanel.from_trial(trial)
    scope = observation(trial, window_days, None if all_subjects else definition.scope)
    # nobody in scope (a trial without that subgroup): no rows, and no rule to evaluate
    events, censors = sources_of(definition, trial, panel) if len(scope) else ([], [])
    return derive_tte(
        scope,
        definition.paramcd,
        definition.param,
        events,
        censors,
        definition.convention(window_days, aval_offset),
    )


def derive_adtte(
    trial: Trial,
    endpoints: Sequence[Endpoint] | None = None,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    all_subjects: bool = False,
    aval_offset: int = 1,
) -> pd.DataFrame:
    """The time-to-event dataset (ADaM ADTTE) of several endpoints, one row per subject in each
    endpoint's scope, sorted by PARAMCD then USUBJID.

    Parameters
    ----------
    trial : Trial
    endpoints : sequence of definitions or PARAMCDs, optional
        ``RenalFlare(confirm_days=28)`` or ``["TTSFLR", "TTRFLR"]`` (the library's codes,
        variants included); default: the ten default endpoints (``docs/endpoints.md``).
    window_days : int
        Analysis window: observation ends at ``STARTDT + window_days - 1`` (default 183, week 24
        + 14 days), at last contact or at death, whichever is first.
    all_subjects : bool
        Derive subgroup endpoints (renal, haematologic) for every subject, not only their
        subgroup.
    aval_offset : int
        ``AVAL = ADT - STARTDT + aval_offset`` (1: the ADaM study day; 0: elapsed days).

    Returns
    -------
    DataFrame
        ADTTE columns (``USUBJID, PARAMCD, PARAM, ARM, STARTDT, ADT, AVAL, CNSR, EVNTDESC,
        CNSDTDSC, SRCDOM, SRCVAR, SRCDT, RULE, EVIDENCE``): every decision with its evidence.
        R: ``admiral::derive_param_tte`` builds the same shape.

    Raises
    ------
    ValueError
        An unknown PARAMCD (listing the known ones), two definitions sharing a PARAMCD.

    Examples
    --------
    >>> trial = survlupus.read_trial("data/synthetic/musc")
    >>> adtte = survlupus.derive_adtte(trial, ["TTSFLR"], window_days=379)
    >>> adtte.groupby("ARM")["CNSR"].apply(lambda c: int((c == 0).sum())).to_dict()
    {'MSC high': 3, 'MSC low': 6, 'Placebo': 5}
    """
    endpoints = default_endpoints() if endpoints is None else tuple(endpoints)
    if any(isinstance(e, str) for e in endpoints):
        known = {e.paramcd: e for e in default_endpoints()} | {
            v.paramcd: v for v in VARIANTS.values()
        }
        unknown = [e for e in endpoints if isinstance(e, str) and e not in known]
        if unknown:
            raise ValueError(
                f"derive_adtte: unknown PARAMCD {', '.join(unknown)}; known: {', '.join(known)}"
            )
        endpoints = tuple(known[e] if isinstance(e, str) else e for e in endpoints)
    codes = [e.paramcd for e in endpoints]
    if len(set(codes)) != len(codes):
        raise ValueError(f"two definitions share a PARAMCD: {codes}")
    parts = [
        derive_endpoint(
            trial, e, window_days=window_days, all_subjects=all_subjects, aval_offset=aval_offset
        )
        for e in endpoints
    ]
    if not parts:
        return pd.DataFrame(columns=ADTTE_COLUMNS)
    # sorted by PARAMCD then USUBJID: each endpoint's rows follow the scope, which is in subject
    # order, so putting the endpoints in PARAMCD order is the sort (a part that is not in order
    # is sorted on its own)
    parts = [
        p if p["USUBJID"].is_monotonic_increasing else p.sort_values("USUBJID", kind="stable")
        for _, p in sorted(zip(codes, parts, strict=True), key=lambda cp: cp[0])
    ]
    return pd.concat(parts, ignore_index=True)


def list_endpoints(endpoints: Sequence[Endpoint] | None = None) -> pd.DataFrame:
    """A table documenting each endpoint (``docs/endpoints.md`` is generated the same way).

    Parameters
    ----------
    endpoints : sequence of definitions, optional
        Default: the ten default endpoints; the variants are always added.

    Returns
    -------
    DataFrame
        ``PARAMCD, PARAM, SCOPE, DEFINITION, RULE, DESCRIPTION, SOURCE``.

    Examples
    --------
    >>> survlupus.list_endpoints()["PARAMCD"].tolist()[:3]
    ['TTSFLR', 'TTRFLR', 'TTHFLR']
    """
    endpoints = default_endpoints() if endpoints is None else endpoints
    rows = [
        {
            "PARAMCD": e.paramcd,
            "PARAM": e.param,
            "SCOPE": e.scope or "all",
            "DEFINITION": type(e).__name__,
            "RULE": e.rule_text(),
            "DESCRIPTION": e.describe(),
            "SOURCE": e.citation,
        }
        for e in endpoints
    ]
    rows += [
        {
            "PARAMCD": e.paramcd,
            "PARAM": e.param,
            "SCOPE": e.scope or "all",
            "DEFINITION": f"VARIANTS[{name!r}]",
            "RULE": e.rule_text(),
            "DESCRIPTION": e.describe(),
            "SOURCE": e.citation,
        }
        for name, e in VARIANTS.items()
    ]
    return pd.DataFrame(rows)


def _one(definition_type, name: str):
    """``derive_<endpoint>(trial, definition=None, ...)`` for one definition type, documented
    from the definition itself (its rule, default settings, scope and source)."""

    def derive(
        trial: Trial,
        definition: Endpoint | None = None,
        *,
        window_days: int = DEFAULT_WINDOW_DAYS,
        all_subjects: bool = False,
        aval_offset: int = 1,
    ) -> pd.DataFrame:
        return derive_endpoint(
            trial,
            definition or definition_type(),
            window_days=window_days,
            all_subjects=all_subjects,
            aval_offset=aval_offset,
        )

    default = definition_type()
    rule = " ".join((definition_type.__doc__ or "").strip().split("\n\n")[0].split())
    settings = ", ".join(
        f"{f.name}={getattr(default, f.name)!r}"
        for f in fields(default)
        if f.name not in ("paramcd", "param", "scope", "citation")
        and isinstance(getattr(default, f.name), (int, float, str, bool, type(None)))
    )
    derive.__name__ = derive.__qualname__ = name
    derive.__doc__ = f"""ADTTE rows of {default.param.removesuffix(" (days)").lower()} \
({default.paramcd}): {rule}

    Parameters
    ----------
    trial : Trial
    definition : {definition_type.__name__}, optional
        The rule; default ``{definition_type.__name__}()`` ({settings or "no settings"}). Give
        another (``{definition_type.__name__}(...)``) for a sensitivity analysis.
    window_days : int
        Analysis window in days (default {DEFAULT_WINDOW_DAYS}: week 24 + 14 days).
    all_subjects : bool
        Derive it for every subject, not only its scope ({default.scope or "all subjects"}).
    aval_offset : int
        ``AVAL = ADT - STARTDT + aval_offset`` (1: the ADaM study day).

    Returns
    -------
    DataFrame
        One ADTTE row per subject in scope, with ``RULE`` and ``EVIDENCE`` saying why
        (see :func:`derive_adtte`).

    Examples
    --------
    >>> adtte = survlupus.{name}(survlupus.read_trial("data/synthetic/cs20at04"))
    >>> adtte["PARAMCD"].unique().tolist()
    ['{default.paramcd}']

    Source: {default.citation}
    """
    return derive


derive_severe_flare = _one(SevereFlare, "derive_severe_flare")
derive_renal_flare = _one(RenalFlare, "derive_renal_flare")
derive_haematologic_flare = _one(HaematologicFlare, "derive_haematologic_flare")
derive_complete_remission = _one(CompleteRenalRemission, "derive_complete_remission")
derive_death = _one(Death, "derive_death")
derive_esrd = _one(EndStageRenalDisease, "derive_esrd")
derive_creatinine_doubling = _one(CreatinineDoubling, "derive_creatinine_doubling")
derive_extrarenal_flare = _one(ExtrarenalFlare, "derive_extrarenal_flare")
derive_rescue_therapy = _one(RescueTherapy, "derive_rescue_therapy")
derive_treatment_failure = _one(TreatmentFailure, "derive_treatment_failure")
