"""Statistics on tidy frames (ADTTE, ADRS, BDS), never on the trial; checked against R
(validation/r/)."""

from survlupus.stats.compare import LogRankResult, logrank
from survlupus.stats.competing import CumulativeIncidence, cumulative_incidence, gray_test
from survlupus.stats.cox import CoxResult, cox
from survlupus.stats.finegray import FineGrayResult, fine_gray
from survlupus.stats.km import KaplanMeier, kaplan_meier
from survlupus.stats.longitudinal import (
    geometric_mean_ratio,
    normalisation,
    shift_table,
    slopes,
)
from survlupus.stats.mmrm import MMRMResult, mmrm
from survlupus.stats.recurrent import flare_rates, mean_cumulative_function
from survlupus.stats.rmst import rmst
from survlupus.stats.safety import (
    ae_by_max_grade,
    ae_by_term,
    ae_by_year,
    ae_overview,
    ae_rates,
    ae_time_to_first,
    toxicity_shift,
)
from survlupus.stats.tables import SummaryTable, summary_table

__all__ = [
    "ae_by_max_grade",
    "ae_by_term",
    "ae_by_year",
    "ae_overview",
    "ae_rates",
    "ae_time_to_first",
    "toxicity_shift",
    "CoxResult",
    "CumulativeIncidence",
    "KaplanMeier",
    "LogRankResult",
    "MMRMResult",
    "SummaryTable",
    "cox",
    "fine_gray",
    "FineGrayResult",
    "cumulative_incidence",
    "flare_rates",
    "geometric_mean_ratio",
    "gray_test",
    "kaplan_meier",
    "logrank",
    "mean_cumulative_function",
    "mmrm",
    "normalisation",
    "rmst",
    "shift_table",
    "slopes",
    "summary_table",
]
