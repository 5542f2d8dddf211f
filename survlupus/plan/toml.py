"""Reading and writing ``plan.toml``, strictly.

Every key is checked: an unknown key is a :class:`PlanError` naming it (``outcomes[3].vist``) with
the known keys, a value of the wrong type names the key and the expected type, and references are
resolved (an outcome's population and window, the reference arm among the arms, a responder
rule's name and overrides, a visit's place in the schedule is checked at analysis time).
:func:`survlupus.plan.write.plan_to_toml` writes a plan back (the report writes the plan it ran as ``OUT/plan.toml``);
reading what it wrote gives the same plan.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from survlupus.clinical.windows import Window
from survlupus.plan.model import (
    AESI,
    COVARIANCES,
    DESIGNS,
    FIGURE_FORMATS,
    FIGURE_KINDS,
    KINDS,
    MISSING_RULES,
    STYLES,
    TIME_UNITS,
    AnalysisPlan,
    Figures,
    Outcome,
    PlanError,
    Population,
    Study,
)

_STR, _INT, _BOOL, _LIST, _TABLE = str, int, bool, list, dict


def _check(where: str, value: Any, expected: type) -> Any:
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if not ok:
        raise PlanError(f"{where}: expected {expected.__name__}, got {value!r}")
    return value


def _table(data: Any, where: str, spec: dict[str, type], required: tuple[str, ...] = ()) -> dict:
    """``data`` checked against ``spec`` (key -> type): unknown keys and wrong types raise."""
    if not isinstance(data, dict):
        raise PlanError(f"{where}: expected a table of settings, got {data!r}")
    for key, value in data.items():
        if key not in spec:
            raise PlanError(f"{where}.{key}: unknown key; known: {', '.join(spec)}")
        _check(f"{where}.{key}", value, spec[key])
    for key in required:
        if key not in data:
            raise PlanError(f"{where}.{key}: required")
    return data


def _strings(values: list, where: str) -> tuple[str, ...]:
    return tuple(_check(f"{where}[{i}]", v, str) for i, v in enumerate(values))


def _ints(values: list, where: str, minimum: int = 1) -> tuple[int, ...]:
    out = tuple(_check(f"{where}[{i}]", v, int) for i, v in enumerate(values))
    for i, v in enumerate(out):
        if v < minimum:
            raise PlanError(f"{where}[{i}]: {v} is below {minimum}")
    return out


def _choice(where: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise PlanError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _study(data: dict) -> Study:
    spec = {"id": _STR, "title": _STR, "design": _STR, "arms": _LIST, "reference_arm": _STR}
    d = _table(data, "study", spec, ("id",))
    study = Study(
        d["id"],
        d.get("title", ""),
        _choice("study.design", d.get("design", "single-arm"), DESIGNS),
        _strings(d.get("arms", []), "study.arms"),
        d.get("reference_arm"),
    )
    if study.reference_arm is not None and study.arms and study.reference_arm not in study.arms:
        raise PlanError(
            f"study.reference_arm: {study.reference_arm!r} is not one of the arms "
            f"{', '.join(study.arms)}"
        )
    if study.design == "controlled" and study.reference_arm is None:
        raise PlanError("study.reference_arm: required for a controlled design")
    return study


def _populations(items: list) -> tuple[Population, ...]:
    out = [Population("all", "All treated subjects")]
    for i, item in enumerate(items):
        d = _table(item, f"populations[{i}]", {"name": _STR, "label": _STR, "subgroup": _STR})
        if "name" not in d:
            raise PlanError(f"populations[{i}].name: required")
        pop = Population(d["name"], d.get("label", ""), d.get("subgroup"))
        if pop.name == "all":
            out[0] = pop
        elif any(p.name == pop.name for p in out):
            raise PlanError(f"populations[{i}].name: {pop.name!r} is defined twice")
        else:
            out.append(pop)
    return tuple(out)


def _schedule(data: dict) -> tuple[Window, ...]:
    items = _table(data, "schedule", {"visits": _LIST}).get("visits", [])
    out: list[Window] = []
    spec = {"label": _STR, "day": _INT, "window": _INT, "before": _INT, "after": _INT}
    for i, item in enumerate(items):
        where = f"schedule.visits[{i}]"
        d = _table(item, where, spec, ("label", "day"))
        width = d.get("window", 7)
        before, after = d.get("before", width), d.get("after", width)
        if min(before, after) < 0:
            raise PlanError(f"{where}: a window cannot be negative")
        if d["day"] < 1:
            raise PlanError(
                f"{where}.day: {d['day']} is before study day 1 (the schedule lists post-baseline "
                "visits; baseline is the last value on or before day 1)"
            )
        if any(w.label == d["label"] for w in out):
            raise PlanError(f"{where}.label: {d['label']!r} is scheduled twice")
        if out and d["day"] <= out[-1].day:
            raise PlanError(f"{where}.day: visits must be in order of nominal day")
        out.append(Window(d["label"], d["day"], before, after))
    return tuple(out)


_OUTCOME_SPEC = {
    "number": _INT,
    "label": _STR,
    "kind": _STR,
    "endpoints": _LIST,
    "primary": _BOOL,
    "time_frame": _STR,
    "population": _STR,
    "window": _STR,
    "visit": _STR,
    "visits": _LIST,
    "at_day": _INT,
    "competing": _STR,
    "strata": _STR,
    "covariance": _STR,
    "definition": _TABLE,
}


def _outcome(item: dict, i: int) -> Outcome:
    where = f"outcomes[{i}]"
    d = _table(item, where, _OUTCOME_SPEC, ("label", "kind", "endpoints"))
    kind = _choice(f"{where}.kind", d["kind"], KINDS)
    endpoints = _strings(d["endpoints"], f"{where}.endpoints")
    if not endpoints:
        raise PlanError(f"{where}.endpoints: name at least one")
    twice = sorted({e for e in endpoints if endpoints.count(e) > 1})
    if twice:
        raise PlanError(f"{where}.endpoints: {', '.join(twice)} listed twice")
    if kind == "responder" and "visit" not in d and not set(endpoints) <= {"STER4W12", "STER1224"}:
        raise PlanError(f"{where}.visit: required for a responder outcome")
    if kind in ("change", "responder_by_visit") and not d.get("visits"):
        raise PlanError(f"{where}.visits: required for a {kind} outcome")
    if "covariance" in d:
        _choice(f"{where}.covariance", d["covariance"], COVARIANCES)
    if kind == "tte" and "definition" in d:
        raise PlanError(
            f"{where}.definition: a time-to-event parameter has one definition per study; "
            "override it in [definitions.PARAMCD]"
        )
    return Outcome(
        number=d.get("number", i + 1),
        label=d["label"],
        kind=kind,
        endpoints=endpoints,
        primary=d.get("primary", False),
        time_frame=d.get("time_frame", ""),
        population=d.get("population", "all"),
        window=d.get("window", "efficacy"),
        visit=d.get("visit"),
        visits=_strings(d.get("visits", []), f"{where}.visits"),
        at_day=d.get("at_day"),
        competing=d.get("competing"),
        strata=d.get("strata"),
        covariance=d.get("covariance"),
        definition=tuple(sorted(d.get("definition", {}).items())),
    )


def _aesi(items: list) -> tuple[AESI, ...]:
    out = []
    spec = {
        "name": _STR,
        "label": _STR,
        "body_system": _STR,
        "terms": _LIST,
        "infusion_related": _BOOL,
    }
    for i, item in enumerate(items):
        d = _table(item, f"aesi[{i}]", spec, ("name",))
        if not ({"body_system", "terms", "infusion_related"} & set(d)):
            raise PlanError(f"aesi[{i}]: give body_system, terms or infusion_related")
        out.append(
            AESI(
                d["name"],
                d.get("label", d["name"]),
                d.get("body_system"),
                _strings(d.get("terms", []), f"aesi[{i}].terms"),
                d.get("infusion_related", False),
            )
        )
    return tuple(out)


def _figures(data: dict) -> Figures:
    spec = {
        "kinds": _LIST,
        "trajectories": _LIST,
        "style": _STR,
        "formats": _LIST,
        "dpi": _INT,
        "time_unit": _STR,
    }
    d = _table(data, "figures", spec)
    kinds = _strings(d.get("kinds", list(FIGURE_KINDS)), "figures.kinds")
    for k in kinds:
        _choice("figures.kinds", k, FIGURE_KINDS)
    formats = _strings(d.get("formats", list(FIGURE_FORMATS)), "figures.formats")
    for f in formats:
        _choice("figures.formats", f, FIGURE_FORMATS)
    if "png" not in formats:
        raise PlanError("figures.formats: must include 'png' (the page embeds the PNG)")
    dpi = d.get("dpi", 200)
    if not 50 <= dpi <= 1200:
        raise PlanError(f"figures.dpi: {dpi} is outside 50-1200")
    return Figures(
        kinds,
        _strings(d.get("trajectories", []), "figures.trajectories"),
        _choice("figures.style", d.get("style", "publication"), STYLES),
        formats,
        dpi,
        _choice("figures.time_unit", d.get("time_unit", "weeks"), TIME_UNITS),
    )


_TOP = {
    "study": _TABLE,
    "populations": _LIST,
    "schedule": _TABLE,
    "windows": _TABLE,
    "analysis": _TABLE,
    "definitions": _TABLE,
    "outcomes": _LIST,
    "figures": _TABLE,
    "aesi": _LIST,
}
_ANALYSIS = {
    "landmark_days": _LIST,
    "missing": _STR,
    "firth_below": _INT,
    "variants": _LIST,
    "all_subjects": _BOOL,
    "generic": _BOOL,
    "notes": _LIST,
}


def plan_from_dict(data: dict[str, Any]) -> AnalysisPlan:
    """An :class:`AnalysisPlan` from a parsed ``plan.toml`` mapping (strict; see module)."""
    from survlupus.plan.checks import check_plan

    d = _table(data, "plan", _TOP, ("study",))
    windows = d.get("windows", {"efficacy": 183})
    for name, days in windows.items():
        _check(f"windows.{name}", days, int)
    if "efficacy" not in windows:
        raise PlanError("windows.efficacy: required (the analysis window of the main ADTTE)")
    for name, days in windows.items():
        if not 1 <= days <= 36525:
            raise PlanError(f"windows.{name}: {days} days is outside 1-36525")
    a = _table(d.get("analysis", {}), "analysis", _ANALYSIS)
    definitions = tuple(
        (code, tuple(sorted(_table(v, f"definitions.{code}", {k: object for k in v}).items())))
        for code, v in sorted(d.get("definitions", {}).items())
    )
    plan = AnalysisPlan(
        study=_study(d["study"]),
        populations=_populations(d.get("populations", [])),
        schedule=_schedule(d.get("schedule", {})),
        windows=tuple(windows.items()),
        outcomes=tuple(_outcome(o, i) for i, o in enumerate(d.get("outcomes", []))),
        landmark_days=_ints(a.get("landmark_days", []), "analysis.landmark_days"),
        missing=_choice("analysis.missing", a.get("missing", "non-responder"), MISSING_RULES),
        firth_below=a.get("firth_below", 1),
        variants=_strings(a.get("variants", []), "analysis.variants"),
        all_subjects=a.get("all_subjects", False),
        definitions=definitions,
        figures=_figures(d.get("figures", {})),
        aesi=_aesi(d.get("aesi", [])),
        generic=a.get("generic", False),
        notes=_strings(a.get("notes", []), "analysis.notes"),
    )
    check_plan(plan)
    return plan


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a mapping; a :class:`PlanError` naming the file if it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise PlanError(f"{path}: cannot be read: {exc.strerror}") from None


def load_plan(path: str | Path) -> AnalysisPlan:
    """Read a ``plan.toml`` (``docs/plan.md``) strictly.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    AnalysisPlan

    Raises
    ------
    PlanError
        Not TOML, an unknown key, a wrong type or a value out of range, naming the file and the
        key (``outcomes[0].vist: unknown key; known: ...``).

    Examples
    --------
    >>> plan = survlupus.load_plan("data/synthetic/musc/plan.toml")
    >>> plan.study.reference_arm, len(plan.outcomes)
    ('Placebo', 19)
    """
    data = read_toml(path)
    try:
        return plan_from_dict(data)
    except PlanError as exc:
        raise PlanError(f"{path}: {exc}") from None
