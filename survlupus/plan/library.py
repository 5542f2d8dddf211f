"""From names in a plan to definition objects: the time-to-event library (with the plan's
variants and overrides) and the responder library.

A responder outcome names a rule and a visit (``endpoint = "SRI4"``, ``visit = "W52"``); the rule
object is built here, with the outcome's ``definition`` overrides applied by :func:`override`,
which checks every field name and type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from survlupus.derive.responders import (
    SRI,
    HaematologicImprovement,
    LowDiseaseActivity,
    RenalResponse,
    SledaiReduction,
    SteroidTaper,
)
from survlupus.derive.tte.adtte import VARIANTS, default_endpoints
from survlupus.derive.tte.base import Endpoint
from survlupus.plan.model import AnalysisPlan, Outcome, PlanError

RESPONDER_LIBRARY: dict[str, Callable[[str], Any]] = {
    "STER4W12": lambda visit: SteroidTaper(),
    "STER1224": lambda visit: SteroidTaper(
        "STER1224",
        "Steroid taper kept: <= 7.5 mg/day from week 12 through week 24",
        85,
        169,
        7.5,
        "W24",
    ),
    "HEMIMP": HaematologicImprovement,
    "RENRSP": RenalResponse,
    "LLDAS": LowDiseaseActivity,
    "SLED4R": lambda visit: SledaiReduction(visit, 4),
    "SRI4": lambda visit: SRI(visit, 4),
    "SRI5": lambda visit: SRI(visit, 5),
    "SRI6": lambda visit: SRI(visit, 6),
}
"""Responder rules by name; each takes the assessment visit. The steroid tapers have fixed study
days (override ``from_day``, ``to_day``, ``visit`` and ``paramcd`` in the outcome's
``definition`` for another schedule)."""

SUBGROUP_OF = {"HEMIMP": "cytopenia", "RENRSP": "nephritis"}
"""Responder rules derived for one subgroup only (as their definitions say)."""


def _check_type(key: str, value: Any, expected: type) -> None:
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise PlanError(f"{key}: expected {expected.__name__}, got {value!r}")


def override(definition, values: dict[str, Any], where: str):
    """A copy of ``definition`` with fields replaced; unknown fields and wrong types raise a
    :class:`PlanError` naming ``where.field``."""
    known = {f.name: f for f in fields(definition)}
    changes = {}
    for key, value in values.items():
        if key not in known or (key == "paramcd" and isinstance(definition, Endpoint)):
            allowed = ", ".join(sorted(k for k in known if k != "paramcd"))
            raise PlanError(
                f"{where}.{key}: unknown setting of {type(definition).__name__}; known: {allowed}"
            )
        current = getattr(definition, key)
        if current is None:
            expected = int if key.endswith("_days") else str
            if value is not None:
                _check_type(f"{where}.{key}", value, expected)
        elif isinstance(current, bool):
            _check_type(f"{where}.{key}", value, bool)
        elif isinstance(current, (int, float, str)):
            _check_type(f"{where}.{key}", value, type(current))
        elif isinstance(current, tuple):
            _check_type(f"{where}.{key}", value, list)
            value = tuple(value)
        else:
            raise PlanError(f"{where}.{key}: cannot be set from a plan")
        changes[key] = value
    try:
        return replace(definition, **changes)
    except ValueError as exc:  # the definition's own range checks (derive/settings.py)
        raise PlanError(f"{where}: {exc}") from None


def endpoint_library(
    variants: tuple[str, ...] = (), definitions: tuple = (), where: str = "definitions"
) -> dict[str, Endpoint]:
    """Every time-to-event definition by PARAMCD: the defaults, the named ``variants`` and the
    ``definitions`` overrides (``((PARAMCD, ((field, value), ...)), ...)``)."""
    library = {e.paramcd: e for e in default_endpoints()}
    for name in variants:
        if name not in VARIANTS:
            raise PlanError(f"variants: unknown variant {name!r}; known: " + ", ".join(VARIANTS))
        library[VARIANTS[name].paramcd] = VARIANTS[name]
    for code, values in definitions:
        if code not in library:
            raise PlanError(f"{where}.{code}: unknown PARAMCD; known: {', '.join(library)}")
        library[code] = override(library[code], dict(values), f"{where}.{code}")
    return library


def event_is_good(paramcd: str, plan: AnalysisPlan | None = None) -> bool:
    """Whether the event of ``paramcd`` is favourable (a remission), read from its definition;
    False for a code the library does not know (e.g. adverse-event parameters)."""
    library = endpoint_library(plan.variants, plan.definitions) if plan else endpoint_library()
    definition = library.get(paramcd)
    return bool(getattr(definition, "event_is_good", False))


def plan_endpoints(plan: AnalysisPlan) -> tuple[Endpoint, ...]:
    """The time-to-event definitions the plan derives: all ten defaults and its variants."""
    library = endpoint_library(plan.variants, plan.definitions)
    wanted = [e.paramcd for e in default_endpoints()]
    wanted += [VARIANTS[v].paramcd for v in plan.variants if VARIANTS[v].paramcd not in wanted]
    return tuple(library[c] for c in wanted)


def responder_rule(outcome: Outcome, name: str, where: str):
    """The responder rule ``name`` at the outcome's visit, with its overrides applied."""
    if name not in RESPONDER_LIBRARY:
        raise PlanError(
            f"{where}.endpoints: unknown responder {name!r}; known: " + ", ".join(RESPONDER_LIBRARY)
        )
    rule = RESPONDER_LIBRARY[name](outcome.visit or "W24")
    if outcome.definition:
        rule = override(rule, dict(outcome.definition), f"{where}.definition")
    return rule


@dataclass(frozen=True)
class NormalRange:
    """Reference interval of a laboratory value (``lower``-``upper``, in the column's unit)."""

    lower: float
    upper: float
    citation: str = ""


PROTEIN_INTERVALS = (
    "Dati F et al. Eur J Clin Chem Clin Biochem 1996;34:517-20 (IFCC/CRM 470 reference intervals)"
)
NORMAL_RANGES = {
    "c3_g_l": NormalRange(0.9, 1.8, PROTEIN_INTERVALS),
    "c4_g_l": NormalRange(0.1, 0.4, PROTEIN_INTERVALS),
}
"""Default normal ranges of the normalisation outcomes; a plan overrides them with
``definition = { lower = ..., upper = ... }``."""


@dataclass(frozen=True)
class TitreCategories:
    """Categories of an ANA titre (reciprocal): ``[cut_i, cut_{i+1})``, one label more than
    cuts. Positive from 1:80, the entry criterion of the EULAR/ACR 2019 classification."""

    cuts: tuple[float, ...] = (80.0, 160.0, 320.0, 640.0)
    labels: tuple[str, ...] = ("<1:80", "1:80", "1:160", "1:320", ">=1:640")
    citation: str = "Aringer M et al. Arthritis Rheumatol 2019;71:1400-12 (EULAR/ACR 2019)"
