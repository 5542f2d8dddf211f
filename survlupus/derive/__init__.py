"""Derivation: from a validated trial to analysis datasets.

``tte/`` holds the time-to-event rules, the one engine and ADTTE (with flare episodes);
``responders/`` the responder rules and ADRS; ``change`` the changes from baseline.
"""

from survlupus.derive.adae import derive_adae
from survlupus.derive.adsl import derive_adsl
from survlupus.derive.bds import derive_bds
from survlupus.derive.change import change_from_baseline, summarise_change
from survlupus.derive.responders import default_responders, derive_responders
from survlupus.derive.tte import *  # noqa: F403
from survlupus.derive.tte import __all__ as _tte_all
from survlupus.derive.tte.scope import follow_up

__all__ = [
    *_tte_all,
    "change_from_baseline",
    "derive_adae",
    "derive_adsl",
    "derive_bds",
    "default_responders",
    "derive_responders",
    "follow_up",
    "summarise_change",
]
