"""The self-contained ``index.html``: inline CSS, figures embedded as PNG data URIs, no network.

A tiny inline script marks the page once every figure has decoded (``data-images-ok`` on
``<body>``), which the headless-browser test reads.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from survlupus.analyse.wording import BY_VISIT, outcome_display, outcome_overview

CSS = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #0072B2; padding-bottom: .2em; }
h3 { margin-top: 1.5em; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #eef4fa; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; }
.note { color: #555; font-size: .9em; }
.wide { overflow-x: auto; }
.warning { background: #fff4e5; border-left: 4px solid #E69F00; padding: .5em; }
nav a { margin-right: 1em; }
details { margin: .3em 0; } summary { cursor: pointer; font-weight: bold; }
"""

SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('img');
  var ok = 0;
  imgs.forEach(function (i) { if (i.complete && i.naturalWidth > 0) { ok += 1; } });
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-images-ok', ok);
});
"""


def esc(text) -> str:
    return html.escape("" if text is None else str(text))


def table_html(df: pd.DataFrame, table_id: str, float_digits: int = 3) -> str:
    def fmt(v):
        if isinstance(v, float):
            return "" if pd.isna(v) else (str(int(v)) if v == int(v) else f"{v:.{float_digits}g}")
        if isinstance(v, pd.Timestamp):
            return v.strftime("%Y-%m-%d")
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(fmt(v))}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return (
        f'<table id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def figure_html(png: Path, caption: str, fig_id: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        f'<figure id="{esc(fig_id)}"><img alt="{esc(caption)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{esc(caption)}</figcaption></figure>'
    )


def page(title: str, sections: list[tuple[str, str, str]]) -> str:
    """``sections``: (anchor, heading, inner html)."""
    nav = "".join(f'<a href="#{esc(a)}">{esc(h)}</a>' for a, h, _ in sections)
    body = "".join(
        f'<section id="{esc(a)}"><h2>{esc(h)}</h2>{inner}</section>' for a, h, inner in sections
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{CSS}</style><script>{SCRIPT}</script></head>"
        f"<body><h1>{esc(title)}</h1><nav>{nav}</nav>{body}</body></html>\n"
    )


def _overview(trial) -> str:
    s = trial.subjects
    by = s.groupby(["arm", s["subgroup"].fillna("")]).size().reset_index(name="subjects")
    by.columns = ["arm", "subgroup", "subjects"]
    follow = (s["end_date"] - s["start_date"]).dt.days + 1
    text = (
        f"<p>{trial.n_subjects} subjects, {len(trial.visits)} visit records, "
        f"{len(trial.events)} clinical events. Follow-up from day 1 to the last contact: "
        f"median {follow.median():.0f} days (range {follow.min():.0f}-{follow.max():.0f}); "
        f"{int(s['discontinued'].fillna(False).astype(bool).sum())} discontinued early.</p>"
    )
    return text + table_html(by, "overview")


def _plan_banner(plan) -> str:
    s = plan.study
    text = (
        f"<p>Study {esc(s.id)}: {esc(s.design)}"
        + (f", each arm against {esc(s.reference_arm)}" if plan.controlled else "")
        + f"; analysis window {plan.window_days()} days; {len(plan.outcomes)} outcome measures; "
        "the plan run is <code>plan.toml</code> beside this page.</p>"
    )
    if plan.generic:
        text = (
            '<p class="warning"><b>Generic plan.</b> The trial folder has no plan.toml, so this '
            "report analyses a plan inferred from the data: "
            + esc("; ".join(plan.notes))
            + ". Edit the plan.toml written beside this page, put it in the trial folder and "
            "rerun.</p>"
        ) + text
    return text


AUDIT_PER_PAGE = 250
"""Subjects per audit page: up to this many the audit is on the report's page, above it on pages
of their own (``audit/page-001.html`` ...), linked from it."""
AUDIT_NOTE = (
    '<p class="note">Every derived event or censoring, with the rule that fired and the '
    "values it read; every responder result with its reason.</p>"
)


def _audit_blocks(adtte, responders, episodes) -> list[tuple[str, str]]:
    """``(subject, html)`` per subject, each table split once with a group-by (linear)."""
    cols = ["PARAMCD", "ADT", "AVAL", "CNSR", "RULE", "EVNTDESC", "CNSDTDSC", "EVIDENCE"]
    resp = dict(tuple(responders.groupby("USUBJID", sort=False))) if len(responders) else {}
    eps = dict(tuple(episodes.groupby("USUBJID", sort=False))) if len(episodes) else {}
    blocks = []
    for sid, a in adtte.groupby("USUBJID", sort=True):
        inner = table_html(a[cols], f"audit-tte-{sid}")
        if sid in resp:
            r = resp[sid][["PARAMCD", "AVISIT", "AVALC", "REASON"]]
            inner += table_html(r, f"audit-rs-{sid}")
        if sid in eps:
            inner += table_html(eps[sid][["TYPE", "EPISODE", "ONSETDT", "RULE"]], f"audit-ep-{sid}")
        blocks.append((sid, f"<details><summary>{esc(sid)}</summary>{inner}</details>"))
    return blocks


def audit_pages(adtte, responders, episodes) -> tuple[str, dict[str, str]]:
    """The audit section of the report's page, and the audit pages of their own (file name to
    HTML; none up to ``AUDIT_PER_PAGE`` subjects)."""
    blocks = _audit_blocks(adtte, responders, episodes)
    if len(blocks) <= AUDIT_PER_PAGE:
        return AUDIT_NOTE + "".join(h for _, h in blocks), {}
    pages, links = {}, []
    for k in range(0, len(blocks), AUDIT_PER_PAGE):
        part = blocks[k : k + AUDIT_PER_PAGE]
        name = f"audit/page-{k // AUDIT_PER_PAGE + 1:03d}.html"
        span = f"{part[0][0]} to {part[-1][0]}"
        pages[name] = page(
            f"Audit: subjects {span}",
            [("audit", f"Audit: subjects {span}", AUDIT_NOTE + "".join(h for _, h in part))],
        )
        links.append(f'<li><a href="{esc(name)}">{esc(span)}</a> ({len(part)} subjects)</li>')
    section = (
        AUDIT_NOTE
        + f"<p>{len(blocks)} subjects, {AUDIT_PER_PAGE} a page (use the browser's search on a "
        "page to find a subject):</p><ul>" + "".join(links) + "</ul>"
    )
    return section, pages


def _outcome_tables(outcomes) -> str:
    """The outcome measures as a reader scans them: one table of every outcome but the changes
    from baseline (each outcome's label, population and method shown once), and one table per
    change outcome with the visits as columns."""
    shown = outcome_display(outcomes)
    is_change = (outcomes["kind"].isin(BY_VISIT) & outcomes["evaluable"]).to_numpy()
    main = outcome_overview(outcomes)
    html = table_html(main.rename(columns={"number": "#"}), "outcomes")
    for number, rows in shown[is_change].groupby("number", sort=False):
        label = rows["outcome"].iloc[0]
        wide = (
            rows.assign(comparison=rows["comparison"].replace("", "-"))
            .pivot_table(
                index=["PARAMCD", "arm", "comparison"],
                columns="visit",
                values="result",
                aggfunc="first",
                sort=False,
            )
            .reset_index()
        )
        html += (
            f"<h3>Outcome {number}: {esc(label)}</h3>"
            f'<p class="note">{esc(rows["method"].iloc[0])}; n per cell.</p>'
            f'<div class="wide">{table_html(wide, f"outcome-{number}-changes")}</div>'
        )
    return html


def _is_safety(results, key) -> bool:
    """A figure key (``TTAE``, ``TTAES@nephritis``) of a time-to-first-adverse-event fit."""
    if not key:
        return False
    code, _, pop = key.partition("@")
    return (code, pop or "all", "safety") in results.tte


def report_page(results, validation, tables: dict, figs: list, audit: str | None = None) -> str:
    """The report's page from ``results``, the validation report, the tables written (name to
    :class:`~survlupus.render.tables.model.ReportTable`) and the figures drawn
    (``(spec, png path)``)."""
    plan, ds = results.plan, results.datasets
    if audit is None:  # the section as the report writes it (its pages are the job's to write)
        audit = audit_pages(ds["adtte"], ds["adrs"], ds["adepisodes"])[0]
    title = plan.study.title or f"survlupus report: {results.trial.source}"
    drawn = [(s, figure_html(png, s.caption, f"fig-{s.name}")) for s, png in figs]

    def of(*kinds, safety: bool | None = None):
        """The figures of these kinds (``safety``: only / none of the adverse-event KMs)."""
        return "".join(
            h
            for s, h in drawn
            if s.kind in kinds and (safety is None or _is_safety(results, s.key) == safety)
        )

    val = tables["validation"]
    val_html = "<p>No problem found.</p>" if val.frame.empty else val.to_html()
    longitudinal = of("lsmeans_panel", "lsmeans", "responders")
    for name in ("mmrm_contrasts", "lsmeans"):
        if len(tables[name].frame):
            longitudinal += f'<div class="wide">{tables[name].to_html()}</div>'
    safety = of("ae_dots")
    for name in [n for n in tables if n.startswith("outcome_") and n != "outcome_measures"]:
        number, _, part = name.removeprefix("outcome_").partition("_")
        title = (
            f"<h3>Outcome {esc(number)}{': ' + esc(part.replace('_', ' ')) if part else ''}</h3>"
        )
        if name in results.safety:
            safety += title + f'<div class="wide">{tables[name].to_html()}</div>'
        else:
            longitudinal += title + f'<div class="wide">{tables[name].to_html()}</div>'
    safety_km = of("km", safety=True)
    sections = [
        ("plan", "Analysis plan", _plan_banner(plan)),
        ("overview", "Trial overview", _overview(results.trial)),
        ("outcomes", "Outcome measures", _outcome_tables(results.outcomes)),
        (
            "tte",
            "Time-to-event endpoints",
            tables["tte_summary"].to_html()
            + of("km", "cif", "forest", "forest_subgroups", safety=False),
        ),
        (
            "responders",
            "Responder endpoints",
            tables["responder_summary"].to_html(),
        ),
        ("longitudinal", "Longitudinal outcomes", longitudinal or "<p>None in the plan.</p>"),
        ("safety", "Safety", (safety + safety_km) or "<p>No safety outcome in the plan.</p>"),
        ("swimmer", "Swimmer plot", of("swimmer")),
        (
            "trajectories",
            "Trajectories and changes from baseline",
            of("trajectory", "trajectory_mean") + tables["change_from_baseline"].to_html(),
        ),
        ("definitions", "Definitions", tables["definitions"].to_html()),
        ("validation", "Data validation", val_html),
        ("audit", "Audit: every derivation, subject by subject", audit),
    ]
    return page(title, sections)
