"""One time-to-event parameter in one population, fitted once: Kaplan-Meier by arm, log-rank
(global and each arm against the reference), the Cox hazard ratios against the reference (Firth's
penalised model when an arm has fewer events than the plan's ``firth_below``) and, where asked,
the Aalen-Johansen cumulative incidence with a competing event.

Every table, figure and outcome row of a report reads these objects; nothing refits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from survlupus.errors import DataError
from survlupus.stats.compare import LogRankResult, logrank
from survlupus.stats.competing import CumulativeIncidence, cumulative_incidence
from survlupus.stats.cox import CoxResult, cox
from survlupus.stats.display import html_table
from survlupus.stats.finegray import FineGrayResult, fine_gray
from survlupus.stats.km import KaplanMeier, kaplan_meier


@dataclass(frozen=True)
class TTEFit:
    """The fits of ``paramcd`` in ``population`` (ADTTE rows in ``data``).

    ``cox`` is None for a single-arm design or when there is no event; ``firth`` says whether it
    is Firth's penalised model. ``events`` counts events per arm.
    """

    paramcd: str
    population: str
    window: str
    data: pd.DataFrame = field(repr=False)
    km: KaplanMeier = field(repr=False)
    events: dict
    logrank: LogRankResult | None = field(default=None, repr=False)
    cox: CoxResult | None = field(default=None, repr=False)
    firth: bool = False
    cif: CumulativeIncidence | None = field(default=None, repr=False)
    competing: str | None = None
    reference: str | None = None
    strata: str | None = None
    notes: tuple[str, ...] = ()
    fine_gray: FineGrayResult | None = field(default=None, repr=False)

    @property
    def model(self) -> str:
        return "Firth penalised Cox (Breslow)" if self.firth else "Cox (Efron)"

    @property
    def param(self) -> str:
        return str(self.data["PARAM"].iloc[0]) if len(self.data) else self.paramcd

    def __repr__(self) -> str:
        ev = ", ".join(f"{k}: {v}" for k, v in self.events.items())
        return f"<TTEFit {self.paramcd} in {self.population}: n={len(self.data)}, events {ev}>"

    def summary(self) -> pd.DataFrame:
        """Per arm: n, events, median (CI) and, against the reference, HR (CI) and log-rank p."""
        med = self.km.median().set_index("group")
        rows = []
        for arm in self.km.groups:
            row = {
                "arm": arm,
                "n": int((self.data["ARM"] == arm).sum()),
                "events": self.events[arm],
                "median": med.loc[arm, "estimate"],
                "median lower": med.loc[arm, "lower"],
                "median upper": med.loc[arm, "upper"],
            }
            if self.cox is not None and arm != self.reference:
                t = self.cox.table.set_index("term").loc[f"ARM[{arm}]"]
                p = self.logrank.pairwise.set_index("group").loc[arm, "p"]
                row.update(HR=t["hr"], **{"HR lower": t["lower"], "HR upper": t["upper"]}, p=p)
            rows.append(row)
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        head = repr(self) + (f"; HR vs {self.reference}: {self.model}" if self.cox else "")
        return html_table(head + "".join(f" Note: {n}" for n in self.notes), self.summary())


def fit_tte(
    adtte: pd.DataFrame,
    paramcd: str,
    population: str,
    window: str,
    *,
    arms: list[str],
    reference: str | None,
    firth_below: int = 1,
    strata: str | None = None,
) -> TTEFit:
    """Fit ``paramcd`` on ``adtte`` (already restricted to the population); add a cumulative
    incidence with :func:`with_competing`."""
    data = adtte[adtte["PARAMCD"] == paramcd]
    km = kaplan_meier(data, paramcd, by="ARM")
    events = {a: int(((data["ARM"] == a) & (data["CNSR"] == 0)).sum()) for a in km.groups}
    notes: list[str] = []
    lr = fit = None
    firth = False
    compared = reference is not None and len(km.groups) > 1 and reference in km.groups
    if compared and sum(events.values()) > 0:
        lr = logrank(data, paramcd, by="ARM", strata=strata, reference=reference)
        firth = min(events.values()) < firth_below
        fit = cox(data, paramcd, ["ARM"], reference=reference, firth=firth)
        notes += list(fit.notes)
    elif compared:
        notes.append("no event in any arm: no test and no hazard ratio")
    return TTEFit(
        paramcd,
        population,
        window,
        data,
        km,
        events,
        lr,
        fit,
        firth,
        None,
        None,
        reference if compared else None,
        strata,
        tuple(notes),
    )


def with_competing(fit: TTEFit, adtte: pd.DataFrame, competing: str) -> TTEFit:
    """``fit`` with the Aalen-Johansen cumulative incidence of its parameter, ``competing`` being
    the competing event (``adtte``: the population's rows, both parameters)."""
    if fit.cif is not None:
        if fit.competing != competing:
            raise ValueError(
                f"{fit.paramcd} in {fit.population}: two competing events asked "
                f"({fit.competing}, {competing}); one per parameter and population"
            )
        return fit
    both = adtte[adtte["PARAMCD"].isin([fit.paramcd, competing])]
    cif = cumulative_incidence(both, fit.paramcd, competing=competing, by="ARM")
    fg, notes = None, fit.notes
    if fit.reference is not None and fit.cox is not None and not fit.firth:
        try:
            fg = fine_gray(both, fit.paramcd, competing, ["ARM"], reference=fit.reference)
        except DataError as exc:  # e.g. fewer events than terms: said, not fitted
            notes = (*notes, f"Fine-Gray model not fitted: {exc.problems[0].message}")
        else:
            notes = (*notes, *(f"Fine-Gray: {n}" for n in fg.notes))
    return replace(fit, cif=cif, competing=competing, fine_gray=fg, notes=notes)
