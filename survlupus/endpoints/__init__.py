"""Endpoints: definitions, the time-to-event engine, ADTTE and flare episodes."""

from survlupus.endpoints.adtte import (
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
from survlupus.endpoints.base import Endpoint
from survlupus.endpoints.engine import CensorSource, Convention, EventSource, derive_tte
from survlupus.endpoints.episodes import derive_episodes
from survlupus.endpoints.failure import TreatmentFailure
from survlupus.endpoints.flares import ExtrarenalFlare, SevereFlare
from survlupus.endpoints.haematologic import HaematologicFlare
from survlupus.endpoints.records import Death, RescueTherapy
from survlupus.endpoints.renal import (
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
