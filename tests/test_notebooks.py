"""The notebooks are documentation: committed with their outputs (figures as PNGs, tables as
HTML), and running them again gives the same text outputs (``notebooks/execute.py`` writes them).
nbmake also runs them in CI (``pytest`` collects ``notebooks/``)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FIGURES = {"01_quickstart_cs20at04": 2, "02_placebo_controlled_musc": 2}


def _texts(nb: dict) -> list[list[str]]:
    """Per code cell, its text outputs (streams and text/plain), in order."""
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        texts = []
        last = None
        for o in cell.get("outputs", []):
            if o["output_type"] == "stream":
                text = "".join(o["text"]).replace(str(ROOT), "<repo>")
                if (
                    last is not None
                    and last["output_type"] == "stream"
                    and last["name"] == o["name"]
                ):
                    texts[-1] += text  # one print may reach the kernel's stream in two messages
                else:
                    texts.append(text)
            elif "text/plain" in o.get("data", {}) and "image/png" not in o["data"]:
                texts.append("".join(o["data"]["text/plain"]).replace(str(ROOT), "<repo>"))
            last = o
        out.append(texts)
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_show_their_outputs_and_rerun_to_the_same_text(path):
    committed = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in committed["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code), "run notebooks/execute.py"
    assert not any("matplotlib.use" in "".join(c["source"]) for c in code)  # no backend forcing
    pngs = sum("image/png" in o.get("data", {}) for c in code for o in c["outputs"])
    assert pngs >= FIGURES.get(path.stem, 0)
    spec = importlib.util.spec_from_file_location("execute", ROOT / "notebooks" / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    again = module.execute(path)
    assert _texts(json.loads(json.dumps(again))) == _texts(committed)
