"""The ADaM variables survlupus writes: one label and type per name, whichever dataset holds it.

Labels are at most 40 characters (XPT v5); names at most 8. Types are those of Dataset-JSON:
``string``, ``integer``, ``double`` (with ``float`` written as ``double``) and ``date``. A
variable that ADaM IG v1.3 does not define is a *sponsor* variable, marked so in the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    """One variable: its label, Dataset-JSON type, and whether the sponsor defines it."""

    label: str
    type: str = "string"
    sponsor: bool = False


def _v(label: str, type: str = "string", sponsor: bool = False) -> Variable:
    return Variable(label, type, sponsor)


VARIABLES: dict[str, Variable] = {
    # identifiers and ADSL
    "STUDYID": _v("Study Identifier"),
    "USUBJID": _v("Unique Subject Identifier"),
    "SUBJID": _v("Subject Identifier for the Study"),
    "SITEID": _v("Study Site Identifier"),
    "ASEQ": _v("Analysis Sequence Number", "integer"),
    "ARM": _v("Description of Planned Arm"),
    "TRT01P": _v("Planned Treatment for Period 01"),
    "TRT01A": _v("Actual Treatment for Period 01"),
    "AGE": _v("Age", "double"),
    "AGEU": _v("Age Units"),
    "SEX": _v("Sex"),
    "SUBGROUP": _v("Analysis Subgroup", sponsor=True),
    "RANDDT": _v("Date of Randomization", "date"),
    "TRTSDT": _v("Date of First Exposure to Treatment", "date"),
    "TRTEDT": _v("Date of Last Exposure to Treatment", "date"),
    "ITTFL": _v("Intent-To-Treat Population Flag"),
    "SAFFL": _v("Safety Population Flag"),
    "FASFL": _v("Full Analysis Set Population Flag"),
    "EOSSTT": _v("End of Study Status"),
    "DCSREAS": _v("Reason for Discontinuation from Study"),
    "DTHFL": _v("Subject Death Flag"),
    "DTHDT": _v("Date of Death", "date"),
    "LSTALVDT": _v("Date Last Known Alive", "date"),
    # parameters
    "PARAMCD": _v("Parameter Code"),
    "PARAM": _v("Parameter"),
    "PARAMN": _v("Parameter (N)", "integer"),
    "PARCAT1": _v("Parameter Category 1"),
    # time to event
    "STARTDT": _v("Time-to-Event Origin Date for Subject", "date"),
    "ADT": _v("Analysis Date", "date"),
    "ADY": _v("Analysis Relative Day", "integer"),
    "AVAL": _v("Analysis Value", "double"),
    "AVALC": _v("Analysis Value (C)"),
    "CNSR": _v("Censor", "integer"),
    "EVNTDESC": _v("Event or Censoring Description"),
    "CNSDTDSC": _v("Censor Date Description"),
    "SRCDOM": _v("Source Data"),
    "SRCVAR": _v("Source Variable"),
    "SRCSEQ": _v("Source Sequence Number", "integer"),
    "SRCDT": _v("Source Date", "date", sponsor=True),
    "RULE": _v("Derivation Rule That Fired", sponsor=True),
    "EVIDENCE": _v("Evidence for the Derivation", sponsor=True),
    # visits, records, criteria
    "AVISIT": _v("Analysis Visit"),
    "AVISITN": _v("Analysis Visit (N)", "integer"),
    "DTYPE": _v("Derivation Type"),
    "ELIGFL": _v("Eligible for the Parameter Flag", sponsor=True),
    "ANL01FL": _v("Analysis Flag 01"),
    "CRIT1": _v("Analysis Criterion 1"),
    "CRIT1FL": _v("Criterion 1 Evaluation Result Flag"),
    "REASON": _v("Reason for the Result", sponsor=True),
    "BASE": _v("Baseline Value", "double"),
    "CHG": _v("Change from Baseline", "double"),
    "PCHG": _v("Percent Change from Baseline", "double"),
    "ABLFL": _v("Baseline Record Flag"),
    # adverse events
    "AESEQ": _v("Sequence Number", "integer"),
    "AETERM": _v("Reported Term for the Adverse Event"),
    "AEDECOD": _v("Dictionary-Derived Term"),
    "AEBODSYS": _v("Body System or Organ Class"),
    "ASTDT": _v("Analysis Start Date", "date"),
    "AENDT": _v("Analysis End Date", "date"),
    "ASTDY": _v("Analysis Start Relative Day", "integer"),
    "AENDY": _v("Analysis End Relative Day", "integer"),
    "ADURN": _v("Analysis Duration (N)", "integer"),
    "ADURU": _v("Analysis Duration Units"),
    "TRTEMFL": _v("Treatment Emergent Analysis Flag"),
    "APERIOD": _v("Period", "integer"),
    "APERIODC": _v("Period (C)"),
    "AESER": _v("Serious Event"),
    "AEREL": _v("Causality"),
    "ARELFL": _v("Related Flag", sponsor=True),
    "ATOXGR": _v("Analysis Toxicity Grade", "integer"),
    "AEOUT": _v("Outcome of Adverse Event"),
    "AEACN": _v("Action Taken with Study Treatment"),
    "AEINFFL": _v("Infusion-Related Flag", sponsor=True),
    "AOCCPFL": _v("1st Occurrence within Preferred Term Fl"),
    # flare episodes
    "TYPE": _v("Flare Type", sponsor=True),
    "SEVERITY": _v("Flare Severity", sponsor=True),
    "EPISODE": _v("Episode Number Within Type", "integer", sponsor=True),
    "ONSETDT": _v("Onset Date", "date", sponsor=True),
    "ONSETDY": _v("Onset Study Day", "integer", sponsor=True),
}

CODELISTS: dict[str, dict[str, str]] = {
    "CNSR": {
        "0": "event",
        "1": "censored: no event by the end of observation (follow-up complete)",
        "2": "censored: no event before the subject withdrew early",
        "3": "censored: the subject died without the event (death not an event here)",
        "4": "censored at day 1: no adequate post-baseline assessment",
    },
    "DTYPE": {"NRI": "non-responder imputation: the assessment is missing"},
    "NY": {"Y": "yes", "N": "no"},
    "SRCDOM": {
        "VISITS": "the visits table of the trial folder",
        "EVENTS": "the events table",
        "STEROIDS": "the steroids table",
        "SUBJECTS": "the subjects table",
        "ADAE": "the ADAE dataset",
    },
    "EOSSTT": {"COMPLETED": "completed the study", "DISCONTINUED": "discontinued early"},
}
"""Controlled terms (the codelists of the metadata), by the variable that uses them."""

FLAGS = ("ITTFL", "SAFFL", "FASFL", "ANL01FL", "ABLFL", "TRTEMFL", "AESER", "ARELFL")


def codelist_of(name: str) -> str | None:
    """The codelist a variable uses, if any."""
    if name in CODELISTS:
        return name
    if name in FLAGS or name.endswith("FL"):
        return "NY"
    return None


def label_of(name: str) -> str:
    """The variable's label (a ``KeyError`` for a name survlupus does not write)."""
    if name not in VARIABLES:
        raise KeyError(f"no label for the variable {name}; add it to VARIABLES")
    return VARIABLES[name].label


def continuations(name: str, parts: int) -> list[str]:
    """``EVIDENCE, EVIDENC1, EVIDENC2``: a long text variable and its numbered continuations
    (the SDTM convention for text over 200 characters)."""
    return [name] + [name[: 8 - len(str(k))] + str(k) for k in range(1, parts)]
