"""The statistical analysis plan as data: study, populations, visit schedule, analysis windows,
outcome measures with their analyses, figures.

Every part is a frozen dataclass with documented defaults; :func:`survlupus.load_plan` reads one
from ``plan.toml`` (strictly: an unknown key or a wrong type is a :class:`PlanError` naming the
key), :func:`survlupus.generic_plan` infers one from a trial, and :func:`plan_to_toml` writes one
back, so the plan a report ran is always on disk beside it.

>>> plan = survlupus.load_plan("data/synthetic/musc/plan.toml")        # doctest: +SKIP
>>> plan.outcome(1).label                                               # doctest: +SKIP
'SRI-4 response at week 52'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survlupus.clinical.windows import Window

KINDS = (
    "tte",
    "responder",
    "responder_by_visit",
    "change",
    "mmrm",
    "slope",
    "gmr",
    "normalisation",
    "shift",
    "safety",
    "ae_time",
    "lab_toxicity",
)
SAFETY_TABLES = ("overview", "terms", "max_grade", "rates", "by_year", "serious_listing")
"""Outcome kinds: time to event (ADTTE parameters), responder at a visit or at each of several
visits (ADRS parameters), and on visit measures (the BDS): change from baseline, MMRM, slope,
geometric mean ratio, normalisation, shift table."""

COVARIANCES = ("us", "cs", "csh", "ar1", "arh1", "toep")

DESIGNS = ("single-arm", "controlled")
MISSING_RULES = ("non-responder", "observed")
FIGURE_KINDS = (
    "km",
    "cif",
    "forest",
    "lsmeans",
    "responders",
    "ae",
    "swimmer",
    "trajectories",
)
FIGURE_FORMATS = ("pdf", "svg", "png")
STYLES = ("publication", "presentation")


class PlanError(ValueError):
    """An analysis plan that cannot be used; the message names the key and what is allowed.

    Parameters
    ----------
    message : str
        ``outcomes[0].vist: unknown key; known: number, label, ...``.
    """


@dataclass(frozen=True)
class Study:
    """Who and what is analysed.

    ``design``: ``"single-arm"`` (estimates per arm only) or ``"controlled"`` (each arm against
    ``reference_arm``). ``arms``: the arm labels of ``subjects.arm``, in the order tables show
    them (empty: every arm in the data, sorted).
    """

    id: str
    title: str = ""
    design: str = "single-arm"
    arms: tuple[str, ...] = ()
    reference_arm: str | None = None


@dataclass(frozen=True)
class Population:
    """An analysis population: all treated subjects (``subgroup`` None) or one subgroup
    (``subjects.subgroup``), e.g. ``nephritis``."""

    name: str
    label: str = ""
    subgroup: str | None = None


@dataclass(frozen=True)
class Outcome:
    """One outcome measure of the protocol, with its analysis.

    * ``kind="tte"``: ``endpoints`` are ADTTE parameters (``TTSFLR``; see
      ``survlupus.list_endpoints()``); per arm Kaplan-Meier (event probability at ``at_day``,
      median); controlled: log-rank (global and each arm vs the reference; stratified by
      ``strata`` if given) and the Cox hazard ratio vs the reference (Efron ties), Firth's
      penalised Cox when an arm has fewer than ``firth_below`` events; ``competing`` adds the
      Aalen-Johansen cumulative incidence with that parameter as the competing event.
    * ``kind="responder"``: ``endpoints`` are responder rules (``SRI4``, ``LLDAS``, ``STER4W12``;
      see ``survlupus.plan.RESPONDER_LIBRARY``) evaluated at ``visit``; n/N with the
      Clopper-Pearson CI; controlled: difference vs the reference (Newcombe) and Fisher's exact p
      (CMH stratified by ``strata`` if given). ``definition`` overrides fields of the rule.
    * ``kind="responder_by_visit"``: the responder rules at each of ``visits`` (a line figure).
    * on visit measures (``endpoints`` are visit variables such as ``c3_g_l``; ``visits``
      default to the whole schedule): ``change`` — n and mean change from baseline with its
      t-based CI; ``mmrm`` — LS mean change by visit from the MMRM (``covariance``: ``us``
      default, ``cs``, ``csh``, ``ar1``, ``arh1``, ``toep``), and the difference from the
      reference; ``slope`` — slope per year (random intercept and slope) and its difference;
      ``gmr`` — geometric mean ratio to baseline; ``normalisation`` — n/N back in the normal
      range among those below it at baseline (``definition = { lower = ... }``, defaults in
      ``survlupus.plan.library.NORMAL_RANGES``); ``shift`` — baseline-by-visit category counts
      (``definition = { cuts = [...], labels = [...] }``, default ANA titre categories).
    * safety (denominators: every subject; treatment-emergent events): ``safety`` —
      ``endpoints`` name the tables (``overview, terms, max_grade, rates, by_year,
      serious_listing``); ``ae_time`` — time to the first TEAE of each category in ``endpoints``
      (``any``, ``serious``, ``related``, or the name of an AESI of the plan), Kaplan-Meier;
      ``lab_toxicity`` — CTCAE grade shift baseline → worst post-baseline of the ``endpoints``
      visit variables.

    ``population`` names one of the plan's populations; only its subjects are counted.
    ``window`` names one of the plan's analysis windows (time-to-event outcomes).
    """

    number: int
    label: str
    kind: str
    endpoints: tuple[str, ...]
    primary: bool = False
    time_frame: str = ""
    population: str = "all"
    window: str = "efficacy"
    visit: str | None = None
    visits: tuple[str, ...] = ()
    at_day: int | None = None
    competing: str | None = None
    strata: str | None = None
    covariance: str | None = None
    definition: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class AESI:
    """An adverse event of special interest: TEAEs of the system organ class ``body_system``,
    of the preferred ``terms``, or infusion-related (``infusion_related``), any that matches."""

    name: str
    label: str = ""
    body_system: str | None = None
    terms: tuple[str, ...] = ()
    infusion_related: bool = False


TIME_UNITS = ("days", "weeks", "months", "years")
"""Units of the figures' time axes (drawn by ``render.figures.timeaxis``)."""


@dataclass(frozen=True)
class Figures:
    """Which figures the report draws, and how.

    ``kinds``: any of ``km`` (one per time-to-event outcome parameter), ``cif`` (outcomes with a
    competing event), ``forest`` (hazard ratios vs the reference, controlled trials),
    ``swimmer``, ``trajectories`` (of the ``trajectories`` variables). ``time_unit`` of the
    time axes: ``weeks`` or ``days``.
    """

    kinds: tuple[str, ...] = FIGURE_KINDS
    trajectories: tuple[str, ...] = ()
    style: str = "publication"
    formats: tuple[str, ...] = FIGURE_FORMATS
    dpi: int = 200
    time_unit: str = "weeks"  # one of TIME_UNITS


@dataclass(frozen=True)
class AnalysisPlan:
    """A study's statistical analysis plan (see the module docstring).

    ``windows``: named analysis windows, in days from day 1 (``efficacy`` is required: the window
    of the main ADTTE). ``landmark_days``: the days at which event-free probabilities are
    tabulated. ``missing``: a missing responder assessment is a non-responder
    (``"non-responder"``, default) or leaves the denominator (``"observed"``).
    ``firth_below``: Firth's penalised Cox is used when an arm has fewer events than this
    (default 1: an arm with no event). ``variants``: published definition variants to derive
    too (``survlupus.VARIANTS``). ``definitions``: fields of time-to-event definitions
    overridden for this study, per PARAMCD. ``generic``: the plan was inferred from the data,
    not written by the study team.
    """

    study: Study
    populations: tuple[Population, ...] = (Population("all", "All treated subjects"),)
    schedule: tuple[Window, ...] = ()
    windows: tuple[tuple[str, int], ...] = (("efficacy", 183),)
    outcomes: tuple[Outcome, ...] = ()
    landmark_days: tuple[int, ...] = ()
    missing: str = "non-responder"
    firth_below: int = 1
    variants: tuple[str, ...] = ()
    all_subjects: bool = False
    definitions: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    figures: Figures = field(default_factory=Figures)
    aesi: tuple[AESI, ...] = ()
    generic: bool = False
    notes: tuple[str, ...] = ()

    @property
    def controlled(self) -> bool:
        return self.study.design == "controlled" and self.study.reference_arm is not None

    def window_days(self, name: str = "efficacy") -> int:
        return dict(self.windows)[name]

    def population(self, name: str) -> Population:
        for p in self.populations:
            if p.name == name:
                return p
        raise PlanError(
            f"population {name!r} is not in the plan; known: "
            + ", ".join(p.name for p in self.populations)
        )

    def outcome(self, number: int) -> Outcome:
        for o in self.outcomes:
            if o.number == number:
                return o
        raise PlanError(
            f"outcome {number} is not in the plan; known: "
            + ", ".join(str(o.number) for o in self.outcomes)
        )

    def visit_labels(self) -> tuple[str, ...]:
        return tuple(w.label for w in self.schedule)

    def __repr__(self) -> str:
        n_primary = sum(o.primary for o in self.outcomes)
        kind = "generic " if self.generic else ""
        return (
            f"<AnalysisPlan {self.study.id!r}: {kind}{self.study.design}, "
            f"{len(self.outcomes)} outcomes ({n_primary} primary), "
            f"{len(self.schedule)} visits, window {self.window_days()} days>"
        )

    def _repr_html_(self) -> str:
        from survlupus.plan.display import plan_html

        return plan_html(self)
