"""The statistical analysis plan as data (see :mod:`survlupus.plan.model`)."""

from survlupus.plan.generic import generic_plan, infer_schedule
from survlupus.plan.library import RESPONDER_LIBRARY, endpoint_library, override
from survlupus.plan.model import (
    AnalysisPlan,
    Figures,
    Outcome,
    PlanError,
    Population,
    Study,
)
from survlupus.plan.toml import load_plan, plan_from_dict
from survlupus.plan.write import plan_to_toml

__all__ = [
    "RESPONDER_LIBRARY",
    "AnalysisPlan",
    "Figures",
    "Outcome",
    "PlanError",
    "Population",
    "Study",
    "endpoint_library",
    "generic_plan",
    "infer_schedule",
    "load_plan",
    "override",
    "plan_from_dict",
    "plan_to_toml",
]
