"""How a plan shows itself in Jupyter: the study line and the outcome list as an HTML table."""

from __future__ import annotations

import html

from survlupus.plan.model import AnalysisPlan


def _esc(v) -> str:
    return html.escape("" if v is None else str(v))


def plan_html(plan: AnalysisPlan) -> str:
    s = plan.study
    head = (
        f"<p><b>{_esc(s.title or s.id)}</b> — {_esc(s.design)}"
        + (f", reference arm {_esc(s.reference_arm)}" if s.reference_arm else "")
        + f"; window {plan.window_days()} days; {len(plan.schedule)} scheduled visits"
        + (" <i>(generic plan inferred from the data)</i>" if plan.generic else "")
        + "</p>"
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{_esc(v)}</td>"
            for v in (
                o.number,
                o.label,
                "primary" if o.primary else "secondary",
                o.kind,
                ", ".join(o.endpoints),
                o.visit or ", ".join(o.visits),
                o.population,
                o.time_frame,
            )
        )
        + "</tr>"
        for o in plan.outcomes
    )
    cols = ("#", "outcome", "", "kind", "endpoints", "visit(s)", "population", "time frame")
    return (
        head
        + "<table><thead><tr>"
        + "".join(f"<th>{c}</th>" for c in cols)
        + f"</tr></thead><tbody>{rows}</tbody></table>"
    )
