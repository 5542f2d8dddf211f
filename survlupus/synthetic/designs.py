"""The three synthetic seed-trial designs, as data.

Each design is modelled on one of the seed trial documents (its registry entry, cited per design)
and says what the simulator plants. The *known effect* of an arm is ``hazard``: the probability of every harmful planted event
(severe flare, renal and haematologic flare, progression to creatinine doubling, rescue therapy,
death) is multiplied by it, and the probability of a remission/improvement course is multiplied by
``1 / hazard`` (capped). Placebo has hazard 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class VisitSpec:
    """A nominal visit: label, nominal study day (day 1 = first infusion) and window (± days)."""

    label: str
    day: int
    window: int = 7


@dataclass(frozen=True)
class ArmSpec:
    label: str
    n: int
    dose_cells_per_kg: float
    hazard: float = 1.0


@dataclass(frozen=True)
class Design:
    """A synthetic trial design. ``n`` (CLI ``--n``) sets the subjects per arm."""

    name: str
    title: str
    seed_document: str
    arms: tuple[ArmSpec, ...]
    visits: tuple[VisitSpec, ...]
    infusion_days: tuple[int, ...]
    subgroup_shares: dict[str, float]
    analysis_window_days: int
    steroid_regimen: str  # "taper" (cs20at04 taper to <= 7.5 mg) or "soc" (standard of care)
    id_prefix: str
    default_seed: int
    first_enrolment: str = "2020-01-06"
    enrolment_days: int = 365
    write_descriptors: bool = True
    proteinuria_24h_visits: tuple[str, ...] = ()
    cyclophosphamide_pretreatment: bool = False
    notes: tuple[str, ...] = field(default=())
    serology_effect: dict[str, float] = field(default_factory=dict)
    """Arm → planted serology/PGA effect (0-1; see :mod:`survlupus.synthetic.measures`)."""
    extra_measures: tuple[str, ...] = ()
    """Visit measures beyond the core ones: ``ana_titer``, ``bun_mmol_l``, ``treg_pct``."""

    def with_n(self, n: int | None) -> Design:
        if n is None:
            return self
        arms = tuple(ArmSpec(a.label, n, a.dose_cells_per_kg, a.hazard) for a in self.arms)
        return Design(**{**self.__dict__, "arms": arms})


def _weekly(weeks: range, start_label: str = "W") -> tuple[VisitSpec, ...]:
    return tuple(VisitSpec(f"{start_label}{w}", 7 * w + 1) for w in weeks)


CS20AT04 = Design(
    name="cs20at04",
    title="CS20AT04 phase IIa: HLA-haplo-matched allogeneic BM-MSC in lupus nephritis and cytopenia",
    seed_document="cs20at04-phase2a-outcomes.txt",
    arms=(ArmSpec("CS20AT04", 10, 2.0e6, 1.0),),
    visits=(
        VisitSpec("SCR", -13, 7),
        VisitSpec("D1", 1, 0),
        VisitSpec("D3", 4, 1),
        VisitSpec("W1", 8, 2),
        VisitSpec("W4", 29),
        VisitSpec("W8", 57),
        VisitSpec("W12", 85, 0),
        VisitSpec("W12D3", 88, 1),
        VisitSpec("W13", 92, 2),
        VisitSpec("W16", 113),
        VisitSpec("W20", 141),
        VisitSpec("W24", 169),
        VisitSpec("M12", 365, 30),
        VisitSpec("M36", 1095, 30),
        VisitSpec("M60", 1825, 30),
    ),
    infusion_days=(1, 85),
    subgroup_shares={"nephritis": 0.6, "cytopenia": 0.4},
    analysis_window_days=183,
    steroid_regimen="taper",
    id_prefix="CS",
    default_seed=20210406,
    proteinuria_24h_visits=("SCR", "W12", "W24"),
    notes=(
        "single arm; infusions of 2.0e6 cells/kg on day 1 and week 12 (day 85)",
        "24-week corticosteroid taper to <= 7.5 mg/day prednisone-equivalent",
        "long-term follow-up visits at months 12, 36 and 60",
    ),
)

MUSC = Design(
    name="musc",
    title="MUSC phase 2: umbilical-cord MSC 1e6/kg or 5e6/kg vs placebo on standard of care",
    seed_document="ucmsc-musc-placebo-phase2.txt",
    arms=(
        ArmSpec("MSC low", 27, 1.0e6, 0.7),
        ArmSpec("MSC high", 27, 5.0e6, 0.5),
        ArmSpec("Placebo", 27, 0.0, 1.0),
    ),
    visits=(VisitSpec("SCR", -13, 7), VisitSpec("D1", 1, 0), *_weekly(range(4, 53, 4))),
    infusion_days=(1,),
    subgroup_shares={"nephritis": 0.35, "cytopenia": 0.2},
    analysis_window_days=379,
    steroid_regimen="soc",
    id_prefix="MUSC",
    default_seed=20190801,
    first_enrolment="2019-09-02",
    proteinuria_24h_visits=("SCR", "W24", "W52"),
    notes=(
        "randomised 1:1:1; one infusion on day 1; standard of care continued",
        "visits every 4 weeks to week 52; hazard multipliers MSC low 0.7, MSC high 0.5, placebo 1",
        "planted serology effect: C3, C4, anti-dsDNA and PGA improve more on MSC (truth_trajectories)",
    ),
    serology_effect={"MSC low": 0.6, "MSC high": 1.0, "Placebo": 0.0},
)

NANJING = Design(
    name="nanjing",
    title="Nanjing phase 1: allogeneic BM-MSC after cyclophosphamide in refractory lupus nephritis",
    seed_document="allomsc-nanjing-NCT00698191.txt",
    arms=(ArmSpec("AlloMSC", 20, 1.0e6, 1.0),),
    visits=(
        VisitSpec("SCR", -6, 3),
        VisitSpec("D1", 1, 0),
        *(VisitSpec(f"M{m}", round(30.4375 * m) + 1, 7) for m in range(1, 25)),
    ),
    infusion_days=(1,),
    subgroup_shares={"nephritis": 1.0},
    analysis_window_days=745,
    steroid_regimen="soc",
    id_prefix="NJ",
    default_seed=20070601,
    first_enrolment="2007-06-04",
    write_descriptors=False,
    proteinuria_24h_visits=tuple(["SCR", "D1"] + [f"M{m}" for m in range(1, 25)]),
    cyclophosphamide_pretreatment=True,
    notes=(
        "single arm; cyclophosphamide the day before one infusion of 1e6 cells/kg",
        "monthly visits for 24 months; SLEDAI-2K recorded as a score only (no descriptors)",
        "ANA titre and BUN monthly, regulatory T cells every 3 months (truth_trajectories)",
    ),
    extra_measures=("ana_titer", "bun_mmol_l", "treg_pct"),
)

LTFU = Design(
    name="ltfu",
    title="CS20AT04 long-term follow-up (NCT04522505): safety of the phase 1 participants, 5 years",
    seed_document="cs20at04-ltfu-NCT04522505.txt",
    arms=(ArmSpec("CS20AT04", 9, 2.0e6, 1.0),),
    visits=(
        VisitSpec("SCR", -13, 7),
        VisitSpec("D1", 1, 0),
        VisitSpec("M3", 92, 14),
        VisitSpec("M6", 183, 14),
        *(VisitSpec(f"M{12 * y}", round(365.25 * y) + 1, 30) for y in range(1, 6)),
    ),
    infusion_days=(1,),
    subgroup_shares={"nephritis": 1.0},
    analysis_window_days=1857,
    steroid_regimen="soc",
    id_prefix="LTFU",
    default_seed=20200701,
    first_enrolment="2019-03-04",
    enrolment_days=240,
    notes=(
        "phase 1 (CS20AT04-LN101) participants in lupus nephritis, one infusion on day 1",
        "visits 3 and 6 months after the infusion, then every 12 months to 5 years",
        "adverse events common early (infusion day, first months), rare late (malignancy)",
    ),
)

DESIGNS: dict[str, Design] = {d.name: d for d in (CS20AT04, MUSC, NANJING, LTFU)}
