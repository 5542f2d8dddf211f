"""The definitions table: every derived parameter of the analysis, in words, with its source.

One row per parameter of ADTTE, ADRS and the adverse-event ADTTE (``dataset, PARAMCD, PARAM,
definition, source``); the definition is the rule's :meth:`describe` (its settings filled in),
so the page and ``define.json`` say what the plan ran, not the defaults.

>>> definition_rows(results)          # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from survlupus.analyse.efficacy import responder_rules
from survlupus.plan.library import plan_endpoints

COLUMNS = ["dataset", "PARAMCD", "PARAM", "definition", "source"]


def _split(text: str) -> tuple[str, str]:
    rule, _, source = text.rpartition(" Source: ")
    return rule, source.rstrip(".")


def definition_rows(plan, datasets: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The parameters the datasets hold, with their definitions in words."""
    rows = []
    adtte = set(datasets["adtte"]["PARAMCD"]) if "adtte" in datasets else set()
    for e in plan_endpoints(plan):
        if e.paramcd in adtte:
            rows.append(["ADTTE", e.paramcd, e.param, *_split(e.describe())])
    adrs = datasets.get("adrs")
    codes = set(adrs["PARAMCD"]) if adrs is not None and len(adrs) else set()
    for r in responder_rules(plan):
        if r.paramcd in codes:
            param = adrs.loc[adrs["PARAMCD"] == r.paramcd, "PARAM"].iloc[0]
            rows.append(["ADRS", r.paramcd, param, *_split(r.describe())])
    ae = datasets.get("adaette")
    if ae is not None and len(ae):
        for code, param in ae.drop_duplicates("PARAMCD")[["PARAMCD", "PARAM"]].itertuples(
            index=False
        ):
            what = param.removeprefix("Time to first ").removesuffix(" (days)")
            rows.append(
                [
                    "ADAETTE",
                    code,
                    param,
                    f"Days from the start date to the first treatment-emergent {what}; "
                    "censored at the end of follow-up. Population: every subject.",
                    "ICH E2A (1994) adverse-event definitions; ICH E9 (1998) statistical principles",
                ]
            )
    return pd.DataFrame(rows, columns=COLUMNS)
