"""The reference docs are generated from the code (``survlupus docs``) and current; no document
points outside the repository."""

from __future__ import annotations

import re

from survlupus.jobs.contract import data_contract, endpoint_definitions

from .conftest import ROOT


def test_generated_docs_are_current():
    assert (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8") == data_contract()
    assert (ROOT / "docs" / "endpoints.md").read_text(encoding="utf-8") == endpoint_definitions()


def test_the_contract_lists_every_column_of_the_schema():
    from survlupus.trial.schema import TABLES

    text = data_contract()
    for name, spec in TABLES.items():
        assert f"## `{name}`" in text
        for col in spec.columns:
            assert f"| `{col}` |" in text


def test_nothing_points_outside_the_repository():
    outside = re.compile(r"\.\./shared|shared/spec|spec endpoints\.md|data-model\.md")
    for path in [*ROOT.glob("docs/*.md"), ROOT / "README.md", *ROOT.glob("survlupus/**/*.py")]:
        assert not outside.search(path.read_text(encoding="utf-8")), path
