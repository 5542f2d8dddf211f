"""The fitted MMRM: LS means, contrasts, the covariance matrix and how the fit went."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from survlupus.stats.display import html_table


@dataclass(frozen=True)
class MMRMResult:
    """What :func:`survlupus.mmrm` returns.

    ``lsmeans``: ``arm, visit, estimate, se, df, lower, upper`` (LS mean change at the covariate
    means); ``contrasts``: ``arm, visit, estimate, se, df, lower, upper, p_value`` (arm minus the
    reference); ``covariance``: the fitted Σ (visits × visits); ``coefficients``: β with its
    model-based standard errors; ``converged``, ``iterations``, ``message``: the optimiser's
    report; ``loglik``: the REML log-likelihood; ``aic``: -2 loglik + 2 × covariance parameters.
    """

    paramcd: str
    covariance_structure: str
    by: str | None
    reference: str | None
    visits: tuple[str, ...]
    arms: tuple[str, ...]
    lsmeans: pd.DataFrame = field(repr=False)
    contrasts: pd.DataFrame = field(repr=False)
    covariance: pd.DataFrame = field(repr=False)
    coefficients: pd.DataFrame = field(repr=False)
    covariate_means: dict
    loglik: float
    aic: float
    n_subjects: int
    n_records: int
    converged: bool
    iterations: int
    message: str
    conf_level: float = 0.95

    def __repr__(self) -> str:
        arms = f", {len(self.arms)} arms vs {self.reference}" if self.by else ", single arm"
        state = "converged" if self.converged else "NOT converged"
        return (
            f"<MMRMResult {self.paramcd}: {self.covariance_structure} covariance, "
            f"{self.n_subjects} subjects, {self.n_records} records, {len(self.visits)} visits"
            f"{arms}; REML {state}>"
        )

    def _repr_html_(self) -> str:
        head = repr(self)
        if self.by:
            return html_table(head + " Contrasts vs reference:", self.contrasts)
        return html_table(head + " LS mean change:", self.lsmeans)
