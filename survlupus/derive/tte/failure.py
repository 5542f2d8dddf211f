"""Treatment failure: the composite of death, ESRD, sustained creatinine doubling, renal flare,
extrarenal flare and rescue therapy (ALMS; the seed trial adds extrarenal flare)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from survlupus.derive.tte.base import Endpoint, last_adequate_assessment
from survlupus.derive.tte.flares import ExtrarenalFlare
from survlupus.derive.tte.records import Death, RescueTherapy
from survlupus.derive.tte.renal import CreatinineDoubling, EndStageRenalDisease, RenalFlare


def _default_components() -> tuple[Endpoint, ...]:
    return (
        Death(),
        EndStageRenalDisease(),
        CreatinineDoubling(),
        RenalFlare(),
        ExtrarenalFlare(),
        RescueTherapy(),
    )


@dataclass(frozen=True)
class TreatmentFailure(Endpoint):
    """The earliest of the component events (EVNTDESC names the component); censored at the last
    adequate renal assessment (creatinine and UPCR)."""

    paramcd: str = "TTTF"
    param: str = "Time to treatment failure (days)"
    scope: str | None = "nephritis"
    citation: str = (
        "Dooley MA et al. N Engl J Med 2011;365:1886-95 (ALMS); extrarenal flare added as in the "
        "CS20AT04 phase IIa trial registration (Hanyang University Seoul Hospital, 2021)"
    )
    components: tuple[Endpoint, ...] = field(default_factory=_default_components)
    death_is_event = True

    def sources(self, trial, panel):
        from survlupus.derive.tte.adtte import event_sources_of

        events = []
        for comp in self.components:
            comp_events = event_sources_of(comp, trial, panel)
            for src in comp_events:
                events.append(
                    replace(
                        src,
                        description=f"treatment failure: {comp.param.split(' (')[0].replace('Time to ', '')}",
                    )
                )
        censor = last_adequate_assessment(panel, ["creatinine_umol_l", "upcr_g_g"])
        return events, [censor]
