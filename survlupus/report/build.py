"""The main job: from a trial folder to every dataset, table and figure, and one HTML page.

    survlupus report DIR --out OUT [--config analysis.toml]

Steps (each announced on stderr): read and validate; derive ADTTE, flare episodes, responders and
changes from baseline; analyse (Kaplan-Meier, log-rank, Cox/Firth, cumulative incidence,
responder proportions, the seed outcome table); draw the figures; write
``OUT/datasets/`` (CSV, Parquet, XPT v5), ``OUT/tables/`` (CSV, HTML, LaTeX), ``OUT/figures/``
(PDF, SVG, PNG) and ``OUT/index.html``. Same data and config, same bytes.

>>> result = write_report("data/synthetic/cs20at04", "out/cs20at04")    # doctest: +SKIP
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from survlupus.clinical.windows import SCHEDULES  # noqa: E402
from survlupus.config import Config, report_config  # noqa: E402
from survlupus.endpoints.adtte import derive_adtte  # noqa: E402
from survlupus.endpoints.change import change_from_baseline, summarise_change  # noqa: E402
from survlupus.endpoints.episodes import derive_episodes  # noqa: E402
from survlupus.endpoints.outcomes import outcome_measures  # noqa: E402
from survlupus.endpoints.responders import default_responders, derive_responders  # noqa: E402
from survlupus.errors import raise_if_errors  # noqa: E402
from survlupus.export import (  # noqa: E402
    ADTTE_LABELS,
    EPISODE_LABELS,
    RESPONDER_LABELS,
    write_dataset,
)
from survlupus.plots.forest import forest_table, plot_forest  # noqa: E402
from survlupus.plots.km import km_annotation, plot_cif, plot_km  # noqa: E402
from survlupus.plots.save import save_figure  # noqa: E402
from survlupus.plots.style import figure_style, width_inches  # noqa: E402
from survlupus.plots.swimmer import plot_swimmer  # noqa: E402
from survlupus.plots.trajectories import plot_trajectory  # noqa: E402
from survlupus.report import html  # noqa: E402
from survlupus.stats.compare import logrank  # noqa: E402
from survlupus.stats.competing import cumulative_incidence  # noqa: E402
from survlupus.stats.cox import cox  # noqa: E402
from survlupus.stats.km import kaplan_meier  # noqa: E402
from survlupus.stats.proportions import responder_summary  # noqa: E402
from survlupus.stats.tables import summary_table  # noqa: E402
from survlupus.trial.read import validate_trial  # noqa: E402

STEPS = 8


@dataclass
class ReportResult:
    out: Path
    written: list[Path] = field(default_factory=list)
    adtte: pd.DataFrame | None = None
    responders: pd.DataFrame | None = None
    tte_summary: pd.DataFrame | None = None
    responder_summary: pd.DataFrame | None = None
    outcomes: pd.DataFrame | None = None

    def summary(self) -> str:
        kinds = {}
        for p in self.written:
            kinds.setdefault(p.parent.name if p.parent != self.out else "page", []).append(p)
        parts = [f"{len(v)} {k}" for k, v in sorted(kinds.items())]
        return f"wrote {len(self.written)} files to {self.out}: " + ", ".join(parts)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def write_report(
    source,
    out: str | Path,
    config: Config | None = None,
    units: Mapping[str, str] | None = None,
    progress: Callable[[str], None] = _stderr,
) -> ReportResult:
    """Run the whole analysis and write it under ``out`` (see the module docstring)."""
    cfg = config or report_config(None)
    rc = cfg.report
    out = Path(out)
    res = ReportResult(out)
    step = iter(range(1, STEPS + 1))

    def say(msg: str) -> None:
        progress(f"[{next(step)}/{STEPS}] {msg}")

    say(f"reading and validating {source}")
    report = validate_trial(source, units)
    raise_if_errors(report.problems)
    trial = report.trial

    say("deriving time-to-event endpoints, flare episodes and responders")
    adtte = derive_adtte(
        trial,
        cfg.derive.endpoints or None,
        window_days=cfg.derive.window_days,
        all_subjects=cfg.derive.all_subjects,
    )
    episodes = derive_episodes(trial, window_days=cfg.derive.window_days)
    schedule = SCHEDULES[rc.schedule]
    responders = derive_responders(
        trial, default_responders(rc.visit), schedule=schedule, missing=rc.missing
    )
    seed_resp = (
        responders
        if rc.visit == "W24"
        else derive_responders(
            trial, default_responders("W24"), schedule=schedule, missing=rc.missing
        )
    )
    changes = change_from_baseline(
        trial,
        (
            "hemoglobin_g_dl",
            "wbc_10e9_l",
            "platelets_10e9_l",
            "creatinine_umol_l",
            "egfr_ml_min",
            "upcr_g_g",
        ),
        schedule=schedule,
    )
    res.adtte, res.responders = adtte, responders

    say("analysing (Kaplan-Meier, log-rank, Cox, cumulative incidence, proportions)")
    arms = sorted(trial.subjects["arm"].unique(), key=str)
    ref = rc.reference_arm if rc.reference_arm in arms else None
    codes = list(dict.fromkeys(adtte["PARAMCD"]))
    tte = summary_table(adtte, codes, by="ARM", reference=ref, landmarks=rc.landmark_days)
    resp_sum = responder_summary(responders, by="ARM", reference=ref)
    outcomes = outcome_measures(trial, adtte, seed_resp, day=max(rc.landmark_days))
    change_sum = summarise_change(changes)
    res.tte_summary, res.responder_summary, res.outcomes = tte.frame, resp_sum, outcomes

    say("writing datasets (CSV, Parquet, XPT v5)")
    ds = out / "datasets"
    for name, df, labels, member in (
        ("adtte", adtte, ADTTE_LABELS, "ADTTE"),
        ("adepisodes", episodes, EPISODE_LABELS, "ADEPIS"),
        ("adrs", responders, RESPONDER_LABELS, "ADRS"),
        ("adchange", changes, {}, "ADCHG"),
    ):
        for ext in ("csv", "parquet", "xpt"):
            res.written.append(write_dataset(df, ds / f"{name}.{ext}", labels=labels, name=member))

    say("writing tables (CSV, HTML, LaTeX)")
    tables = {
        "tte_summary": tte.frame,
        "responder_summary": resp_sum,
        "outcome_measures": outcomes,
        "change_from_baseline": change_sum,
        "validation": report.to_frame(),
    }
    from survlupus.stats.tables import SummaryTable

    (out / "tables").mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        st = SummaryTable(df.reset_index(drop=True))
        st.to_csv(out / "tables" / f"{name}.csv")
        st.to_html(out / "tables" / f"{name}.html")
        st.to_latex(out / "tables" / f"{name}.tex")
        res.written += [out / "tables" / f"{name}.{e}" for e in ("csv", "html", "tex")]

    say("drawing figures")
    figs = _figures(trial, adtte, episodes, codes, ref, rc, out / "figures", res)

    say("writing index.html")
    page = _page(
        trial, report, rc, adtte, responders, episodes, tte, resp_sum, outcomes, change_sum, figs
    )
    (out / "index.html").write_text(page, encoding="utf-8")
    res.written.append(out / "index.html")
    say(res.summary())
    return res


def _figures(trial, adtte, episodes, codes, ref, rc, fig_dir, res) -> list[tuple[str, str, Path]]:
    figs: list[tuple[str, str, Path]] = []

    def save(fig, name, caption):
        paths = save_figure(fig, fig_dir / name, formats=rc.figure_formats, dpi=rc.dpi)
        plt.close(fig)
        res.written.extend(paths)
        png = fig_dir / f"{name}.png"
        figs.append((name, caption, png))

    multi = adtte["ARM"].nunique() > 1
    with figure_style(rc.style):
        for code in codes:
            sub = adtte[adtte["PARAMCD"] == code]
            km = kaplan_meier(adtte, code, by="ARM")
            ann = None
            if multi and (sub["CNSR"] == 0).any():
                fit = cox(adtte, code, ["ARM"], reference=ref) if ref else None
                ann = km_annotation(
                    logrank(adtte, code, "ARM"), fit if fit is not None and not fit.notes else None
                )
            positive = code.startswith("TTCR")
            fig, _ = plot_km(
                km,
                cumulative=positive,
                annotation=ann,
                risk_rows=("n_risk", "cum_events", "cum_censored"),
                title=sub["PARAM"].iloc[0],
            )
            fig.set_size_inches(width_inches("double"), 3.6 + 0.25 * km.table["group"].nunique())
            save(fig, f"km_{code.lower()}", f"Kaplan-Meier: {sub['PARAM'].iloc[0]}")
        if "TTRFLR" in codes and rc.competing in codes:
            cif = cumulative_incidence(adtte, "TTRFLR", competing=rc.competing, by="ARM")
            fig, _ = plot_cif(cif, title=f"Renal flare, {rc.competing} competing")
            fig.set_size_inches(width_inches("double"), 3.8)
            save(
                fig,
                "cif_ttrflr",
                "Cumulative incidence of renal flare with death competing (Aalen-Johansen)",
            )
        if multi and ref:
            tab = forest_table(adtte, codes, by="ARM", reference=ref)
            if len(tab):
                fig, _ = plot_forest(
                    tab, favours=("treatment", ref), columns=("estimate", "events")
                )
                fig.set_size_inches(width_inches("double"), 0.3 * len(tab) + 1.2)
                save(fig, "forest_hr", f"Hazard ratios vs {ref} across endpoints")
        fig, _ = plot_swimmer(trial, episodes, adtte, color_by="arm" if multi else "subgroup")
        fig.set_size_inches(width_inches("double"), 0.16 * trial.n_subjects + 1.4)
        save(
            fig,
            "swimmer",
            "Each subject's course: infusions, flares, remission, rescue, "
            "dialysis, death, withdrawal",
        )
        for var in rc.trajectories:
            if var != "pred_eq_mg_day" and (
                var not in trial.visits or trial.visits[var].isna().all()
            ):
                continue
            fig, _ = plot_trajectory(trial, var, kind="spaghetti")
            fig.set_size_inches(width_inches("single"), 2.6)
            save(fig, f"trajectory_{var}", f"{var}: each subject")
            fig, _ = plot_trajectory(trial, var, kind="summary")
            fig.set_size_inches(width_inches("single"), 2.6)
            save(fig, f"trajectory_{var}_mean", f"{var}: mean (95% CI) per arm")
    return figs


def _overview(trial, adtte) -> str:
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
    return text + html.table_html(by, "overview")


def _audit(adtte, responders, episodes) -> str:
    parts = [
        '<p class="note">Every derived event or censoring, with the rule that fired and the '
        "values it read; every responder result with its reason.</p>"
    ]
    for sid in sorted(adtte["USUBJID"].unique()):
        a = adtte[adtte["USUBJID"] == sid][
            ["PARAMCD", "ADT", "AVAL", "CNSR", "RULE", "EVNTDESC", "CNSDTDSC", "EVIDENCE"]
        ]
        r = responders[responders["USUBJID"] == sid][["PARAMCD", "AVISIT", "AVALC", "REASON"]]
        e = episodes[episodes["USUBJID"] == sid][["TYPE", "EPISODE", "ONSETDT", "RULE"]]
        inner = html.table_html(a, f"audit-tte-{sid}") + html.table_html(r, f"audit-rs-{sid}")
        if len(e):
            inner += html.table_html(e, f"audit-ep-{sid}")
        parts.append(f"<details><summary>{html.esc(sid)}</summary>{inner}</details>")
    return "".join(parts)


def _page(
    trial, report, rc, adtte, responders, episodes, tte, resp_sum, outcomes, change_sum, figs
) -> str:
    title = rc.title or f"survlupus report: {trial.source}"
    fig_html = {name: html.figure_html(png, cap, f"fig-{name}") for name, cap, png in figs}
    km_figs = "".join(v for k, v in fig_html.items() if k.startswith(("km_", "cif_", "forest")))
    traj = "".join(v for k, v in fig_html.items() if k.startswith("trajectory_"))
    val = report.to_frame()
    val_html = "<p>No problem found.</p>" if val.empty else html.table_html(val, "validation")
    outcome_cols = [
        "number",
        "outcome",
        "subgroup",
        "time_frame",
        "PARAMCD",
        "N",
        "result",
        "definition",
    ]
    sections = [
        ("overview", "Trial overview", _overview(trial, adtte)),
        (
            "outcomes",
            "Outcome measures of the seed trial",
            html.table_html(outcomes[[c for c in outcome_cols if c in outcomes]], "outcomes"),
        ),
        ("tte", "Time-to-event endpoints", html.table_html(tte.display, "tte-summary") + km_figs),
        ("responders", "Responder endpoints", html.table_html(resp_sum, "responder-summary")),
        ("swimmer", "Swimmer plot", fig_html.get("swimmer", "")),
        ("trajectories", "Trajectories", traj + html.table_html(change_sum, "change-summary")),
        ("validation", "Data validation", val_html),
        (
            "audit",
            "Audit: every derivation, subject by subject",
            _audit(adtte, responders, episodes),
        ),
    ]
    return html.page(title, sections)
