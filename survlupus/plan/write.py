"""Writing a plan as ``plan.toml`` (the report writes the plan it ran beside its output);
reading what :func:`plan_to_toml` wrote gives the same plan."""

from __future__ import annotations

import json
from typing import Any

from survlupus.plan.model import AnalysisPlan


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r} to TOML")


def _lines(table: dict[str, Any]) -> list[str]:
    return [f"{k} = {_value(v)}" for k, v in table.items() if v is not None]


def plan_to_toml(plan: AnalysisPlan, header: str = "") -> str:
    """The plan as ``plan.toml`` text; :func:`survlupus.load_plan` reads it back to an equal plan.

    Parameters
    ----------
    plan : AnalysisPlan
    header : str
        A comment for the top of the file.

    Returns
    -------
    str

    Examples
    --------
    >>> import tomllib
    >>> plan = survlupus.load_plan("data/synthetic/musc/plan.toml")
    >>> survlupus.plan.plan_from_dict(tomllib.loads(survlupus.plan_to_toml(plan))) == plan
    True
    """
    s = plan.study
    out = [f"# {line}" if line else "#" for line in header.splitlines()]
    out += [
        "[study]",
        *_lines(
            {
                "id": s.id,
                "title": s.title,
                "design": s.design,
                "arms": list(s.arms),
                "reference_arm": s.reference_arm,
            }
        ),
    ]
    out += ["", "[windows]", *_lines(dict(plan.windows))]
    analysis = {
        "landmark_days": list(plan.landmark_days),
        "missing": plan.missing,
        "firth_below": plan.firth_below,
        "variants": list(plan.variants),
        "all_subjects": plan.all_subjects,
    }
    if plan.generic:
        analysis.update(generic=True, notes=list(plan.notes))
    out += ["", "[analysis]", *_lines(analysis)]
    f = plan.figures
    out += [
        "",
        "[figures]",
        *_lines(
            {
                "kinds": list(f.kinds),
                "trajectories": list(f.trajectories),
                "style": f.style,
                "formats": list(f.formats),
                "dpi": f.dpi,
                "time_unit": f.time_unit,
            }
        ),
    ]
    for a in plan.aesi:
        out += [
            "",
            "[[aesi]]",
            *_lines(
                {
                    "name": a.name,
                    "label": a.label,
                    "body_system": a.body_system,
                    "terms": list(a.terms) or None,
                    "infusion_related": a.infusion_related or None,
                }
            ),
        ]
    for code, values in plan.definitions:
        out += ["", f"[definitions.{code}]", *_lines(dict(values))]
    for p in plan.populations[1:] if plan.populations[0].name == "all" else plan.populations:
        out += [
            "",
            "[[populations]]",
            *_lines({"name": p.name, "label": p.label, "subgroup": p.subgroup}),
        ]
    if plan.schedule:
        out += ["", "[schedule]", "visits = ["]
        out += [
            f"  {{ label = {_value(w.label)}, day = {w.day}, "
            + (
                f"window = {w.before} }},"
                if w.before == w.after
                else f"before = {w.before}, after = {w.after} }},"
            )
            for w in plan.schedule
        ]
        out += ["]"]
    for o in plan.outcomes:
        row = {
            "number": o.number,
            "label": o.label,
            "primary": o.primary,
            "kind": o.kind,
            "endpoints": list(o.endpoints),
            "time_frame": o.time_frame,
            "population": o.population,
            "window": o.window,
            "visit": o.visit,
            "visits": list(o.visits) or None,
            "at_day": o.at_day,
            "competing": o.competing,
            "strata": o.strata,
            "covariance": o.covariance,
            "definition": dict(o.definition) or None,
        }
        out += ["", "[[outcomes]]", *_lines(row)]
    return "\n".join(out) + "\n"
