"""Dataset metadata: what a define.xml would hold, as ``define.json`` beside the datasets.

For every dataset: name, label, ADaM class, structure, keys, records and files; for every
variable: label, type, length, codelist, origin and, for derived variables, the derivation in
words; the codelists with each term's meaning (the ``CNSR`` codes among them); and every
parameter with its definition in sentences and a citation (:func:`parameter_rows`).

It is JSON rather than define.xml 2.1: a valid define.xml needs the CDISC schema and controlled
terminology this package does not ship; every field a define.xml's ItemGroupDef, ItemDef,
CodeList and MethodDef needs is here, named as there, so one can be built from it.

>>> write_metadata(conformed, parameters, "out/datasets/define.json", study="MUSC")  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from survlupus.derive.adsl import CORE
from survlupus.render.adam.specs import DatasetSpec
from survlupus.render.adam.variables import CODELISTS, VARIABLES, codelist_of

DERIVATIONS: dict[str, str] = {
    "ASEQ": "Number of the subject's record in the dataset's key order (1, 2, ...).",
    "PARAMN": "Number of the parameter in the order the analysis plan lists it.",
    "STARTDT": "The subject's start date (study day 1): subjects.start_date.",
    "ADT": "TTE: the event date, else the censoring date (see CNSDTDSC). Responders and "
    "visit measures: the date of the assessment used (the nominal date for an imputed record).",
    "AVAL": "TTE: ADT - STARTDT + 1 days. Responders: 1 responder, 0 non-responder. "
    "Visit measures: the recorded value in the contract's unit.",
    "CNSR": "0 for an event; 1-4 for a censored record, by the reason (codelist CNSR).",
    "EVNTDESC": "The event that occurred, or why the record is censored (codelist CNSR).",
    "CNSDTDSC": "Censored records: what the censoring date is (the last adequate assessment, the "
    "last contact, the end of the analysis window, death, or study day 1).",
    "SRCDOM": "The input table the date was read from (codelist SRCDOM).",
    "SRCVAR": "The column of that table holding the date.",
    "SRCSEQ": "The source record's number within the subject in that table, ordered by date "
    "(as SDTM --SEQ); empty for the subjects table (one record per subject).",
    "SRCDT": "The date read from the source record (equal to ADT).",
    "RULE": "Sponsor: the criterion of the definition that fired.",
    "EVIDENCE": "Sponsor: the source values behind the decision, in words (continued in "
    "numbered variables over 200 characters).",
    "AVISITN": "The visit's nominal study day in the plan's schedule.",
    "ADY": "ADT - start date + 1.",
    "DTYPE": "NRI where the assessment is missing and the subject is counted as non-responder.",
    "ANL01FL": "Y for the records the analyses use (responders: eligible with a result; visit "
    "measures: the record chosen for the visit window).",
    "CRIT1FL": "Y when CRIT1 is met, N when it is not (empty when not assessable).",
    "ELIGFL": "Sponsor: Y when the subject is eligible for the parameter (e.g. SRI-k needs "
    "baseline SLEDAI-2K >= k).",
    "REASON": "Sponsor: why the result is what it is (values, or what was missing).",
    "BASE": "The last non-missing value on or before the start date.",
    "CHG": "AVAL - BASE, to the precision of AVAL.",
    "PCHG": "100 x CHG / BASE, 2 decimals; empty when BASE is 0.",
    "ABLFL": "Y on the baseline record.",
    "TRT01A": "The planned arm for a subject who received study treatment; empty otherwise.",
    "ITTFL": "Y for every subject of the subjects table.",
    "SAFFL": "Y for subjects who received study treatment (an infusion; every subject when the "
    "trial records no infusion).",
    "FASFL": "Y for every subject: the efficacy analyses count every subject (a subject "
    "without a post-baseline assessment is censored at day 1, not excluded).",
    "RANDDT": "The start date in a randomised (controlled) design; empty in a single-arm study.",
    "TRTSDT": "The first infusion (the start date when the trial records no infusion).",
    "TRTEDT": "The last infusion (the start date when the trial records no infusion).",
    "LSTALVDT": "The latest of visits, infusions, events, adverse-event onsets and end_date, "
    "never after death.",
    "DTHFL": "Y when the events table records a death.",
    "TRTEMFL": "Y when the onset is on or after the first infusion.",
    "APERIOD": "1 main study (onset within the main window), 2 long-term follow-up.",
    "AOCCPFL": "Y on the subject's first treatment-emergent occurrence of the term.",
    "ARELFL": "Sponsor: Y when AEREL is possible, probable or definite.",
    "ADURN": "AENDT - ASTDT + 1 days; empty while ongoing.",
}


def origin_of(name: str, dataset: str) -> str:
    """``Assigned``, ``Derived`` or ``Predecessor`` (the define.xml origin types)."""
    if name == "STUDYID":
        return "Assigned"
    if name in DERIVATIONS or name.rstrip("0123456789") in ("EVIDENC", "EVIDEN"):
        return "Derived"
    if name in CORE and dataset != "ADSL":
        return "Predecessor: ADSL." + name
    return "Predecessor"


def dataset_metadata(df: pd.DataFrame, spec: DatasetSpec, files: list[str]) -> dict:
    """The metadata of one conformed dataset (see the module docstring)."""
    variables = []
    for c in df.columns:
        kind = VARIABLES[c].type if c in VARIABLES else "string"
        var = {
            "name": c,
            "label": spec.label_of(c),
            "dataType": kind,
            "origin": origin_of(c, spec.name),
            "sponsor": bool(VARIABLES[c].sponsor) if c in VARIABLES else True,
        }
        if kind == "string":
            var["length"] = max(1, int(df[c].astype(str).str.len().max()) if len(df) else 1)
        code = codelist_of(c)
        if code:
            var["codelist"] = code
        if c in DERIVATIONS:
            var["derivation"] = DERIVATIONS[c]
        if c in spec.keys:
            var["keySequence"] = spec.keys.index(c) + 1
        variables.append(var)
    return {
        "name": spec.name,
        "label": spec.label,
        "class": spec.adam_class,
        "structure": spec.description,
        "keys": list(spec.keys),
        "records": len(df),
        "files": files,
        "variables": variables,
    }


def write_metadata(
    datasets: Mapping[str, dict],
    parameters: list[dict],
    path: str | Path,
    study: str,
) -> Path:
    """``define.json``: every dataset's metadata, the codelists and the parameters."""
    doc = {
        "study": study,
        "standard": "ADaM IG v1.3 (names and structures); Dataset-JSON v1.1 and SAS XPT v5 files",
        "datasets": list(datasets.values()),
        "codelists": {
            name: [{"code": k, "decode": v} for k, v in terms.items()]
            for name, terms in CODELISTS.items()
        },
        "parameters": parameters,
    }
    path = Path(path)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
