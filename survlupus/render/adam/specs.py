"""The datasets survlupus writes, each with a fixed variable list, keys and a description.

Every dataset has the same columns whatever the trial (a variable a trial cannot fill is empty),
``STUDYID`` and ADSL's core variables (:data:`survlupus.derive.adsl.CORE`) merged on
``USUBJID``, an ``ASEQ`` numbering the subject's records in key order, and text over 200
characters split into numbered continuations (``EVIDENCE``, ``EVIDENC1``, ``EVIDENC2``) in every
format. :func:`conform` builds that frame from a derived dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from survlupus.derive.adae import ADAE_COLUMNS
from survlupus.derive.adsl import ADSL_COLUMNS, CORE
from survlupus.derive.bds import BDS_COLUMNS
from survlupus.derive.responders.context import RESPONDER_COLUMNS
from survlupus.derive.tte.engine import ADTTE_COLUMNS
from survlupus.derive.tte.episodes import EPISODE_COLUMNS
from survlupus.render.adam.variables import continuations, label_of

TEXT_BYTES = 200
_SUBJECT = ["STUDYID", "USUBJID", "ASEQ", *[c for c in CORE if c not in ("STUDYID", "USUBJID")]]
_ADDED = {"PARAM": "PARAMN", "ADURN": "ADURU"}
"""Variables the ADaM form adds after a derived one (the parameter's number, the unit)."""


def _columns(derived, drop=()) -> tuple[str, ...]:
    """The ADaM variable list of a derived dataset: ``STUDYID USUBJID ASEQ``, ADSL's core
    variables, ``ARM SUBGROUP``, then the derivation's own columns in their order (less ``drop``),
    with the variables of ``_ADDED`` after theirs."""
    own: list[str] = []
    for c in derived:
        if c in ("STUDYID", "USUBJID", "ARM", "SUBGROUP", *drop):
            continue
        own += [c, _ADDED[c]] if c in _ADDED else [c]
    return (*_SUBJECT, "ARM", "SUBGROUP", *own)


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset: member name, label, ADaM class, variables, keys and what it holds."""

    name: str
    label: str
    adam_class: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    description: str
    parts: dict[str, int] = field(default_factory=dict)
    """Long text variables and how many 200-character parts each has."""

    def label_of(self, name: str) -> str:
        """A variable's label; a continuation ``EVIDENC1`` says which part of what it is."""
        for base, n in self.parts.items():
            names = continuations(base, n)
            if name in names[1:]:
                return f"{label_of(base)[:28]} (part {names.index(name) + 1})"
        return label_of(name)

    @property
    def variables(self) -> list[str]:
        out: list[str] = []
        for c in self.columns:
            out += continuations(c, self.parts[c]) if c in self.parts else [c]
        return out


SPECS: dict[str, DatasetSpec] = {
    "adsl": DatasetSpec(
        "ADSL",
        "Subject-Level Analysis Dataset",
        "SUBJECT LEVEL ANALYSIS DATASET",
        tuple(ADSL_COLUMNS),
        ("STUDYID", "USUBJID"),
        "One record per subject of the subjects table; population flags, treatment, dates.",
    ),
    "adtte": DatasetSpec(
        "ADTTE",
        "Time-to-Event Analysis Dataset",
        "BASIC DATA STRUCTURE",
        _columns(ADTTE_COLUMNS),
        ("STUDYID", "USUBJID", "PARAMCD"),
        "One record per subject and time-to-event parameter within the analysis window.",
        {"EVIDENCE": 3},
    ),
    "adaette": DatasetSpec(
        "ADAETTE",
        "Time to First Adverse Event Dataset",
        "BASIC DATA STRUCTURE",
        _columns(ADTTE_COLUMNS, drop=("SRCDT", "RULE", "EVIDENCE")),
        ("STUDYID", "USUBJID", "PARAMCD"),
        "One record per subject and adverse-event category: time to the first "
        "treatment-emergent event, censored at the end of follow-up.",
    ),
    "adrs": DatasetSpec(
        "ADRS",
        "Responder Analysis Dataset",
        "BASIC DATA STRUCTURE",
        _columns(RESPONDER_COLUMNS),
        ("STUDYID", "USUBJID", "PARAMCD", "AVISITN"),
        "One record per subject, responder parameter and visit.",
    ),
    "adbds": DatasetSpec(
        "ADBDS",
        "Visit Measures Analysis Dataset",
        "BASIC DATA STRUCTURE",
        _columns(BDS_COLUMNS),
        ("STUDYID", "USUBJID", "PARAMCD", "ADT"),
        "One record per subject, visit measure and visit date, windowed to the plan's visits.",
    ),
    "adae": DatasetSpec(
        "ADAE",
        "Adverse Events Analysis Dataset",
        "OCCURRENCE DATA STRUCTURE",
        _columns(ADAE_COLUMNS),
        ("STUDYID", "USUBJID", "AESEQ"),
        "One record per adverse event.",
    ),
    "adepisodes": DatasetSpec(
        "ADEPIS",
        "Flare Episodes Analysis Dataset",
        "OCCURRENCE DATA STRUCTURE",
        _columns(EPISODE_COLUMNS),
        ("STUDYID", "USUBJID", "ONSETDT", "TYPE"),
        "One record per flare episode (every episode, not only the first) within the window.",
        {"EVIDENCE": 3},
    ),
}
"""The datasets, by the name of ``Results.datasets``; an ADTTE of another window
(``adtte_<window>``) follows ``adtte``."""


def spec_for(name: str) -> DatasetSpec:
    """The spec of a dataset of ``Results.datasets`` (``adtte_<window>`` as ``adtte``)."""
    if name in SPECS:
        return SPECS[name]
    if name.startswith("adtte_"):
        window = name.removeprefix("adtte_")
        base = SPECS["adtte"]
        return DatasetSpec(
            ("ADTT" + window.upper())[:8],
            f"Time-to-Event Dataset, {window} window"[:40],
            base.adam_class,
            base.columns,
            base.keys,
            base.description.replace("the analysis window", f"the {window} window"),
            base.parts,
        )
    raise KeyError(f"no dataset spec for {name!r}; known: {', '.join(SPECS)}")
