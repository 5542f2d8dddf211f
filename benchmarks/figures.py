"""Report figures: ``python benchmarks/figures.py`` prints a table.

For each synthetic trial, every figure of its report (``figure_specs``) drawn and saved in the
plan's formats (PDF, SVG, PNG) two ways in the same run: one by one in this process (the
baseline: what the report did before issue 16) and by the report's pool of forked workers
(``survlupus.jobs.report._drawing``). Each figure is drawn once and saved three times; the files
are the same either way (checked here, byte for byte).
"""

from __future__ import annotations

import argparse
import filecmp
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import survlupus  # noqa: E402
from survlupus.jobs import report  # noqa: E402
from survlupus.render.figures.catalogue import figure_specs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run(design: str) -> dict:
    results = survlupus.analyse(survlupus.read_trial(ROOT / "data" / "synthetic" / design))
    specs = figure_specs(results)
    for spec in specs:
        if spec.kind == "forest_subgroups":
            results.subgroup_forest(spec.key)
    times, outs = {}, {}
    for label, workers in (("one by one", 1), ("pool", report.MAX_FIGURE_WORKERS)):
        out = Path(tempfile.mkdtemp(prefix=f"fig-{design}-"))
        report.MAX_FIGURE_WORKERS = workers
        start = time.perf_counter()
        with report._drawing(results, specs, out) as drawn:
            files = [p for _, written in drawn for p in written]
        times[label] = time.perf_counter() - start
        outs[label] = (out, files)
    report.MAX_FIGURE_WORKERS = 4
    (a, fa), (b, _) = outs["one by one"], outs["pool"]
    same = all(filecmp.cmp(p, b / p.relative_to(a), shallow=False) for p in fa)
    return {"design": design, "figures": len(specs), "files": len(fa), **times, "same": same}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", nargs="*", default=["cs20at04", "musc", "nanjing"])
    args = parser.parse_args()
    print(
        f"{'trial':>10} {'figures':>8} {'files':>6} {'one by one (s)':>15} {'pool (s)':>9} "
        f"{'speed-up':>9} {'same':>5}"
    )
    for design in args.designs:
        r = run(design)
        print(
            f"{r['design']:>10} {r['figures']:>8} {r['files']:>6} {r['one by one']:>15.1f} "
            f"{r['pool']:>9.1f} {r['one by one'] / r['pool']:>8.1f}x "
            f"{'yes' if r['same'] else 'NO':>5}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
