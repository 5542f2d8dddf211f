"""``Results``: everything one analysis of a trial produced, in one object.

``datasets`` (ADTTE per window, flare episodes, ADRS, changes from baseline), ``tte`` (one
:class:`TTEFit` per parameter, population and window), ``responders`` (one responder summary per
parameter and population), ``changes`` (the change summary of each change outcome), and
``outcomes``: the tidy table of every outcome measure (see :mod:`survlupus.analyse.outcomes`).
The report's tables, figures and page are drawn from this object; a notebook gets the same ones:

>>> results = survlupus.analyse(trial)                 # doctest: +SKIP
>>> results.outcomes                                    # doctest: +SKIP
>>> results.table("tte_summary")                        # doctest: +SKIP
>>> fig = results.figure("km", "TTSFLR")                # the figure the page shows  # doctest: +SKIP
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from survlupus.analyse.definitions import definition_rows
from survlupus.analyse.fits import TTEFit
from survlupus.analyse.forest import forest_rows, subgroup_rows
from survlupus.analyse.wording import outcome_overview
from survlupus.plan.model import AnalysisPlan
from survlupus.stats.tables import summary_frame, summary_rows

TABLES = (
    "outcome_measures",
    "tte_summary",
    "responder_summary",
    "change_from_baseline",
    "lsmeans",
    "mmrm_contrasts",
    "forest",
    "definitions",
)
"""The tables every analysis has (some may be empty); ``outcome_<n>`` tables are added for the
longitudinal outcomes (slopes, geometric mean ratios, normalisation, shift tables, responders by
visit)."""


@dataclass(eq=False)
class Results:
    """The results of ``analyse(trial, plan)`` (see the module docstring)."""

    trial: object = field(repr=False)
    plan: AnalysisPlan
    arms: tuple[str, ...]
    datasets: dict[str, pd.DataFrame] = field(repr=False)
    tte: dict[tuple[str, str, str], TTEFit] = field(repr=False)
    responders: dict[tuple[str, str], pd.DataFrame] = field(repr=False)
    changes: dict[int, pd.DataFrame] = field(repr=False)
    outcomes: pd.DataFrame = field(repr=False)
    mmrm: dict[tuple[str, str], object] = field(default_factory=dict, repr=False)
    longitudinal: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)
    safety: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def fit(self, paramcd: str, population: str = "all", window: str = "efficacy") -> TTEFit:
        """The fits of one time-to-event parameter (a ``KeyError`` lists what exists)."""
        key = (paramcd, population, window)
        if key not in self.tte:
            known = ", ".join("/".join(k) for k in self.tte)
            raise KeyError(f"no fit of {'/'.join(key)}; the plan fitted: {known}")
        return self.tte[key]

    def table(self, name: str) -> pd.DataFrame:
        """One of the report's tables by name (``TABLES`` and ``outcome_<n>``)."""
        if name not in self._tables:
            raise KeyError(f"unknown table {name!r}; known: {', '.join(self._tables)}")
        return self._tables[name]

    @property
    def table_names(self) -> list[str]:
        return list(self._tables)

    @cached_property
    def _tables(self) -> dict[str, pd.DataFrame]:
        landmarks = self.plan.landmark_days
        rows = []
        for (_code, pop, window), fit in self.tte.items():
            if fit.data.empty:
                continue
            test = (fit.logrank.p, fit.logrank.test) if fit.logrank is not None else None
            hr = (
                (fit.cox.table.set_index("term"), "Firth Cox" if fit.firth else "Cox (Efron)")
                if fit.cox is not None
                else None
            )
            part = summary_rows(fit.data, fit.km, landmarks, "ARM", fit.reference, test, hr)
            for r in part:
                r["population"], r["window"] = pop, window
            rows += part
        tte = summary_frame(rows).frame if rows else pd.DataFrame()
        resp = [s.assign(population=pop) for (code, pop), s in sorted(self.responders.items())]
        changes = [s.assign(outcome=n) for n, s in sorted(self.changes.items()) if len(s)]
        return {
            "outcome_measures": self.outcomes,
            "tte_summary": tte,
            "responder_summary": pd.concat(resp, ignore_index=True) if resp else pd.DataFrame(),
            "change_from_baseline": pd.concat(changes, ignore_index=True)
            if changes
            else pd.DataFrame(),
            "lsmeans": self._mmrm_table("lsmeans"),
            "mmrm_contrasts": self._mmrm_table("contrasts"),
            "forest": self.forest(),
            "definitions": definition_rows(self.plan, self.datasets),
            **{f"outcome_{n}": t for n, t in sorted(self.longitudinal.items())},
            **dict(self.safety),
        }

    def _mmrm_table(self, part: str) -> pd.DataFrame:
        frames = [
            getattr(fit, part).assign(PARAMCD=code, population=pop)
            for (code, pop), fit in self.mmrm.items()
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def forest(self) -> pd.DataFrame:
        """Hazard ratios vs the reference of every time-to-event outcome in the whole
        population (efficacy window): the forest plot's table."""
        return forest_rows(
            (
                f
                for (_, pop, window), f in self.tte.items()
                if pop == "all" and window == "efficacy"
            ),
            self.plan,
        )

    def subgroup_forest(self, paramcd: str | None = None) -> pd.DataFrame:
        """The treatment effect of ``paramcd`` (default: the primary, else the first,
        time-to-event outcome) within subgroups, with interaction p-values (the subgroup forest's
        table; fitted on the first call, then kept)."""
        plan = self.plan
        if not plan.controlled:
            raise ValueError("a subgroup forest compares arms: the plan has a single arm")
        if paramcd is None:
            tte = [o for o in plan.outcomes if o.kind == "tte" and o.population == "all"]
            if not tte:
                raise ValueError("the plan has no time-to-event outcome in all subjects")
            paramcd = next((o for o in tte if o.primary), tte[0]).endpoints[0]
        adtte = self.datasets["adtte"]
        if paramcd not in set(adtte["PARAMCD"]):
            raise ValueError(f"{paramcd!r} is not a parameter of the ADTTE")
        kept = self.__dict__.setdefault("_subgroup_forests", {})
        if paramcd not in kept:
            kept[paramcd] = subgroup_rows(
                adtte,
                self.trial.subjects,
                paramcd,
                plan.study.reference_arm,
                list(self.arms),
                plan.firth_below,
                plan,
                overall=self.tte.get((paramcd, "all", "efficacy")),
            )
        return kept[paramcd]

    def figure(self, kind: str, key: str | None = None):
        """The figure the report shows: ``kind`` one of ``km``, ``cif``, ``forest``,
        ``swimmer``, ``trajectory``, ``trajectory_mean``; ``key`` a PARAMCD
        (``"TTRFLR@nephritis"`` for another population) or a visit variable."""
        from survlupus.render.figures.catalogue import draw  # drawing lives in render

        return draw(self, kind, key)

    def __repr__(self) -> str:
        o = self.outcomes
        ne = int((~o["evaluable"]).sum())
        return (
            f"<Results {self.plan.study.id!r}: {self.trial.n_subjects} subjects, arms "
            f"{', '.join(self.arms)}; {o['number'].nunique()} outcome measures, {len(o)} rows "
            f"({ne} not evaluable); {len(self.tte)} time-to-event fits>"
        )

    def _repr_html_(self) -> str:
        shown = outcome_overview(self.outcomes).drop(columns="method")
        head = html.escape(repr(self))
        tail = (
            "<p><small>Methods and every number: <code>results.outcomes</code>; a table: "
            "<code>results.table(name)</code> (<code>results.table_names</code>); a figure: "
            "<code>results.figure(kind, key)"
            "</code>.</small></p>"
        )
        return f"<p>{head}</p>" + shown.to_html(index=False, border=0, na_rep="") + tail
