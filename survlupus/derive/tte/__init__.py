"""Time-to-event derivation: definitions, the one engine, ADTTE and flare episodes."""

from survlupus.derive.tte.adtte import (
    DEFAULT_WINDOW_DAYS,
    VARIANTS,
    default_endpoints,
    derive_adtte,
    derive_complete_remission,
    derive_creatinine_doubling,
    derive_death,
    derive_endpoint,
    derive_esrd,
    derive_extrarenal_flare,
    derive_haematologic_flare,
    derive_renal_flare,
    derive_rescue_therapy,
    derive_severe_flare,
    derive_treatment_failure,
    list_endpoints,
)
from survlupus.derive.tte.base import Endpoint
from survlupus.derive.tte.engine import CensorSource, Convention, EventSource, derive_tte
from survlupus.derive.tte.episodes import derive_episodes
from survlupus.derive.tte.failure import TreatmentFailure
from survlupus.derive.tte.flares import ExtrarenalFlare, SevereFlare
from survlupus.derive.tte.haematologic import HaematologicFlare
from survlupus.derive.tte.records import Death, RescueTherapy
from survlupus.derive.tte.renal import (
    CompleteRenalRemission,
    CreatinineDoubling,
    EndStageRenalDisease,
    RenalFlare,
)

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "VARIANTS",
    "CensorSource",
    "CompleteRenalRemission",
    "Convention",
    "CreatinineDoubling",
    "Death",
    "EndStageRenalDisease",
    "Endpoint",
    "EventSource",
    "ExtrarenalFlare",
    "HaematologicFlare",
    "RenalFlare",
    "RescueTherapy",
    "SevereFlare",
    "TreatmentFailure",
    "default_endpoints",
    "derive_adtte",
    "derive_complete_remission",
    "derive_creatinine_doubling",
    "derive_death",
    "derive_endpoint",
    "derive_episodes",
    "derive_esrd",
    "derive_extrarenal_flare",
    "derive_haematologic_flare",
    "derive_renal_flare",
    "derive_rescue_therapy",
    "derive_severe_flare",
    "derive_treatment_failure",
    "derive_tte",
    "list_endpoints",
]
